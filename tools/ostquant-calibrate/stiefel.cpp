#include "stiefel.h"

#include <torch/torch.h>

#include <cmath>

namespace labkit::ostquant_calibrate {

torch::Tensor stiefel_tangent(const torch::Tensor& X, const torch::Tensor& G) {
  return G - torch::matmul(X, torch::matmul(G.transpose(-2, -1), X));
}

// Orthogonal projection onto the tangent space: u − X·sym(Xᵀu). (u − X·uᵀ·X is the canonical-metric
// gradient; applied to a tangent vector it doubles it, so it must not be used to transport momentum.)
static torch::Tensor project_tangent(const torch::Tensor& X, const torch::Tensor& u) {
  auto xtu = torch::matmul(X.transpose(-2, -1), u);
  return u - torch::matmul(X, 0.5 * (xtu + xtu.transpose(-2, -1)));
}

torch::Tensor cayley_retract(const torch::Tensor& X, const torch::Tensor& U) {
  auto A = torch::matmul(U, X.transpose(-2, -1)) - torch::matmul(X, U.transpose(-2, -1));
  auto I = torch::eye(X.size(-1), X.options()).expand_as(A);
  return torch::linalg_solve(I - 0.5 * A, torch::matmul(I + 0.5 * A, X));
}

// Nearest orthogonal matrix (polar factor) - the stabilising re-projection.
static torch::Tensor project_orthogonal(const torch::Tensor& X) {
  auto [U, S, Vh] = torch::linalg_svd(X, false);
  return torch::matmul(U, Vh);
}

RiemannianAdam::RiemannianAdam(std::vector<Group> groups, double beta1, double beta2, double eps, int stabilize)
    : groups_(std::move(groups)), b1_(beta1), b2_(beta2), eps_(eps), stabilize_(stabilize) {
  for (auto& g : groups_) {
    m_.emplace_back();
    v_.emplace_back();
    for (auto& p : g.params) {
      m_.back().push_back(torch::zeros_like(p).detach());
      v_.back().push_back(torch::zeros_like(p).detach());
    }
  }
}

void RiemannianAdam::zero_grad() {
  for (auto& g : groups_)
    for (auto& p : g.params)
      if (p.grad().defined()) p.mutable_grad() = torch::Tensor();
}

void RiemannianAdam::step(double lr_scale) {
  torch::NoGradGuard ng;
  ++t_;
  const double bc1 = 1 - std::pow(b1_, static_cast<double>(t_)), bc2 = 1 - std::pow(b2_, static_cast<double>(t_));
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    auto& g = groups_[gi];
    const double step_size = g.lr * lr_scale * std::sqrt(bc2) / bc1;
    for (size_t i = 0; i < g.params.size(); ++i) {
      auto& p = g.params[i];
      if (!p.grad().defined()) continue;
      auto grad = g.stiefel ? stiefel_tangent(p, p.grad()) : p.grad();
      auto& m = m_[gi][i];
      auto& v = v_[gi][i];
      m.mul_(b1_).add_(grad, 1 - b1_);
      v.mul_(b2_).add_(grad * grad, 1 - b2_);
      auto dir = m / (v.sqrt() + eps_);
      if (g.stiefel) {
        auto next = cayley_retract(p, -step_size * dir);
        if (stabilize_ > 0 && t_ % stabilize_ == 0) next = project_orthogonal(next);
        p.copy_(next);
        m.copy_(project_tangent(p, m));  // transport momentum by projection onto the new tangent space
      } else {
        p.add_(dir, -step_size);
      }
    }
  }
}

std::map<std::string, torch::Tensor> RiemannianAdam::state() const {
  std::map<std::string, torch::Tensor> s;
  for (size_t gi = 0; gi < groups_.size(); ++gi)
    for (size_t i = 0; i < groups_[gi].params.size(); ++i) {
      auto key = std::to_string(gi) + "." + std::to_string(i);
      s["adam.m." + key] = m_[gi][i];
      s["adam.v." + key] = v_[gi][i];
    }
  s["adam.t"] = torch::tensor({t_}, torch::kLong);
  return s;
}

void RiemannianAdam::load_state(const std::map<std::string, torch::Tensor>& s) {
  torch::NoGradGuard ng;
  for (size_t gi = 0; gi < groups_.size(); ++gi)
    for (size_t i = 0; i < groups_[gi].params.size(); ++i) {
      auto key = std::to_string(gi) + "." + std::to_string(i);
      m_[gi][i].copy_(s.at("adam.m." + key));
      v_[gi][i].copy_(s.at("adam.v." + key));
    }
  t_ = s.at("adam.t").item<int64_t>();
}

}  // namespace labkit::ostquant_calibrate
