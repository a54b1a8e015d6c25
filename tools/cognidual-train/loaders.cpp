#include "loaders.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "answers.h"
#include "labkit/core/error.h"

namespace labkit::cognidual_train {

const std::vector<std::string>& task_file_formats() {
  static const std::vector<std::string> f{"gsm8k", "reclor", "logiqa", "labkit"};
  return f;
}

std::string with_options(const std::string& question, const std::vector<std::string>& options) {
  std::string q = question;
  for (size_t i = 0; i < options.size(); ++i) q += " (" + std::string(1, static_cast<char>('A' + i)) + ")" + options[i];
  return q;
}

namespace {

// A line's problem; the caller adds the file and line number.
struct LineError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string text_field(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string()) throw LineError(std::string("needs a string \"") + key + "\"");
  return j[key].get<std::string>();
}

std::vector<std::string> four_options(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_array() || j[key].size() != 4)
    throw LineError(std::string("needs \"") + key + "\": a list of 4 options");
  std::vector<std::string> out;
  for (const auto& o : j[key]) {
    if (!o.is_string()) throw LineError(std::string("\"") + key + "\" entries must be strings");
    out.push_back(o.get<std::string>());
  }
  return out;
}

std::string option_index(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number_integer() || j[key].get<int64_t>() < 0 || j[key].get<int64_t>() > 3)
    throw LineError(std::string("needs \"") + key + "\": an option index 0-3");
  return std::string(1, static_cast<char>('A' + j[key].get<int>()));
}

Example parse_line(const nlohmann::json& j, const std::string& format) {
  if (!j.is_object()) throw LineError("not a JSON object");
  if (format == "gsm8k") {
    const std::string solution = text_field(j, "answer");
    const size_t mark = solution.rfind("####");
    if (mark == std::string::npos) throw LineError("\"answer\" has no \"#### <number>\" final answer");
    const auto number = normalize_number(solution.substr(mark + 4));
    if (!number) throw LineError("final answer \"" + solution.substr(mark + 4, 40) + "\" is not a number");
    return {"gsm8k", 0, text_field(j, "question"), solution.substr(0, mark), *number};
  }
  if (format == "reclor")
    return {"reclor", 0, with_options(text_field(j, "context") + " " + text_field(j, "question"), four_options(j, "answers")),
            "", option_index(j, "label")};
  if (format == "logiqa")
    return {"logiqa", 0, with_options(text_field(j, "text") + " " + text_field(j, "question"), four_options(j, "options")),
            "", option_index(j, "answer")};
  Example e;
  try {
    e = example_from_json(j);
  } catch (const nlohmann::json::exception&) {
    throw LineError("needs string \"family\", \"question\", \"cot\", \"answer\" and integer \"difficulty\"");
  }
  const auto kind = answer_kind(e.family);
  if (!(kind == AnswerKind::kNumber ? normalize_number(e.answer) : normalize_option(e.answer)))
    throw LineError("answer \"" + e.answer.substr(0, 40) + "\" cannot be parsed as a " +
                    (kind == AnswerKind::kNumber ? "number" : "option letter"));
  return e;
}

}  // namespace

std::vector<Example> read_task_file(const std::string& path, const std::string& format) {
  bool known = false;
  for (const auto& f : task_file_formats()) known |= f == format;
  if (!known) throw InputError("task file format \"" + format + "\": must be gsm8k, reclor, logiqa or labkit");
  std::ifstream in(path);
  if (!in) throw input_error(path, "cannot open task file");
  std::vector<Example> out;
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      out.push_back(parse_line(nlohmann::json::parse(line), format));
    } catch (const nlohmann::json::parse_error&) {
      throw input_error(path, "line " + std::to_string(n) + ": not valid JSON");
    } catch (const LineError& e) {
      throw input_error(path, "line " + std::to_string(n) + ": " + e.what());
    }
  }
  if (out.empty()) throw input_error(path, "no examples");
  return out;
}

}  // namespace labkit::cognidual_train
