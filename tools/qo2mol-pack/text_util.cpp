#include "text_util.h"

#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "labkit/core/error.h"

namespace labkit::qo2mol_pack {

std::vector<std::string> split_ws(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string t;
  while (in >> t) out.push_back(t);
  return out;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

double parse_double(const std::string& token) {
  const char* begin = token.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (end == begin || *end != '\0') throw std::invalid_argument("'" + token + "' is not a number");
  return v;
}

long parse_long(const std::string& token) {
  const char* begin = token.c_str();
  char* end = nullptr;
  const long v = std::strtol(begin, &end, 10);
  if (end == begin || *end != '\0') throw std::invalid_argument("'" + token + "' is not an integer");
  return v;
}

LineReader::LineReader(const std::string& path) : in_(path) {
  if (!in_) throw input_error(path, "cannot open");
}

bool LineReader::next(std::string& line) {
  if (!std::getline(in_, line)) return false;
  ++line_no_;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

}  // namespace labkit::qo2mol_pack
