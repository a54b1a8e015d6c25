#include "labkit/core/config.h"

#include <algorithm>
#include <cstdint>
#include <sstream>

#include "labkit/core/error.h"
#include "labkit/core/json_file.h"

namespace labkit {
namespace {

std::string type_name(const nlohmann::json& v) {
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer()) return "integer";
  if (v.is_number_float()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "null";
}

// Whether `value` may replace `current`. null in the defaults means "any type" (e.g. optional paths).
bool compatible(const nlohmann::json& current, const nlohmann::json& value) {
  if (current.is_null() || value.is_null()) return true;
  if (current.is_number_float()) return value.is_number();
  if (current.is_number_integer()) return value.is_number_integer();
  return type_name(current) == type_name(value);
}

void collect_keys(const nlohmann::json& node, const std::string& prefix, std::vector<std::string>& out) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object() && !it->empty())
      collect_keys(*it, key, out);
    else
      out.push_back(key);
  }
}

// "(did you mean 'epochs'?)", or the known keys when there are few and none is close.
std::string unknown_key_hint(const std::string& key, const nlohmann::json& root) {
  std::vector<std::string> keys;
  collect_keys(root, "", keys);
  const auto near = nearest_names(key, keys);
  if (!near.empty()) {
    std::string hint = "did you mean ";
    for (size_t i = 0; i < near.size(); ++i)
      hint += (i == 0 ? "" : (i + 1 == near.size() ? " or " : ", ")) + ("'" + near[i] + "'");
    return hint + "?";
  }
  if (keys.empty()) return "this tool has no config keys";
  if (keys.size() > 12) return "no similar key; --show-config prints all " + std::to_string(keys.size());
  std::string hint = "known keys: ";
  for (size_t i = 0; i < keys.size(); ++i) hint += (i ? ", " : "") + keys[i];
  return hint;
}

// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
size_t edit_distance(const std::string& a, const std::string& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i)
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[n][m];
}

std::string last_part(const std::string& key) {
  const auto dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

// Close enough to suggest: about one edit per three characters.
bool close(const std::string& a, const std::string& b, size_t distance) {
  return distance <= std::max<size_t>(1, (std::min(a.size(), b.size()) + 2) / 3);
}

void merge_into(nlohmann::json& target, const nlohmann::json& patch, const std::string& prefix,
                const std::string& origin, const nlohmann::json& root) {
  if (!patch.is_object())
    throw InputError(origin + ": expected a JSON object" + (prefix.empty() ? "" : " at '" + prefix + "'"));
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (!target.contains(it.key()))
      throw InputError(origin + ": unknown config key '" + key + "' (" + unknown_key_hint(key, root) + ")");
    nlohmann::json& slot = target[it.key()];
    if (slot.is_object() && !slot.empty() && it->is_object()) {
      merge_into(slot, *it, key, origin, root);
      continue;
    }
    if (!compatible(slot, *it))
      throw InputError(origin + ": config key '" + key + "' expects " + type_name(slot) + ", got " +
                       type_name(*it) + " (" + it->dump() + ")");
    slot = *it;
  }
}

}  // namespace

Config::Config(nlohmann::json defaults) : values_(std::move(defaults)) {
  if (values_.is_null()) values_ = nlohmann::json::object();
}

void Config::merge_file(const std::string& path) {
  merge(read_json_file(path, "the config file", /*allow_comments=*/true), path);
}

void Config::merge(const nlohmann::json& patch, const std::string& origin) {
  // Text that is not UTF-8 (a --set value, a Latin-1 config file) could never be written to config.json:
  // refused here, naming where it came from (it escaped as a json type_error; found by fuzz/config_set_fuzz).
  try {
    (void)patch.dump();
  } catch (const nlohmann::json::type_error&) {
    std::string where = origin;
    for (char& c : where)
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';  // not echoing the bad bytes to a terminal
    throw InputError(where + ": not valid UTF-8 text");
  }
  // Merged into a copy, so a rejected patch leaves the config as it was (and suggestions see all keys).
  nlohmann::json merged = values_;
  merge_into(merged, patch, "", origin, values_);
  values_ = std::move(merged);
}

void Config::apply_override(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError("--set " + assignment + ": expected key=value, e.g. --set train.lr=0.001");
  const std::string key = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error&) {
    value = text;  // bare words are strings: --set model.name=vit_b
  }
  // A string default given a bare number/bool stays a string: --set name=123 means "123".
  try {
    const nlohmann::json& current = at(key);
    if (current.is_string() && !value.is_string()) value = text;
  } catch (const InputError&) {
    throw InputError("--set " + assignment + ": unknown config key '" + key +
                     "' (" + unknown_key_hint(key, values_) + ")");
  }
  // Build {"a": {"b": value}} and merge it, so the same type checks apply as for files.
  nlohmann::json patch = value;
  std::vector<std::string> parts;
  std::stringstream ss(key);
  for (std::string part; std::getline(ss, part, '.');) parts.push_back(part);
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) patch = nlohmann::json{{*it, patch}};
  merge(patch, "--set " + assignment);
}

const nlohmann::json& Config::at(const std::string& dotted_key) const {
  const nlohmann::json* node = &values_;
  std::stringstream ss(dotted_key);
  for (std::string part; std::getline(ss, part, '.');) {
    if (!node->is_object() || !node->contains(part))
      throw InputError("unknown config key '" + dotted_key + "'");
    node = &(*node)[part];
  }
  return *node;
}

std::vector<std::string> Config::keys() const {
  std::vector<std::string> out;
  collect_keys(values_, "", out);
  return out;
}

std::vector<std::string> Config::differing_keys(const nlohmann::json& other) const {
  std::vector<std::string> mine, theirs, out;
  collect_keys(values_, "", mine);
  collect_keys(other, "", theirs);
  auto value_of = [](const nlohmann::json& root, const std::string& dotted) -> nlohmann::json {
    const nlohmann::json* node = &root;
    std::stringstream ss(dotted);
    for (std::string part; std::getline(ss, part, '.');) {
      if (!node->is_object() || !node->contains(part)) return nlohmann::json("<absent>");
      node = &(*node)[part];
    }
    return *node;
  };
  for (const auto& k : mine)
    if (value_of(values_, k) != value_of(other, k)) out.push_back(k);
  for (const auto& k : theirs)
    if (std::find(mine.begin(), mine.end(), k) == mine.end()) out.push_back(k);
  return out;
}

std::vector<std::string> nearest_names(const std::string& word, const std::vector<std::string>& known, std::size_t max) {
  std::vector<std::pair<size_t, std::string>> scored;
  const std::string word_last = last_part(word);
  for (const auto& k : known) {
    size_t best = SIZE_MAX;
    const size_t full = edit_distance(word, k);
    if (close(word, k, full)) best = full;
    const std::string k_last = last_part(k);
    if (k_last != k || word_last != word) {  // the last parts: a key given in the wrong section
      const size_t part = edit_distance(word_last, k_last);
      if (word_last.size() >= 2 && close(word_last, k_last, part)) best = std::min(best, part);
    }
    if (best != SIZE_MAX) scored.emplace_back(best, k);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < max; ++i) out.push_back(scored[i].second);
  return out;
}

}  // namespace labkit
