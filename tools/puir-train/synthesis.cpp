#include "synthesis.h"

#include <cmath>

#include "image_metrics.h"
#include "labkit/core/progress.h"
#include "labkit/nets3d/sliding_window.h"

namespace labkit::puir_train {

using torch::indexing::Slice;

torch::Tensor case_tensor(const CaseVolume& c, int64_t modalities) {
  return torch::from_blob(const_cast<float*>(c.data.data()), {modalities, c.dims[0], c.dims[1], c.dims[2]},
                          torch::kFloat32);
}

torch::Tensor synthesize(PuirNetwork& net, const CaseVolume& c, int64_t source, const Settings& s, torch::Device device) {
  torch::NoGradGuard no_grad;
  const int64_t m = static_cast<int64_t>(s.modalities.size());
  const auto input = case_tensor(c, m)[source].unsqueeze(0).expand({m, -1, -1, -1}).contiguous();
  nets3d::SlidingWindowSettings w;
  const int64_t stride = std::max<int64_t>(1, static_cast<int64_t>(s.roi * (1 - s.eval.overlap)));  // MONAI's interval
  w.patch = {s.roi, s.roi, s.roi};
  w.stride = {stride, stride, stride};
  w.gaussian = s.eval.gaussian;
  nets3d::PatchPredictor predict = [&](const torch::Tensor& x) { return net->forward(x.to(device)).reconstruction.cpu(); };
  return nets3d::sliding_window(input, predict, w);
}

PairScores score_pair(const torch::Tensor& prediction, const torch::Tensor& truth, double threshold) {
  const auto p = prediction.to(torch::kFloat64);
  const double sd = p.std(/*unbiased=*/false).item<double>();
  auto normalised = sd > 0 ? (p - p.mean()) / sd : p - p.mean();
  const auto t = truth.to(torch::kFloat64);
  normalised = torch::where(t < threshold, t, normalised).to(torch::kFloat32).contiguous();
  const auto gt = truth.to(torch::kFloat32).contiguous();
  const std::vector<float> a(gt.data_ptr<float>(), gt.data_ptr<float>() + gt.numel());
  const std::vector<float> b(normalised.data_ptr<float>(), normalised.data_ptr<float>() + normalised.numel());
  const double range = joint_data_range(b, a);
  PairScores r;
  r.mse = mean_squared_error(a, b);
  r.psnr = psnr(a, b, range);
  r.ssim = ssim(a, b, {gt.size(0), gt.size(1), gt.size(2)}, range);
  return r;
}

torch::Tensor case_x_h(PuirNetwork& net, const CaseVolume& c, int64_t source, int64_t roi, torch::Device device) {
  torch::NoGradGuard no_grad;
  const int64_t m = net->spec().modalities;
  std::vector<torch::indexing::TensorIndex> centre;
  for (int a = 0; a < 3; ++a) {
    const int64_t lo = (c.dims[a] - roi) / 2;
    centre.push_back(Slice(lo, lo + roi));
  }
  const auto x = case_tensor(c, m)[source].index(centre).unsqueeze(0).expand({m, -1, -1, -1}).unsqueeze(0);
  return net->x_h(x.contiguous().to(device)).flatten().cpu();
}

double retrieval_top1(const std::vector<std::vector<torch::Tensor>>& e) {
  const size_t n = e.size(), m = e.front().size();
  int64_t right = 0, asked = 0;
  for (size_t a = 0; a < m; ++a)
    for (size_t b = 0; b < m; ++b) {
      if (a == b) continue;
      for (size_t p = 0; p < n; ++p) {
        size_t best = 0;
        double best_sim = -2;
        for (size_t q = 0; q < n; ++q) {
          const double sim = torch::cosine_similarity(e[p][a].to(torch::kFloat64), e[q][b].to(torch::kFloat64), 0)
                                 .item<double>();
          if (sim > best_sim) best_sim = sim, best = q;
        }
        right += best == p;
        ++asked;
      }
    }
  return static_cast<double>(right) / static_cast<double>(asked);
}

namespace {

nlohmann::json matrix(const std::vector<std::vector<double>>& v) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& row : v) j.push_back(row);
  return j;
}

}  // namespace

// One piece: the loop over cases x sources x targets fills three C x C tables and their spread.
nlohmann::json evaluate(PuirNetwork& net, const std::vector<CaseVolume>& cases, const Settings& s, torch::Device device) {
  const bool was_training = net->is_training();
  net->eval();
  const size_t m = s.modalities.size(), n = cases.size();
  const char* names[3] = {"mse", "psnr", "ssim"};
  std::vector<std::vector<std::vector<double>>> sum(3, std::vector<std::vector<double>>(m, std::vector<double>(m))),
      sq = sum;
  std::vector<std::vector<torch::Tensor>> embeddings(n);
  labkit::Progress progress("evaluation", static_cast<int64_t>(n * m), "synthesis");
  for (size_t ci = 0; ci < n; ++ci) {
    const auto truth = case_tensor(cases[ci], static_cast<int64_t>(m));
    for (size_t a = 0; a < m; ++a) {
      const auto pred = synthesize(net, cases[ci], static_cast<int64_t>(a), s, device);
      for (size_t b = 0; b < m; ++b) {
        const auto r = score_pair(pred[b], truth[b], s.foreground_threshold);
        const double v[3] = {r.mse, r.psnr, r.ssim};
        for (int k = 0; k < 3; ++k) sum[k][a][b] += v[k], sq[k][a][b] += v[k] * v[k];
      }
      embeddings[ci].push_back(case_x_h(net, cases[ci], static_cast<int64_t>(a), s.roi, device));
      progress.advance();
    }
  }
  progress.finish();
  nlohmann::json out{{"modalities", s.modalities}, {"cases", n}};
  for (int k = 0; k < 3; ++k) {
    auto mean = sum[k], sd = sum[k];
    double off = 0;
    for (size_t a = 0; a < m; ++a)
      for (size_t b = 0; b < m; ++b) {
        mean[a][b] = sum[k][a][b] / n;
        sd[a][b] = std::sqrt(std::max(0.0, sq[k][a][b] / n - mean[a][b] * mean[a][b]));
        if (a != b) off += mean[a][b];
      }
    out["pairs"][names[k]] = {{"mean", matrix(mean)}, {"std", matrix(sd)}};
    out["off_diagonal"][names[k]] = m > 1 ? off / static_cast<double>(m * (m - 1)) : 0.0;
  }
  out["retrieval"] = {{"top1", n > 1 ? retrieval_top1(embeddings) : 1.0}, {"chance", 1.0 / static_cast<double>(n)},
                      {"patients", n}};
  net->train(was_training);
  return out;
}

}  // namespace labkit::puir_train
