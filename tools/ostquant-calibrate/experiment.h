// One ostquant-calibrate run as named steps: load and check the model, prepare the token streams, build
// and evaluate every (method, setting), write the outputs, and the results table for stdout. main.cpp
// calls these in order; nothing is written under a result's name before every method has succeeded.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "labkit/core/output_dir.h"
#include "labkit/core/tool.h"
#include "labkit/llama/model.h"
#include "pipeline.h"
#include "settings.h"

namespace labkit::ostquant_calibrate {

struct Inputs {
  std::string model;                     // llama2.c .bin, HF directory, model.safetensors or index .json
  std::string calib_tokens, eval_tokens;  // token-id files
  std::string calib_text, eval_text;      // text files (need tokenizer)
  std::string tokenizer;
};

// The model in float32 on `device`. InputError naming the file when a weight holds NaN or inf.
labkit::llama::Model load_checked_model(const std::string& path, torch::Device device);

// Settings that depend on the model: window <= seq_len, Hadamard sizes of every setting. InputError.
void check_settings_for_model(const Settings& s, const labkit::llama::Config& c, const OnlineOptions& online);

struct Streams {
  std::vector<TokenStream> calib, eval, qsur;  // qsur: the first qsur_streams evaluation windows
  std::string source;                          // "files" or "sampled from the model"
};
// From token files, text + tokenizer (its vocabulary must be the model's), or sampled from the model.
Streams prepare_streams(const Inputs& in, const Settings& s, const labkit::llama::Model& model, labkit::Timings& timings);

// What the outputs need from the methods: the report's results, the learned transforms, the saved model.
struct Outcome {
  nlohmann::json results = nlohmann::json::object();  // method -> setting -> metrics ("fp" -> metrics)
  double fp_ppl = 0;
  bool has_fp = false;
  std::map<std::string, TensorMap> transforms;  // file name -> learned R/S
  struct Saved {
    labkit::llama::Model model;  // transformed, unquantized
    TensorMap packed_int4;       // empty unless w_bits == 4
    std::map<std::string, std::string> packed_metadata;
  };
  std::optional<Saved> saved;
};

// Builds and evaluates every (method, setting) with progress; learned methods checkpoint into --out
// (checkpoint-<method>-<setting>.safetensors) and continue from there with --resume. A non-finite
// perplexity fails the run (std::runtime_error).
Outcome run_methods(const Settings& s, const labkit::llama::Model& original, const Streams& streams,
                    const OnlineOptions& online, labkit::Run& run);

// report.json metrics: model, data, online down rotation, QSUR of the original, results, fp_ppl, saved_model.
void record_metrics(nlohmann::json& metrics, const Inputs& in, const Settings& s, const labkit::llama::Model& original,
                    const Streams& streams, const OnlineOptions& online, const Outcome& outcome,
                    const labkit::OutputDir& out);

// report.json "curves" (labkit/core/curves.h): the KL-Top loss per step of every learned method and
// setting in `results` (metrics "results"), resumed steps included. Empty when nothing was trained.
nlohmann::json training_curves(const nlohmann::json& results);

// calib_tokens.txt, eval_tokens.txt, transforms-*.safetensors, model/ (+ quantized_int4.safetensors).
void write_outputs(const labkit::OutputDir& out, const Streams& streams, const Outcome& outcome);

// The perplexity table printed on stdout: one row per method, one column per setting.
std::string perplexity_table(const Settings& s, const Outcome& outcome);

}  // namespace labkit::ostquant_calibrate
