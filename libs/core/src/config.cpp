#include "labkit/core/config.h"

#include <fstream>
#include <sstream>

#include "labkit/core/error.h"

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

std::string known_keys_hint(const nlohmann::json& node) {
  std::vector<std::string> keys;
  collect_keys(node, "", keys);
  std::string hint;
  for (size_t i = 0; i < keys.size() && i < 12; ++i) hint += (i ? ", " : "") + keys[i];
  if (keys.size() > 12) hint += ", ...";
  return hint.empty() ? "(none)" : hint;
}

void merge_into(nlohmann::json& target, const nlohmann::json& patch, const std::string& prefix,
                const std::string& origin) {
  if (!patch.is_object())
    throw InputError(origin + ": expected a JSON object" + (prefix.empty() ? "" : " at '" + prefix + "'"));
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (!target.contains(it.key()))
      throw InputError(origin + ": unknown config key '" + key + "' (known keys: " + known_keys_hint(target) + ")");
    nlohmann::json& slot = target[it.key()];
    if (slot.is_object() && !slot.empty() && it->is_object()) {
      merge_into(slot, *it, key, origin);
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
  std::ifstream in(path);
  if (!in) throw input_error(path, "cannot open config file");
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(in, nullptr, true, /*ignore_comments=*/true);
  } catch (const nlohmann::json::parse_error& e) {
    throw input_error(path, std::string("invalid JSON: ") + e.what());
  }
  merge(parsed, path);
}

void Config::merge(const nlohmann::json& patch, const std::string& origin) { merge_into(values_, patch, "", origin); }

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
                     "' (known keys: " + known_keys_hint(values_) + ")");
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

}  // namespace labkit
