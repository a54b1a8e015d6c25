#include "evaluate.h"

namespace labkit::semisam_train {

double binary_dice(const torch::Tensor& pred, const torch::Tensor& ref) {
  const auto p = pred.to(torch::kBool), r = ref.to(torch::kBool);
  const double inter = (p & r).sum().item<double>(), total = p.sum().item<double>() + r.sum().item<double>();
  return total > 0 ? 2 * inter / total : 1.0;
}

torch::Tensor predict_mask(nets3d::SegNetwork& net, const torch::Tensor& image, const TrainSettings& s,
                           torch::Device device) {
  torch::NoGradGuard no_grad;
  const bool was_training = net.is_training();
  net.eval();
  nets3d::PatchPredictor predict = [&](const torch::Tensor& x) { return torch::softmax(net.forward(x.to(device)), 1).cpu(); };
  auto probs = nets3d::sliding_window(image, predict, s.window);
  net.train(was_training);
  auto mask = probs.argmax(0).to(torch::kUInt8).contiguous();
  if (!s.largest_component) return mask;
  Grid3 g{{mask.size(0), mask.size(1), mask.size(2)}, {1, 1, 1}};
  Mask m(mask.data_ptr<uint8_t>(), mask.data_ptr<uint8_t>() + mask.numel());
  const auto kept = largest_component(m, g);
  return torch::from_blob(const_cast<uint8_t*>(kept.data()), mask.sizes(), torch::kUInt8).clone();
}

nlohmann::json evaluate_cases(nets3d::SegNetwork& net, const std::vector<Case>& cases, const TrainSettings& s,
                              torch::Device device) {
  nlohmann::json out{{"units", s.spacing_aware ? "mm" : "voxel"}, {"cases", nlohmann::json::array()}};
  double sum[4] = {0, 0, 0, 0};
  for (const auto& c : cases) {
    const auto pred = predict_mask(net, c.image, s, device);
    Grid3 g{{pred.size(0), pred.size(1), pred.size(2)}, s.spacing_aware ? c.spacing : std::array<double, 3>{1, 1, 1}};
    const auto lab = c.label.contiguous();
    Mask p(pred.data_ptr<uint8_t>(), pred.data_ptr<uint8_t>() + pred.numel());
    Mask r(lab.data_ptr<uint8_t>(), lab.data_ptr<uint8_t>() + lab.numel());
    const auto m = case_metrics(p, r, g);
    out["cases"].push_back({{"name", c.name}, {"dice", m.dice}, {"jaccard", m.jaccard}, {"hd95", m.hd95},
                            {"asd", m.asd}, {"empty_prediction", m.empty}});
    sum[0] += m.dice, sum[1] += m.jaccard, sum[2] += m.hd95, sum[3] += m.asd;
  }
  const double n = cases.empty() ? 1.0 : double(cases.size());
  out["dice"] = sum[0] / n, out["jaccard"] = sum[1] / n, out["hd95"] = sum[2] / n, out["asd"] = sum[3] / n;
  return out;
}

}  // namespace labkit::semisam_train
