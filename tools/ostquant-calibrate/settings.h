// ostquant-calibrate's settings: the default config (the one place a default is written, also the schema
// for --config/--set) and the checked settings built from the resolved config.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "calibrate.h"
#include "labkit/core/config.h"
#include "pipeline.h"
#include "quant.h"

namespace labkit::ostquant_calibrate {

// The tool's default config.
nlohmann::json default_config();

struct Settings {
  std::vector<QuantSetting> settings;  // "settings", with a_clip / kv_clip applied; never empty
  std::vector<Method> methods;         // "methods"; never empty
  int64_t window;                      // tokens per calibration/evaluation window (<= the model's seq_len)
  int64_t calib_streams, eval_streams, qsur_streams;
  uint64_t calib_seed, eval_seed;
  double sample_top_p;
  bool train_wquant_w_only;
  bool clip_search;
  std::string weight_quantizer;        // rtn | gptq | rtn+gptq
  std::string down_rotation;           // auto | hadamard | orthogonal | none
  std::string save_method, save_setting;
  TrainOptions train;                  // steps, batch, learning rates, kl_top, init, checkpoint_every, ...

  // Every key read once and checked (range, finiteness, allowed strings); InputError "config <key>: ...".
  static Settings from_config(const labkit::Config& c);
  // The settings of default_config() (tests start from these).
  static Settings defaults();
};

}  // namespace labkit::ostquant_calibrate
