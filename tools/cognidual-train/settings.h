// cognidual-train settings from the resolved config (default_config() is the one place the defaults are
// written, and the schema --set is checked against); every key read once and checked, errors name it.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dataset.h"
#include "labkit/core/config.h"
#include "lm.h"

namespace labkit::cognidual_train {

struct SelfTrainSettings {
  std::vector<int64_t> sizes;  // unlabelled questions sampled per setting, ascending
  std::string filter;          // labels (keep CoT answers that are correct) | self_consistency (majority of k)
  int64_t samples;             // CoT samples per question
  double temperature, top_p;
  double min_agreement;        // self_consistency: the majority answer's share of the samples
  double replay;               // base training sequences mixed in, per direct pair (keeps CoT alive)
  TrainPlan plan;
  LoraPlan lora;               // rank 0: full fine-tuning
};

struct Settings {
  std::vector<std::string> families;
  std::map<std::string, int> difficulty;
  TaskSetSizes questions;          // per family
  nlohmann::json model;            // {dim, hidden, layers, heads, kv_heads, seq_len}
  TrainPlan base;                  // training the CoT model from scratch
  double direct_fraction;          // share of training questions also shown with a direct answer
  SelfTrainSettings self_train;
  int64_t max_cot_tokens, max_direct_tokens;
  std::string tokenizer_kind;  // bytes | spm
  int64_t tokenizer_vocab;     // spm: pieces in all

  static Settings from_config(const labkit::Config& c);
};

nlohmann::json default_config();

}  // namespace labkit::cognidual_train
