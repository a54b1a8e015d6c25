#include "gae.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace labkit::remalis_train {

std::vector<double> gae_advantages(const std::vector<double>& rewards, const std::vector<double>& values,
                                   const std::vector<uint8_t>& dones, double last_value, double gamma, double lambda) {
  const size_t n = rewards.size();
  if (values.size() != n || dones.size() != n) throw std::logic_error("gae_advantages: length mismatch");
  std::vector<double> adv(n);
  double running = 0;
  for (size_t i = n; i-- > 0;) {
    const double next_value = i + 1 < n ? values[i + 1] : last_value;
    const double keep = dones[i] ? 0.0 : 1.0;
    const double delta = rewards[i] + gamma * next_value * keep - values[i];
    running = delta + gamma * lambda * keep * running;
    adv[i] = running;
  }
  return adv;
}

void ValueNormaliser::update(const std::vector<double>& targets) {
  double m = 0, m2 = 0;
  for (double t : targets) {
    m += t;
    m2 += t * t;
  }
  update_from_sums(m, m2, static_cast<double>(targets.size()));
}

void ValueNormaliser::update_from_sums(double sum, double sum_sq, double count) {
  if (count <= 0) return;
  mean_ = beta_ * mean_ + (1 - beta_) * sum / count;
  mean_sq_ = beta_ * mean_sq_ + (1 - beta_) * sum_sq / count;
  debias_ = beta_ * debias_ + (1 - beta_);
}

double ValueNormaliser::mean() const { return mean_ / std::max(debias_, epsilon_); }

double ValueNormaliser::variance() const {
  const double m = mean();
  return std::max(mean_sq_ / std::max(debias_, epsilon_) - m * m, 1e-2);
}

double ValueNormaliser::normalise(double x) const { return (x - mean()) / std::sqrt(variance()); }
double ValueNormaliser::denormalise(double y) const { return y * std::sqrt(variance()) + mean(); }

void ValueNormaliser::set_state(const std::vector<double>& s) {
  if (s.size() != 3) throw std::logic_error("ValueNormaliser::set_state: three numbers");
  mean_ = s[0];
  mean_sq_ = s[1];
  debias_ = s[2];
}

}  // namespace labkit::remalis_train
