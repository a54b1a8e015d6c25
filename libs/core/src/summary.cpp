#include "labkit/core/summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace labkit {
namespace {

std::string format_double(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  const double a = std::fabs(v);
  if (a == 0) return "0";
  if (a >= 1e-4 && a < 1e6) return fmt::format("{:.6g}", v);
  if (a >= 1e6 && a < 1e15) {  // large values: every integer digit, one decimal if not integral
    if (v == std::round(v)) return fmt::format("{:.0f}", v);
    return fmt::format("{:.1f}", v);
  }
  return fmt::format("{:.4e}", v);
}

bool right_aligned(const nlohmann::json& v) { return v.is_number(); }

std::string pad(const std::string& s, size_t width, bool right) {
  if (s.size() >= width) return s;
  const std::string fill(width - s.size(), ' ');
  return right ? fill + s : s + fill;
}

std::string render_rows(const std::vector<std::pair<std::string, std::string>>& rows,
                        const std::vector<std::string>& units) {
  size_t label_width = 0, value_width = 0;
  for (const auto& [label, value] : rows) {
    label_width = std::max(label_width, label.size());
    value_width = std::max(value_width, value.size());
  }
  std::string out;
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string line = pad(rows[i].first, label_width, false) + "  " + rows[i].second;
    if (!units[i].empty()) line += pad("", value_width - rows[i].second.size(), false) + " " + units[i];
    out += line + "\n";
  }
  return out;
}

std::string render_table(const std::string& title, const std::vector<std::string>& header,
                         const std::vector<std::vector<nlohmann::json>>& cells) {
  const size_t n = header.size();
  std::vector<std::vector<std::string>> text(cells.size(), std::vector<std::string>(n));
  std::vector<size_t> width(n);
  std::vector<bool> right(n, false);
  for (size_t c = 0; c < n; ++c) width[c] = header[c].size();
  for (size_t r = 0; r < cells.size(); ++r)
    for (size_t c = 0; c < n; ++c) {
      text[r][c] = Summary::format_value(cells[r][c]);
      width[c] = std::max(width[c], text[r][c].size());
      if (right_aligned(cells[r][c])) right[c] = true;
    }
  auto line = [&](const std::vector<std::string>& row) {
    std::string s;
    for (size_t c = 0; c < n; ++c) s += (c ? "  " : "") + pad(row[c], width[c], right[c]);
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  std::string out = title.empty() ? "" : title + "\n";
  out += line(header);
  std::vector<std::string> rule(n);
  for (size_t c = 0; c < n; ++c) rule[c] = std::string(width[c], '-');
  out += line(rule);
  for (const auto& row : text) out += line(row);
  return out;
}

}  // namespace

std::string Summary::format_value(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number_float()) return format_double(v.get<double>());
  if (v.is_null()) return "-";
  if (v.is_array()) {
    std::string out;
    for (const auto& e : v) out += (out.empty() ? "" : ", ") + format_value(e);
    return out;
  }
  return v.dump();
}

Summary& Summary::add(const std::string& label, const nlohmann::json& value, const std::string& unit) {
  if (blocks_.empty() || blocks_.back().rows.empty()) blocks_.emplace_back();
  blocks_.back().rows.push_back({label, format_value(value), unit});
  return *this;
}

Summary& Summary::add_table(const std::string& title, std::vector<std::string> header,
                            std::vector<std::vector<nlohmann::json>> rows) {
  for (const auto& row : rows)
    if (row.size() != header.size())
      throw std::logic_error("Summary::add_table '" + title + "': a row has " + std::to_string(row.size()) +
                             " cells for " + std::to_string(header.size()) + " columns");
  Block b;
  b.title = title;
  b.header = std::move(header);
  b.cells = std::move(rows);
  blocks_.push_back(std::move(b));
  return *this;
}

Summary& Summary::add_text(const std::string& text) {
  Block b;
  b.is_text = true;
  b.text = text.empty() || text.back() == '\n' ? text : text + "\n";
  blocks_.push_back(std::move(b));
  return *this;
}

std::string Summary::render() const {
  std::string out;
  for (const auto& b : blocks_) {
    if (!out.empty()) out += "\n";
    if (b.is_text) {
      out += b.text;
    } else if (!b.rows.empty()) {
      std::vector<std::pair<std::string, std::string>> rows;
      std::vector<std::string> units;
      for (const auto& r : b.rows) {
        rows.emplace_back(r.label, r.value);
        units.push_back(r.unit);
      }
      out += render_rows(rows, units);
    } else {
      out += render_table(b.title, b.header, b.cells);
    }
  }
  return out;
}

}  // namespace labkit
