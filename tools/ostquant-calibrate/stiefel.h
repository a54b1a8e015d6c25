// Riemannian Adam on the Stiefel manifold (geoopt's RiemannianAdam with CanonicalStiefel: tangent
// gradient u − X·uᵀ·X, Cayley retraction, momentum transported by tangent projection, re-projection every
// `stabilize` steps), and plain Adam for Euclidean parameters, in one optimizer whose state is a TensorMap
// so calibration can checkpoint and resume.
#pragma once

#include <torch/types.h>

#include <map>
#include <string>
#include <vector>

namespace labkit::ostquant_calibrate {

torch::Tensor stiefel_tangent(const torch::Tensor& X, const torch::Tensor& G);
// Y = (I − A/2)⁻¹(I + A/2)·X with A = U·Xᵀ − X·Uᵀ (batched over leading dims). Orthogonal when X is.
torch::Tensor cayley_retract(const torch::Tensor& X, const torch::Tensor& U);

class RiemannianAdam {
 public:
  struct Group {
    std::vector<torch::Tensor> params;
    double lr;
    bool stiefel;
  };
  RiemannianAdam(std::vector<Group> groups, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
                 int stabilize = 10);
  // One step from the .grad() of every parameter; lr_scale multiplies each group's lr (schedules).
  void step(double lr_scale = 1.0);
  void zero_grad();
  int64_t steps() const { return t_; }
  std::map<std::string, torch::Tensor> state() const;
  void load_state(const std::map<std::string, torch::Tensor>& s);

 private:
  std::vector<Group> groups_;
  std::vector<std::vector<torch::Tensor>> m_, v_;
  double b1_, b2_, eps_;
  int stabilize_;
  int64_t t_ = 0;
};

}  // namespace labkit::ostquant_calibrate
