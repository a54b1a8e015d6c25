// The human summary of a run's results that a tool prints on stdout (run.summary()).
//
//   run.summary().add("perplexity", 13.71).add("tokens", 4096);
//   run.summary().add_table("Dice by clicks", {"clicks", "dice"}, {{1, 0.81}, {3, 0.87}});
//
// Tool::main renders it to stdout after a successful body, as aligned plain text: key-value rows
// (label, value, optional unit) and titled tables, in the order they were added. With --json the tool
// prints run.metrics() instead, so a summary holds nothing a script needs that the metrics lack.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace labkit {

class Summary {
 public:
  // One "label  value [unit]" row. Integers print as integers, floats with up to 6 significant
  // digits (no exponent between 1e-4 and 1e15), strings as they are, booleans as yes/no.
  Summary& add(const std::string& label, const nlohmann::json& value, const std::string& unit = "");
  // A titled table; each row has one cell per header entry (numbers right-aligned, text left-aligned).
  Summary& add_table(const std::string& title, std::vector<std::string> header,
                     std::vector<std::vector<nlohmann::json>> rows);

  // Text a tool formats itself (e.g. a file description), printed as given (a newline is added if missing).
  Summary& add_text(const std::string& text);

  bool empty() const { return blocks_.empty(); }
  // The text printed on stdout: consecutive rows share one alignment; a blank line before each table.
  std::string render() const;

  // How one value is printed (also used for table cells).
  static std::string format_value(const nlohmann::json& value);

 private:
  struct Row {
    std::string label, value, unit;
  };
  struct Block {
    std::vector<Row> rows;  // key-value rows, or empty for a table or text
    std::string text;       // add_text
    bool is_text = false;
    std::string title;
    std::vector<std::string> header;
    std::vector<std::vector<nlohmann::json>> cells;
  };
  std::vector<Block> blocks_;
};

}  // namespace labkit
