#include "labkit/llama/hadamard.h"

#include <torch/torch.h>

#include <vector>

#include "labkit/core/error.h"

namespace labkit::llama {
namespace {

bool is_prime(int64_t p) {
  if (p < 2) return false;
  for (int64_t d = 2; d * d <= p; ++d)
    if (p % d == 0) return false;
  return true;
}

// Quadratic character mod prime p.
std::vector<int> chi_table(int64_t p) {
  std::vector<int> chi(p, -1);
  chi[0] = 0;
  for (int64_t x = 1; x < p; ++x) chi[(x * x) % p] = 1;
  return chi;
}

// Jacobsthal matrix Q_ij = chi(j - i).
torch::Tensor jacobsthal(int64_t p) {
  auto chi = chi_table(p);
  auto Q = torch::zeros({p, p}, torch::kDouble);
  auto a = Q.accessor<double, 2>();
  for (int64_t i = 0; i < p; ++i)
    for (int64_t j = 0; j < p; ++j) a[i][j] = chi[((j - i) % p + p) % p];
  return Q;
}

torch::Tensor paley1(int64_t p) {  // order p+1, p ≡ 3 mod 4: H = I + S, S skew
  const int64_t n = p + 1;
  auto S = torch::zeros({n, n}, torch::kDouble);
  S.index_put_({0, torch::indexing::Slice(1)}, 1.0);
  S.index_put_({torch::indexing::Slice(1), 0}, -1.0);
  S.index_put_({torch::indexing::Slice(1), torch::indexing::Slice(1)}, jacobsthal(p));
  return S + torch::eye(n, torch::kDouble);
}

torch::Tensor paley2(int64_t p) {  // order 2(p+1), p ≡ 1 mod 4: from the symmetric conference matrix
  const int64_t m = p + 1;
  auto C = torch::zeros({m, m}, torch::kDouble);
  C.index_put_({0, torch::indexing::Slice(1)}, 1.0);
  C.index_put_({torch::indexing::Slice(1), 0}, 1.0);
  C.index_put_({torch::indexing::Slice(1), torch::indexing::Slice(1)}, jacobsthal(p));
  auto A = torch::tensor({1.0, 1.0, 1.0, -1.0}, torch::kDouble).view({2, 2});
  auto Bm = torch::tensor({1.0, -1.0, -1.0, -1.0}, torch::kDouble).view({2, 2});
  return torch::kron(C, A) + torch::kron(torch::eye(m, torch::kDouble), Bm);
}

// The odd-ish base block m (not a power of two) of n = m·2^k, or 1.
struct Plan {
  int64_t base = 1;   // 1 (pure Sylvester) or the Paley order
  int kind = 0;       // 0 Sylvester only, 1 Paley I, 2 Paley II
  int64_t p = 0;
  int64_t pow2 = 1;
};

bool plan_for(int64_t n, Plan& plan) {
  if (n <= 0) return false;
  for (int64_t pow2 = 1; n % pow2 == 0; pow2 *= 2) {
    const int64_t m = n / pow2;
    if (m == 1) {
      plan = {1, 0, 0, pow2};
      return true;
    }
    if (m % 4 == 0 && is_prime(m - 1) && (m - 1) % 4 == 3) {
      plan = {m, 1, m - 1, pow2};
      return true;
    }
    if (m % 4 == 0 && is_prime(m / 2 - 1) && (m / 2 - 1) % 4 == 1) {
      plan = {m, 2, m / 2 - 1, pow2};
      return true;
    }
  }
  return false;
}

}  // namespace

std::string hadamard_unsupported_reason(int64_t n) {
  Plan plan;
  if (plan_for(n, plan)) return "";
  return "no Hadamard matrix of size " + std::to_string(n) +
         ": supported sizes are 2^k and m·2^k with m = p+1 (prime p ≡ 3 mod 4) or m = 2(p+1) (prime p ≡ 1 "
         "mod 4), e.g. 12, 20, 28, 36, 40, 60, 108, 140 times a power of two";
}

bool hadamard_supported(int64_t n) { return hadamard_unsupported_reason(n).empty(); }

torch::Tensor hadamard(int64_t n) {
  Plan plan;
  if (!plan_for(n, plan)) throw InputError(hadamard_unsupported_reason(n));
  torch::Tensor H = plan.kind == 0 ? torch::ones({1, 1}, torch::kDouble)
                                   : (plan.kind == 1 ? paley1(plan.p) : paley2(plan.p));
  auto H2 = torch::tensor({1.0, 1.0, 1.0, -1.0}, torch::kDouble).view({2, 2});
  for (int64_t s = 1; s < plan.pow2; s *= 2) H = torch::kron(H2, H);
  return H;
}

torch::Tensor random_hadamard(int64_t n, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  auto d = torch::randint(0, 2, {n}, gen, torch::TensorOptions().dtype(torch::kDouble)) * 2 - 1;
  return d.unsqueeze(1) * hadamard(n) / std::sqrt(static_cast<double>(n));
}

torch::Tensor random_orthogonal(int64_t n, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  auto g = torch::randn({n, n}, gen, torch::TensorOptions().dtype(torch::kDouble));
  auto [q, r] = torch::linalg_qr(g);
  return q * torch::sign(torch::diagonal(r)).unsqueeze(0);
}

}  // namespace labkit::llama
