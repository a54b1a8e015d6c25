// JSON configuration with typed `--set a.b=value` overrides.
//
// A tool declares its defaults as a JSON object; that object is also the schema: a config file or an
// override may only name keys that exist in the defaults, and a value must have the default's type
// (an integer is accepted where a float is expected). Objects merge key by key; arrays replace.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace labkit {

class Config {
 public:
  explicit Config(nlohmann::json defaults);

  // Merge a JSON file over the current values. Throws InputError naming the file and the key.
  void merge_file(const std::string& path);
  // Merge an object; `origin` names where it came from in error messages.
  void merge(const nlohmann::json& patch, const std::string& origin);
  // Apply "a.b=value"; value is parsed as JSON when it parses, else taken as a string.
  void apply_override(const std::string& assignment);

  const nlohmann::json& json() const { return values_; }
  // Value at a dotted path ("model.depth"); throws InputError if the key does not exist.
  const nlohmann::json& at(const std::string& dotted_key) const;
  template <typename T>
  T get(const std::string& dotted_key) const {
    return at(dotted_key).get<T>();
  }

  // Every leaf key, dotted, for help texts and error suggestions.
  std::vector<std::string> keys() const;

  // Values that differ from `other` (leaf keys, dotted; keys present in only one side count too).
  std::vector<std::string> differing_keys(const nlohmann::json& other) const;

 private:
  nlohmann::json values_;
};

// The up to `max` entries of `known` nearest to `word` by edit distance (a dotted key also matches by its
// last part: "lr" finds "train.lr"), nearest first; none when nothing is close. For "did you mean".
std::vector<std::string> nearest_names(const std::string& word, const std::vector<std::string>& known,
                                       std::size_t max = 3);

}  // namespace labkit
