// Small text helpers shared by the text-format readers.
#pragma once

#include <fstream>
#include <string>
#include <vector>

namespace labkit::qo2mol_pack {

std::vector<std::string> split_ws(const std::string& line);
std::string trim(const std::string& s);
// Strict number parse: the whole token must be a number; throws std::invalid_argument otherwise.
double parse_double(const std::string& token);
long parse_long(const std::string& token);

// A text file read line by line, counting lines for messages; a CR before the newline is dropped.
class LineReader {
 public:
  explicit LineReader(const std::string& path);  // InputError "PATH: cannot open"
  bool next(std::string& line);                   // false at the end of the file
  long line_no() const { return line_no_; }      // of the line `next` returned last
  bool at_end() { return in_.peek() == EOF; }

 private:
  std::ifstream in_;
  long line_no_ = 0;
};

}  // namespace labkit::qo2mol_pack
