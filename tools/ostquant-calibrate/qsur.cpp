#include "qsur.h"

#include <torch/torch.h>

#include <cmath>
#include <map>

namespace labkit::ostquant_calibrate {

Qsur qsur(const torch::Tensor& x) {
  auto X = x.detach().to(torch::kDouble).reshape({-1, x.size(-1)});
  const int64_t d = X.size(1);
  auto cov = X.t().mm(X) / static_cast<double>(X.size(0));  // second moment: μ neglected, as in the paper
  auto [evals, evecs] = torch::linalg_eigh(cov);
  const double lmax = evals[-1].item<double>();
  auto lam = torch::clamp_min(evals, std::max(lmax, 1e-300) * 1e-12);
  const double qinf = evecs.select(1, d - 1).abs().max().item<double>();
  const double dd = static_cast<double>(d);
  const double log_vol = 0.5 * dd * std::log(M_PI) + 0.5 * lam.log().sum().item<double>() - std::lgamma(dd / 2 + 1);
  Qsur q;
  q.dim = d;
  q.log_qsur = log_vol - dd * std::log(2.0) - 0.5 * dd * std::log(lmax) - dd * std::log(qinf);
  const double log_max = 0.5 * dd * std::log(M_PI) + 0.5 * dd * std::log(dd) - std::lgamma(dd / 2 + 1) - dd * std::log(2.0);
  q.relative = std::exp((q.log_qsur - log_max) / dd);
  return q;
}

nlohmann::json qsur_report(const labkit::llama::Model& model, const std::vector<labkit::llama::TokenStream>& streams) {
  using labkit::llama::Site;
  std::map<std::pair<int64_t, std::string>, std::vector<torch::Tensor>> acts;
  labkit::llama::ForwardHooks hooks;
  hooks.act = [&](const torch::Tensor& x, Site s, int64_t layer) {
    if (s == Site::kAttnIn || s == Site::kOIn || s == Site::kMlpIn || s == Site::kDownIn)
      acts[{layer, labkit::llama::site_name(s)}].push_back(x.detach().reshape({-1, x.size(-1)}).cpu());
    return x;
  };
  torch::NoGradGuard ng;
  auto device = model.w("model.embed_tokens.weight").device();
  for (const auto& s : streams) labkit::llama::forward(model, torch::tensor(s, torch::kLong).unsqueeze(0).to(device), nullptr, &hooks);
  nlohmann::json layers = nlohmann::json::array();
  std::map<std::string, double> sum;
  for (int64_t l = 0; l < model.config.n_layers; ++l) {
    nlohmann::json j;
    for (const char* site : {"attn_in", "o_in", "mlp_in", "down_in"}) {
      auto q = qsur(torch::cat(acts[{l, site}], 0));
      j[site] = q.relative;
      sum[site] += q.relative;
    }
    layers.push_back(j);
  }
  nlohmann::json mean;
  for (auto& [k, v] : sum) mean[k] = v / static_cast<double>(model.config.n_layers);
  return {{"layers", layers}, {"mean", mean}};
}

}  // namespace labkit::ostquant_calibrate
