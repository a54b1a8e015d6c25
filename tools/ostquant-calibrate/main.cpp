// ostquant-calibrate: OSTQuant post-training quantization of a LLaMA-family checkpoint (see README.md).
//   ostquant-calibrate MODEL --out DIR [--set steps=100] [--calib-tokens F --eval-tokens F]
//                                      [--calib-text F --eval-text F --tokenizer T] [--resume]
// MODEL: llama2.c .bin, HF directory, model.safetensors or its index .json.
#include <torch/torch.h>

#include <filesystem>

#include "data.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/core/tool.h"
#include "labkit/llama/io.h"
#include "labkit/torch/runtime.h"
#include "labkit/torch/tensor_files.h"
#include "pipeline.h"
#include "qsur.h"

using namespace labkit;
using namespace ostq;
namespace fs = std::filesystem;

static nlohmann::json defaults() {
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
          {"rotate_lr", 0.01689753172873217},
          {"smooth_lr", 0.0017898822675917248},
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

int main(int argc, char** argv) {
  ToolSpec spec{"ostquant-calibrate",
                "OSTQuant post-training quantization of LLaMA models: learned orthogonal and scaling transforms, "
                "baselines, perplexity, QSUR",
                defaults()};
  spec.uses_device = true;
  spec.uses_resume = true;
  spec.requires_out = true;
  Tool tool(spec);
  torchrt::install(tool);
  std::string model_path, calib_tokens, eval_tokens, calib_text, eval_text, tokenizer_path;
  auto& app = tool.app();
  app.add_option("model", model_path, "llama2.c .bin, HF directory, model.safetensors or index .json")->required();
  app.add_option("--calib-tokens", calib_tokens, "Calibration token-id file (one stream per line)");
  app.add_option("--eval-tokens", eval_tokens, "Evaluation token-id file");
  app.add_option("--calib-text", calib_text, "Calibration text file (needs --tokenizer)");
  app.add_option("--eval-text", eval_text, "Evaluation text file (needs --tokenizer)");
  app.add_option("--tokenizer", tokenizer_path, "SentencePiece .model or llama2.c tokenizer.bin");

  return tool.main(argc, argv, [&](Run& run) {
    const auto& cfg = run.config();
    const auto device = torchrt::parse_device(run.device());
    const auto& out = run.out();
    Model original;
    {
      ScopedTimer t(run.timings(), "load");
      original = labkit::llama::load_model(model_path).to(torch::kFloat, device);
    }
    const auto& c = original.config;
    const int64_t window = cfg.get<int64_t>("window");
    if (window < 2 || window > c.seq_len)
      throw InputError("window " + std::to_string(window) + " must be in [2, seq_len " + std::to_string(c.seq_len) + "]");
    std::vector<QuantSetting> settings;
    for (const auto& s : cfg.at("settings")) {
      settings.push_back(parse_setting(s.get<std::string>()));
      settings.back().a_clip = cfg.get<double>("a_clip");
      settings.back().kv_clip = cfg.get<double>("kv_clip");
    }
    std::vector<Method> methods;
    for (const auto& m : cfg.at("methods")) methods.push_back(parse_method(m.get<std::string>()));
    const auto wq = cfg.get<std::string>("weight_quantizer");
    if (wq != "rtn" && wq != "gptq" && wq != "rtn+gptq")
      throw InputError("weight_quantizer \"" + wq + "\": expected rtn, gptq or rtn+gptq");
    OnlineOptions online{cfg.get<std::string>("down_rotation"), run.seed()};
    const auto init = cfg.get<std::string>("rotation_init");
    if (init != "auto" && init != "hadamard" && init != "klt")
      throw InputError("rotation_init \"" + init + "\": expected auto, hadamard or klt");
    // Validate Hadamard sizes before any long work.
    for (const auto& s : settings) rotation_init(c, s, online);

    // Data: token files, text + tokenizer, or streams sampled from the model itself (seeded, disjoint seeds).
    std::unique_ptr<labkit::llama::Tokenizer> tok;
    if (!calib_text.empty() || !eval_text.empty()) {
      if (tokenizer_path.empty()) throw InputError("--calib-text/--eval-text need --tokenizer");
      tok = labkit::llama::open_tokenizer(tokenizer_path, c.vocab);
    }
    auto get_streams = [&](const std::string& tokens, const std::string& text, const char* n_key, const char* seed_key,
                           const char* what) {
      const int64_t n = cfg.get<int64_t>(n_key);
      if (!tokens.empty())
        return cut_windows(labkit::llama::read_token_streams(tokens, c.vocab), window, 1, tokens);
      if (!text.empty()) return text_windows(text, *tok, window, n, 1);
      ScopedTimer t(run.timings(), std::string("sample_") + what);
      return sample_streams(original, n, window, cfg.get<uint64_t>(seed_key), cfg.get<double>("sample_top_p"));
    };
    auto calib = get_streams(calib_tokens, calib_text, "calib_streams", "calib_seed", "calib");
    auto eval = get_streams(eval_tokens, eval_text, "eval_streams", "eval_seed", "eval");
    labkit::llama::write_token_streams(out.file("calib_tokens.txt"), calib);
    labkit::llama::write_token_streams(out.file("eval_tokens.txt"), eval);
    const std::vector<TokenStream> qsur_set(eval.begin(), eval.begin() + std::min<int64_t>(eval.size(), cfg.get<int64_t>("qsur_streams")));

    auto fused64 = fuse_norms(original);
    TrainOptions train;
    train.steps = cfg.get<int64_t>("steps");
    train.batch = cfg.get<int64_t>("batch");
    train.rotate_lr = cfg.get<double>("rotate_lr");
    train.smooth_lr = cfg.get<double>("smooth_lr");
    train.kl_top = cfg.get<int64_t>("kl_top");
    train.seed = run.seed();
    train.checkpoint_every = cfg.get<int64_t>("checkpoint_every");
    train.layerwise_backward = cfg.get<bool>("layerwise_backward");
    train.resume = run.resume();
    train.init = init;

    auto& M = run.metrics();
    M["model"] = {{"path", model_path}, {"config", labkit::llama::config_to_hf_json(c)}};
    M["data"] = {{"window", window}, {"calib_windows", calib.size()}, {"eval_windows", eval.size()},
                 {"source", calib_tokens.empty() && calib_text.empty() ? "sampled from the model" : "files"}};
    std::string down_kind;
    rotation_init(c, settings.front(), online, &down_kind);
    M["online_down_rotation"] = down_kind;
    M["qsur"]["original"] = qsur_report(original, qsur_set);
    nlohmann::json table = nlohmann::json::object();
    const auto save_method = cfg.get<std::string>("save_method");
    const auto save_setting = cfg.get<std::string>("save_setting");
    bool saved = false;
    for (const auto& s : settings) {
      for (auto method : methods) {
        const std::string key = std::string(method_name(method)) + "/" + s.name();
        if (method == Method::kFp && s.name() != settings.front().name()) continue;  // setting-independent
        log::info("{}: building", key);
        TrainOptions tr = train;
        tr.train_wquant = cfg.get<bool>("train_wquant_w_only") && !s.any_act() && s.w_bits < 16;
        tr.checkpoint = out.file("checkpoint-" + std::string(method_name(method)) + "-" + s.name() + ".safetensors");
        MethodOutcome r;
        {
          ScopedTimer t(run.timings(), "build_" + std::string(method_name(method)));
          r = build_method(method, s, original, fused64, calib, tr, online);
        }
        const bool transformed = method != Method::kRtn && method != Method::kFp && method != Method::kGptq;
        const bool use_gptq = method == Method::kGptq || (transformed && wq == "gptq");
        const QuantSetting none = parse_setting("W16A16");
        const QuantSetting& eval_setting = method == Method::kFp ? none : s;
        // Weight quantization, then the perplexity pass (its throughput counts activation fake-quant, not the
        // weight quantization, which is timed on its own).
        auto quantize_and_evaluate = [&](bool gptq, QuantizedModel& quantized) {
          double quant_s = 0, eval_s = 0;
          {
            ScopedTimer t(run.timings(), "quantize_weights");
            quantized = quantize_model(r.model, eval_setting.w_bits, cfg.get<bool>("clip_search"), gptq ? &calib : nullptr);
            quant_s = t.elapsed();
          }
          labkit::llama::PerplexityResult ppl;
          {
            ScopedTimer t(run.timings(), "evaluate");
            ppl = evaluate(quantized.model, eval_setting, eval, window);
            eval_s = t.elapsed();
          }
          nlohmann::json e = {{"ppl", ppl.ppl()}, {"tokens", ppl.tokens}, {"eval_seconds", eval_s},
                              {"eval_tokens_per_s", static_cast<double>(ppl.tokens) / std::max(eval_s, 1e-9)},
                              {"weight_quant_seconds", quant_s}};
          if (method != Method::kFp) e["weight_quantizer"] = gptq ? "gptq" : "rtn";
          return e;
        };
        QuantizedModel quantized;
        nlohmann::json e = quantize_and_evaluate(use_gptq, quantized);
        if (transformed && wq == "rtn+gptq" && s.w_bits < 16) {  // the same transforms under GPTQ too
          QuantizedModel with_gptq;
          e["gptq"] = quantize_and_evaluate(true, with_gptq);
          log::info("{} + GPTQ: ppl {:.4f}", key, e["gptq"]["ppl"].get<double>());
        }
        const double ppl_value = e["ppl"].get<double>();
        if (method == Method::kFp) {
          M["fp_ppl"] = ppl_value;
          table["fp"] = e;
          log::info("fp: ppl {:.4f}", ppl_value);
          continue;
        }
        if (method != Method::kRtn && method != Method::kGptq) e["qsur"] = qsur_report(r.model, qsur_set)["mean"];
        if (r.trained) {
          e["train"] = {{"loss", r.train.loss},
                        {"orthogonality_max", *std::max_element(r.train.ortho.begin(), r.train.ortho.end())},
                        {"seconds", r.train.seconds},
                        {"seconds_per_step", r.train.seconds / std::max<double>(1, r.train.loss.size() - r.train.resumed_from)},
                        {"resumed_from", r.train.resumed_from},
                        {"init", r.init}};
          torchio::save_safetensors(out.file("transforms-" + std::string(method_name(method)) + "-" + s.name() + ".safetensors"),
                                    r.transforms.to_map());
        }
        table[method_name(method)][s.name()] = e;
        log::info("{}: ppl {:.4f}", key, ppl_value);
        if (method_name(method) == save_method && s.name() == save_setting) {
          labkit::llama::save_hf(r.model, out.file("model"));
          if (s.w_bits == 4) {  // the int4 codes evaluated above (RTN or GPTQ), with their per-channel scales
            TensorMap packed;
            for (const auto& [name, lin] : quantized.linears) {
              const auto base = name.substr(0, name.size() - std::string("weight").size());
              packed[base + "qweight"] = pack_int4(lin.codes);
              packed[base + "scales"] = lin.scales;
            }
            torchio::save_safetensors(out.file("model/quantized_int4.safetensors"), packed,
                                      {{"format", "labkit-int4-sym-per-channel"}, {"setting", s.name()},
                                       {"weight_quantizer", use_gptq ? "gptq" : "rtn"}});
          }
          M["saved_model"] = {{"method", save_method}, {"setting", save_setting}, {"dir", out.file("model")}};
          saved = true;
        }
      }
    }
    M["results"] = table;
    if (!saved) M["saved_model"] = nullptr;
  });
}
