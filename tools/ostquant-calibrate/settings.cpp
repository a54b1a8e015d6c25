#include "settings.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "labkit/core/error.h"

namespace labkit::ostquant_calibrate {

nlohmann::json default_config() {
  return {{"settings", {"W4A16", "W4A4KV4"}},
          {"methods", {"fp", "rtn", "quarot", "rotonly", "ost"}},
          {"window", 128},
          {"calib_streams", 32},
          {"eval_streams", 32},
          {"calib_seed", 1},
          {"eval_seed", 2},
          {"sample_top_p", 1.0},
          {"steps", 100},
          {"batch", 4},
          {"rotate_lr", 0.01689753172873217},   // the reference's "rotate" group
          {"smooth_lr", 0.0017898822675917248},  // the reference's "smooth" group
          {"kl_top", 1000},
          {"train_wquant_w_only", true},
          {"layerwise_backward", true},  // recompute layer by layer in the backward: one layer's activations at a time
          {"clip_search", true},
          {"weight_quantizer", "rtn"},  // for quarot/rotonly/ost: rtn, gptq or rtn+gptq (method "gptq" = no transform + GPTQ)
          {"down_rotation", "auto"},
          {"rotation_init", "auto"},  // learned methods: hadamard | klt | auto (klt when activations are quantized)
          {"a_clip", 1.0},
          {"kv_clip", 1.0},
          {"checkpoint_every", 25},
          {"qsur_streams", 8},
          {"save_method", "ost"},
          {"save_setting", "W4A4KV4"}};
}

namespace {

labkit::InputError bad(const std::string& key, const std::string& why) {
  return labkit::InputError("config " + key + ": " + why);
}

// An integer in [lo, hi] (also stops wrap-around: -1 is never read as 2^64 - 1).
int64_t int_in(const labkit::Config& c, const std::string& key, int64_t lo, int64_t hi) {
  const auto& v = c.at(key);
  const std::string range = "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (!v.is_number_integer()) throw bad(key, range + ", got " + v.dump());
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(hi)) throw bad(key, range + ", got " + v.dump());
  const int64_t x = v.get<int64_t>();
  if (x < lo || x > hi) throw bad(key, range + ", got " + v.dump());
  return x;
}

// A finite number in (lo, hi] when lo_open, else [lo, hi].
double real_in(const labkit::Config& c, const std::string& key, double lo, double hi, bool lo_open) {
  const double x = c.get<double>(key);
  const bool ok = std::isfinite(x) && (lo_open ? x > lo : x >= lo) && x <= hi;
  if (!ok)
    throw bad(key, "must be a finite number in " + std::string(lo_open ? "(" : "[") + fmt::format("{:g}", lo) + ", " +
                       fmt::format("{:g}", hi) + "], got " + c.at(key).dump());
  return x;
}

std::string one_of(const labkit::Config& c, const std::string& key, const std::vector<std::string>& allowed) {
  const auto s = c.get<std::string>(key);
  std::string list;
  for (const auto& a : allowed) {
    if (s == a) return s;
    list += (list.empty() ? "" : ", ") + a;
  }
  throw bad(key, "\"" + s + "\" is not one of " + list);
}

std::vector<std::string> string_list(const labkit::Config& c, const std::string& key) {
  const auto& v = c.at(key);
  if (!v.is_array() || v.empty()) throw bad(key, "must be a non-empty list of strings");
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) throw bad(key, "must be a non-empty list of strings, got " + v.dump());
    out.push_back(e.get<std::string>());
  }
  return out;
}

}  // namespace

Settings Settings::from_config(const labkit::Config& c) {
  Settings s;
  const double a_clip = real_in(c, "a_clip", 0.0, 1.0, true);
  const double kv_clip = real_in(c, "kv_clip", 0.0, 1.0, true);
  for (const auto& name : string_list(c, "settings")) {
    try {
      s.settings.push_back(parse_setting(name));
    } catch (const labkit::InputError& e) {
      throw bad("settings", e.what());
    }
    s.settings.back().a_clip = a_clip;
    s.settings.back().kv_clip = kv_clip;
  }
  for (const auto& name : string_list(c, "methods")) {
    try {
      s.methods.push_back(parse_method(name));
    } catch (const labkit::InputError& e) {
      throw bad("methods", e.what());
    }
  }
  constexpr int64_t kMaxStreams = 1 << 20, kMaxWindow = 1 << 20;
  s.window = int_in(c, "window", 2, kMaxWindow);
  s.calib_streams = int_in(c, "calib_streams", 1, kMaxStreams);
  s.eval_streams = int_in(c, "eval_streams", 1, kMaxStreams);
  s.qsur_streams = int_in(c, "qsur_streams", 1, kMaxStreams);
  s.calib_seed = static_cast<uint64_t>(int_in(c, "calib_seed", 0, std::numeric_limits<int64_t>::max()));
  s.eval_seed = static_cast<uint64_t>(int_in(c, "eval_seed", 0, std::numeric_limits<int64_t>::max()));
  s.sample_top_p = real_in(c, "sample_top_p", 0.0, 1.0, true);
  s.train_wquant_w_only = c.get<bool>("train_wquant_w_only");
  s.clip_search = c.get<bool>("clip_search");
  s.weight_quantizer = one_of(c, "weight_quantizer", {"rtn", "gptq", "rtn+gptq"});
  s.down_rotation = one_of(c, "down_rotation", {"auto", "hadamard", "orthogonal", "none"});
  s.save_method = one_of(c, "save_method", {"fp", "rtn", "gptq", "quarot", "rotonly", "ost"});
  s.save_setting = c.get<std::string>("save_setting");
  try {
    parse_setting(s.save_setting);
  } catch (const labkit::InputError& e) {
    throw bad("save_setting", e.what());
  }
  auto& t = s.train;
  t.steps = int_in(c, "steps", 0, 1000000);
  t.batch = int_in(c, "batch", 1, kMaxStreams);
  t.rotate_lr = real_in(c, "rotate_lr", 0.0, 1.0, true);
  t.smooth_lr = real_in(c, "smooth_lr", 0.0, 1.0, true);
  t.kl_top = int_in(c, "kl_top", 1, std::numeric_limits<int32_t>::max());
  t.checkpoint_every = int_in(c, "checkpoint_every", 1, 1000000);
  t.layerwise_backward = c.get<bool>("layerwise_backward");
  t.init = one_of(c, "rotation_init", {"auto", "hadamard", "klt"});
  return s;
}

Settings Settings::defaults() { return from_config(labkit::Config(default_config())); }

}  // namespace labkit::ostquant_calibrate
