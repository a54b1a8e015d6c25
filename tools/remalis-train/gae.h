// Generalised advantage estimation and MAPPO's value normalisation, in float64 and torch-free (the
// trainer converts; tests compare against hand computations).
#pragma once

#include <cstdint>
#include <vector>

namespace labkit::remalis_train {

// One episode's (or a truncated segment's) rewards r_t, values V(s_t), and done flags d_t (1 when the
// episode ended after step t; then nothing is bootstrapped). `last_value` is V(s_T) after the segment.
// Returns the advantages A_t = sum_k (gamma*lambda)^k delta_{t+k}, delta_t = r_t + gamma*V_{t+1}*(1-d_t) - V_t.
std::vector<double> gae_advantages(const std::vector<double>& rewards, const std::vector<double>& values,
                                   const std::vector<uint8_t>& dones, double last_value, double gamma, double lambda);

// Running mean and variance of value targets (MAPPO's ValueNorm): exponential averages with weight
// `beta` per batch and a debiasing term, so the first batch is not shrunk towards zero. The critic learns
// normalised targets; advantages use denormalised values.
class ValueNormaliser {
 public:
  explicit ValueNormaliser(double beta, double epsilon = 1e-5) : beta_(beta), epsilon_(epsilon) {}
  void update(const std::vector<double>& targets);
  // The same from the batch's sums (sum of targets, sum of squares, count), which data-parallel ranks
  // add up over the whole team of processes first.
  void update_from_sums(double sum, double sum_sq, double count);
  double mean() const;
  double variance() const;
  double normalise(double x) const;
  double denormalise(double y) const;
  // The three running numbers, for checkpoints.
  std::vector<double> state() const { return {mean_, mean_sq_, debias_}; }
  void set_state(const std::vector<double>& s);

 private:
  double beta_, epsilon_;
  double mean_ = 0, mean_sq_ = 0, debias_ = 0;
};

}  // namespace labkit::remalis_train
