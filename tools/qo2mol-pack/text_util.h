// Small text helpers shared by the text-format readers.
#pragma once

#include <string>
#include <vector>

namespace labkit::qo2mol_pack {

std::vector<std::string> split_ws(const std::string& line);
std::string trim(const std::string& s);
// Strict number parse: the whole token must be a number; throws std::invalid_argument otherwise.
double parse_double(const std::string& token);
long parse_long(const std::string& token);

}  // namespace labkit::qo2mol_pack
