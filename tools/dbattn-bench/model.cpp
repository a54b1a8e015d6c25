#include "model.h"

#include <torch/torch.h>

#include <chrono>
#include <random>

#include "evaluate.h"
#include "labkit/blockfp/kernel.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/core/progress.h"
#include "labkit/llama/eval.h"
#include "labkit/llama/io.h"
#include "labkit/torchutil/runtime.h"

namespace labkit::dbattn_bench {

using namespace labkit::blockfp;
namespace llama = labkit::llama;

void install_torch(Tool& tool) { torchutil::install(tool); }

namespace {

struct Loaded {
  llama::Model model;
  std::vector<llama::TokenStream> streams;
};

// n streams of `length` tokens from BOS, sampled from the model (temperature 1, nucleus top_p), seeded.
std::vector<llama::TokenStream> sample_streams(const llama::Model& model, int64_t n, int64_t length, uint64_t seed,
                                               double top_p) {
  torch::NoGradGuard ng;
  auto gen = at::detail::createCPUGenerator(seed);
  llama::KVCache cache;
  auto tokens = torch::full({n, 1}, 1, torch::kLong);
  std::vector<torch::Tensor> cols{tokens};
  for (int64_t t = 1; t < length; ++t) {
    auto probs = torch::softmax(llama::forward(model, tokens, &cache).select(1, -1).to(torch::kDouble), -1);
    auto [sorted, idx] = probs.sort(-1, true);
    auto kept = sorted * ((sorted.cumsum(-1) - sorted) < top_p).to(torch::kDouble);
    tokens = idx.gather(1, torch::multinomial(kept / kept.sum(-1, true), 1, false, gen));
    cols.push_back(tokens);
  }
  auto all = torch::cat(cols, 1).contiguous();
  std::vector<llama::TokenStream> out(n);
  for (int64_t i = 0; i < n; ++i) out[i].assign(all[i].data_ptr<int64_t>(), all[i].data_ptr<int64_t>() + length);
  return out;
}

Loaded load(const ModelInputs& in, const Settings& s, uint64_t seed) {
  Loaded l;
  l.model = llama::load_model(in.model_path).to(torch::kFloat, torch::kCPU);
  const int64_t window = std::min<int64_t>(s.model.window, l.model.config.seq_len);
  if (in.tokens_path.empty()) {
    l.streams = sample_streams(l.model, s.model.streams, window, seed + 1, s.model.sample_top_p);
  } else {
    l.streams = llama::read_token_streams(in.tokens_path, l.model.config.vocab);
    if (l.streams.empty()) throw input_error(in.tokens_path, "no token streams");
  }
  return l;
}

int64_t window_of(const Loaded& l, const Settings& s) { return std::min<int64_t>(s.model.window, l.model.config.seq_len); }

// The block-format softmax as a llama softmax hook.
torch::Tensor format_softmax(const torch::Tensor& scores, const SoftmaxSpec& spec, const ExpLut& lut, int threads) {
  auto x = scores.to(torch::kFloat).contiguous();
  auto out = torch::empty_like(x);
  const int64_t n = x.size(-1);
  softmax_rows(spec, lut, x.data_ptr<float>(), out.data_ptr<float>(), x.numel() / n, n, threads);
  return out.to(scores.scalar_type());
}

RowSet capture(const Loaded& l, const Settings& s, uint64_t seed) {
  const int64_t window = window_of(l, s);
  RowSet set{"captured", window, {}, {}};
  std::vector<int64_t> have(l.model.config.n_layers, 0);
  std::mt19937_64 rng(seed * 31 + 5);
  llama::ForwardHooks hooks;
  hooks.softmax = [&](const torch::Tensor& sc, int64_t layer) {
    auto x = sc.to(torch::kFloat).contiguous();
    const int64_t T = x.size(-2), n = x.size(-1), rows = x.numel() / n;
    const float* data = x.data_ptr<float>();
    std::uniform_int_distribution<int64_t> pick(0, rows - 1);
    for (int64_t tries = 0; have[layer] < s.model.capture_rows && tries < 4 * s.model.capture_rows; ++tries) {
      const int64_t r = pick(rng);
      if (n != window || (r % T) + 1 < std::max<int64_t>(2, T / 4)) continue;  // at least T/4 visible keys
      set.data.insert(set.data.end(), data + r * n, data + (r + 1) * n);
      set.layer.push_back(static_cast<int>(layer));
      have[layer]++;
    }
    return torch::softmax(sc, -1);
  };
  torch::NoGradGuard ng;
  for (const auto& st : l.streams) {
    if (static_cast<int64_t>(st.size()) < window) continue;
    auto tokens = torch::tensor(std::vector<int64_t>(st.begin(), st.begin() + window)).unsqueeze(0);
    llama::forward(l.model, tokens, nullptr, &hooks);
    if (*std::min_element(have.begin(), have.end()) >= s.model.capture_rows) break;
  }
  if (set.data.empty()) throw InputError("token streams: none holds a full window of " + std::to_string(window) + " tokens");
  return set;
}

}  // namespace

RowSet capture_rows(const ModelInputs& in, const Settings& s, uint64_t seed, int threads) {
  (void)threads;
  return capture(load(in, s, seed), s, seed);
}

nlohmann::json perplexity_table(const ModelInputs& in, const Settings& s, uint64_t seed, int threads) {
  const Loaded l = load(in, s, seed);
  const int64_t window = window_of(l, s);
  const RowSet rows = capture(l, s, seed);
  const auto ref = reference(rows);
  const ExpLut lut(s.lut);
  nlohmann::json j;
  j["window"] = window;
  j["streams"] = l.streams.size();
  j["captured_rows"] = rows.count();
  torch::NoGradGuard ng;
  const auto base = llama::perplexity(l.model, l.streams, window, window);
  j["tokens"] = base.tokens;
  j["torch_ppl"] = base.ppl();
  j["formats"] = nlohmann::json::array();
  Progress progress("ppl formats", static_cast<int64_t>(s.ppl_formats.size()), "formats");
  for (const auto& f : s.ppl_formats) {
    const SoftmaxSpec spec{f, s.lut};
    llama::ForwardHooks hooks;
    hooks.softmax = [&](const torch::Tensor& sc, int64_t) { return format_softmax(sc, spec, lut, threads); };
    const double ppl = llama::perplexity(l.model, l.streams, window, window, &hooks).ppl();
    if (!std::isfinite(ppl)) throw std::runtime_error("format " + f.name() + ": perplexity is not finite");
    const auto errs = evaluate(spec, lut, rows, ref, threads, true);
    nlohmann::json layers = nlohmann::json::array();
    for (size_t k = 1; k < errs.size(); ++k) layers.push_back(to_json(errs[k]));
    j["formats"].push_back({{"format", f.name()},
                            {"bits_per_element", f.bits_per_element()},
                            {"ppl", ppl},
                            {"delta_vs_torch", ppl - base.ppl()},
                            {"captured", to_json(errs[0])},
                            {"per_layer", layers}});
    progress.advance();
  }
  progress.finish();
  return j;
}

nlohmann::json speed_table(const Settings& s, uint64_t seed, int threads) {
  const ExpLut lut(s.lut);
  const SoftmaxSpec spec{s.speed.format, s.lut};
  nlohmann::json j;
  j["format"] = spec.format.name();
  j["isa"] = isa_name(vector_path(spec, lut) ? best_isa() : Isa::kScalar);
  j["threads"] = threads;
  j["rows"] = s.speed.heads * s.speed.queries;
  j["lengths"] = nlohmann::json::array();
  torch::manual_seed(seed);
  at::set_num_threads(threads);
  using clock = std::chrono::steady_clock;
  auto secs = [](clock::time_point a) { return std::chrono::duration<double>(clock::now() - a).count(); };
  Progress progress("speed", static_cast<int64_t>(s.speed.lengths.size()), "lengths");
  for (int64_t L : s.speed.lengths) {
    const int64_t rows = s.speed.heads * s.speed.queries;
    auto x = (torch::randn({rows, L}) * 3.0).contiguous();
    auto ours = torch::empty_like(x);
    auto aten = torch::empty_like(x);  // both write into preallocated outputs
    double t_ours = 1e300, t_aten = 1e300;
    for (int64_t rep = 0; rep <= s.speed.repeats; ++rep) {  // rep 0 warms up
      auto t0 = clock::now();
      at::_softmax_out(aten, x, -1, false);
      const double a = secs(t0);
      t0 = clock::now();
      softmax_rows(spec, lut, x.data_ptr<float>(), ours.data_ptr<float>(), rows, L, threads);
      const double o = secs(t0);
      if (rep > 0) {
        t_aten = std::min(t_aten, a);
        t_ours = std::min(t_ours, o);
      }
    }
    RowSet set{"speed", L, std::vector<float>(x.data_ptr<float>(), x.data_ptr<float>() + std::min<int64_t>(rows, 16) * L), {}};
    const auto err = evaluate(spec, lut, set, reference(set), threads)[0];
    j["lengths"].push_back({{"L", L},
                            {"kernel_rows_per_s", rows / t_ours},
                            {"aten_rows_per_s", rows / t_aten},
                            {"speedup", t_aten / t_ours},
                            {"kernel_mean_kl", err.mean_kl},
                            {"kernel_max_abs", err.max_abs},
                            {"max_abs_vs_aten", (ours - aten).abs().max().item<double>()}});
    progress.advance();
  }
  progress.finish();
  return j;
}

}  // namespace labkit::dbattn_bench
