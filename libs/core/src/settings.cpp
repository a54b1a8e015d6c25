#include "labkit/core/settings.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace labkit {
namespace {

// A config value as text for an error message, never longer than a line.
std::string shown(const nlohmann::json& v) {
  std::string s = v.is_number_float() ? fmt::format("{}", v.get<double>()) : v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

}  // namespace

InputError config_error(const std::string& key, const std::string& problem) {
  return InputError("config " + key + ": " + problem);
}

std::int64_t check_int_in(const std::string& key, const nlohmann::json& v, std::int64_t lo, std::int64_t hi) {
  if (v.is_number_unsigned()) {
    const std::uint64_t u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
        static_cast<std::int64_t>(u) > hi || static_cast<std::int64_t>(u) < lo)
      throw config_error(key, fmt::format("must be in [{}, {}], got {}", lo, hi, u));
    return static_cast<std::int64_t>(u);
  }
  if (!v.is_number_integer()) throw config_error(key, "must be an integer, got " + shown(v));
  const std::int64_t i = v.get<std::int64_t>();
  if (i < lo || i > hi) throw config_error(key, fmt::format("must be in [{}, {}], got {}", lo, hi, i));
  return i;
}

double check_number_in(const std::string& key, const nlohmann::json& v, double lo, double hi) {
  if (!v.is_number()) throw config_error(key, "must be a number, got " + shown(v));
  const double d = v.get<double>();
  if (!std::isfinite(d)) throw config_error(key, "must be a finite number, got " + shown(v));
  if (!(d >= lo && d <= hi)) throw config_error(key, fmt::format("must be in [{}, {}], got {}", lo, hi, d));
  return d;
}

std::int64_t int_in(const Config& c, const std::string& key, std::int64_t lo, std::int64_t hi) {
  return check_int_in(key, c.at(key), lo, hi);
}

double number_in(const Config& c, const std::string& key, double lo, double hi) {
  return check_number_in(key, c.at(key), lo, hi);
}

double positive(const Config& c, const std::string& key) {
  const nlohmann::json& v = c.at(key);
  const double d = check_number_in(key, v, -std::numeric_limits<double>::max(), std::numeric_limits<double>::max());
  if (!(d > 0)) throw config_error(key, "must be > 0, got " + shown(v));
  return d;
}

namespace {
const nlohmann::json& array_at(const Config& c, const std::string& key, std::size_t min_size) {
  const nlohmann::json& v = c.at(key);
  if (!v.is_array()) throw config_error(key, "must be an array, got " + shown(v));
  if (v.size() < min_size)
    throw config_error(key, fmt::format("must have at least {} entr{}, got {}", min_size, min_size == 1 ? "y" : "ies",
                                        v.size()));
  return v;
}
}  // namespace

std::vector<std::int64_t> ints_in(const Config& c, const std::string& key, std::int64_t lo, std::int64_t hi,
                                  std::size_t min_size) {
  const nlohmann::json& v = array_at(c, key, min_size);
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < v.size(); ++i)
    out.push_back(check_int_in(key + "[" + std::to_string(i) + "]", v[i], lo, hi));
  return out;
}

std::vector<double> numbers_in(const Config& c, const std::string& key, double lo, double hi, std::size_t min_size) {
  const nlohmann::json& v = array_at(c, key, min_size);
  std::vector<double> out;
  for (std::size_t i = 0; i < v.size(); ++i)
    out.push_back(check_number_in(key + "[" + std::to_string(i) + "]", v[i], lo, hi));
  return out;
}

std::string one_of(const Config& c, const std::string& key, const std::vector<std::string>& allowed) {
  const nlohmann::json& v = c.at(key);
  if (v.is_string())
    for (const auto& a : allowed)
      if (v.get<std::string>() == a) return a;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  throw config_error(key, "must be one of " + list + ", got " + shown(v));
}

}  // namespace labkit
