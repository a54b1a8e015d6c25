#include "foam_dict.h"

#include <cstdlib>
#include <sstream>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"

namespace labkit::aneumo_build {

std::string foam_strip_comments(const std::string& t) {
  std::string out;
  out.reserve(t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '/' && i + 1 < t.size() && t[i + 1] == '/') {
      while (i < t.size() && t[i] != '\n') ++i;
      out += '\n';
    } else if (t[i] == '/' && i + 1 < t.size() && t[i + 1] == '*') {
      const auto end = t.find("*/", i + 2);
      i = end == std::string::npos ? t.size() : end + 1;
    } else {
      out += t[i];
    }
  }
  return out;
}

std::string foam_read_without_comments(const std::string& path) { return foam_strip_comments(read_file(path)); }

namespace {

// Parses "uniform v;" or "nonuniform List<T> N ( ... );" starting at `at` (just after the keyword).
std::vector<double> parse_values(const std::string& t, size_t at, int comps, size_t count, const std::string& path) {
  std::vector<double> v;
  const auto first = t.find_first_not_of(" \t\n", at);
  if (first == std::string::npos) throw input_error(path, "truncated field entry");
  auto numbers = [&](size_t from, size_t to) {
    std::vector<double> out;
    std::string chunk = t.substr(from, to - from);
    for (char& ch : chunk)
      if (ch == '(' || ch == ')') ch = ' ';
    std::istringstream ss(chunk);
    double x;
    while (ss >> x) out.push_back(x);
    return out;
  };
  if (t.compare(first, 7, "uniform") == 0) {
    const auto semi = t.find(';', first);
    const auto one = numbers(first + 7, semi);
    if (static_cast<int>(one.size()) != comps) throw input_error(path, "uniform value has the wrong number of components");
    for (size_t n = 0; n < count; ++n) v.insert(v.end(), one.begin(), one.end());
    return v;
  }
  if (t.compare(first, 10, "nonuniform") != 0) throw input_error(path, "field entry is neither uniform nor nonuniform");
  const auto open = t.find('(', t.find('>', first));
  size_t depth = 0, close = open;
  for (; close < t.size(); ++close) {
    if (t[close] == '(') ++depth;
    if (t[close] == ')' && --depth == 0) break;
  }
  if (open == std::string::npos || close >= t.size()) throw input_error(path, "unterminated value list");
  const std::string head = t.substr(t.find('>', first) + 1, open - t.find('>', first) - 1);
  const size_t n = std::strtoull(head.c_str(), nullptr, 10);
  v = numbers(open + 1, close);
  if (v.size() != n * comps) throw input_error(path, "value list length does not match its count");
  return v;
}

}  // namespace

std::vector<double> foam_internal_field(const std::string& path, int comps, size_t count) {
  const std::string t = foam_read_without_comments(path);
  const auto at = t.find("internalField");
  if (at == std::string::npos) throw input_error(path, "no internalField");
  return parse_values(t, at + 13, comps, count, path);
}

std::vector<double> foam_patch_field(const std::string& path, const std::string& patch, int comps) {
  const std::string t = foam_read_without_comments(path);
  const auto bf = t.find("boundaryField");
  if (bf == std::string::npos) throw input_error(path, "no boundaryField");
  size_t at = bf;
  for (;;) {
    at = t.find(patch, at + 1);
    if (at == std::string::npos) throw input_error(path, "no patch '" + patch + "'");
    const auto next = t.find_first_not_of(" \t\n", at + patch.size());
    const bool word_start = at > 0 && std::isspace(static_cast<unsigned char>(t[at - 1]));
    if (word_start && next != std::string::npos && t[next] == '{') break;
  }
  const auto value = t.find("value", at);
  const auto close = t.find('}', at);
  if (value == std::string::npos || value > close) throw input_error(path, "patch '" + patch + "' has no value entry");
  return parse_values(t, value + 5, comps, 0, path);
}

}  // namespace labkit::aneumo_build
