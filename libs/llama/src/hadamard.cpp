#include "labkit/llama/hadamard.h"

#include <torch/torch.h>

#include <array>
#include <vector>

#include "labkit/core/error.h"

namespace labkit::llama {
namespace {

// q = p^k with p prime, k >= 1; false otherwise.
bool prime_power(int64_t q, int64_t& p, int& k) {
  if (q < 2) return false;
  p = q;
  for (int64_t d = 2; d * d <= q; ++d)
    if (q % d == 0) {
      p = d;
      break;
    }
  k = 0;
  for (int64_t r = q; r > 1; r /= p, ++k)
    if (r % p != 0) return false;
  return true;
}

// The finite field GF(p^k): elements are the integers 0..q-1 read as base-p digit vectors (polynomial
// coefficients, lowest first), multiplication modulo a monic irreducible polynomial of degree k.
class FiniteField {
 public:
  FiniteField(int64_t p, int k) : p_(p), k_(k) {
    q_ = 1;
    for (int i = 0; i < k; ++i) q_ *= p;
    if (k > 1) modulus_ = find_irreducible();
  }
  int64_t order() const { return q_; }
  int64_t sub(int64_t a, int64_t b) const {
    if (k_ == 1) return ((a - b) % p_ + p_) % p_;
    int64_t r = 0, w = 1;
    for (int i = 0; i < k_; ++i, a /= p_, b /= p_, w *= p_) r += (((a % p_) - (b % p_) + p_) % p_) * w;
    return r;
  }
  int64_t mul(int64_t a, int64_t b) const {
    if (k_ == 1) return a * b % p_;
    auto x = digits(a), y = digits(b);
    std::vector<int64_t> prod(2 * k_ - 1, 0);
    for (int i = 0; i < k_; ++i)
      for (int j = 0; j < k_; ++j) prod[i + j] = (prod[i + j] + x[i] * y[j]) % p_;
    reduce(prod, modulus_);
    int64_t r = 0;
    for (int i = k_ - 1; i >= 0; --i) r = r * p_ + prod[i];
    return r;
  }
  // Quadratic character: 0 at 0, +1 on nonzero squares, -1 otherwise.
  std::vector<int> quadratic_character() const {
    std::vector<int> chi(q_, -1);
    chi[0] = 0;
    for (int64_t x = 1; x < q_; ++x) chi[mul(x, x)] = 1;
    return chi;
  }

 private:
  std::vector<int64_t> digits(int64_t a) const {
    std::vector<int64_t> d(k_);
    for (int i = 0; i < k_; ++i, a /= p_) d[i] = a % p_;
    return d;
  }
  // poly <- poly mod f (f monic, coefficients lowest first); poly keeps its size, high part zeroed.
  void reduce(std::vector<int64_t>& poly, const std::vector<int64_t>& f) const {
    const int deg = static_cast<int>(f.size()) - 1;
    for (int i = static_cast<int>(poly.size()) - 1; i >= deg; --i) {
      const int64_t c = poly[i];
      if (c == 0) continue;
      for (int j = 0; j <= deg; ++j) poly[i - deg + j] = ((poly[i - deg + j] - c * f[j]) % p_ + p_) % p_;
    }
  }
  bool divides(const std::vector<int64_t>& g, std::vector<int64_t> f) const {
    reduce(f, g);
    for (size_t i = 0; i + 1 < g.size(); ++i)
      if (f[i] != 0) return false;
    return true;
  }
  // Monic polynomial of degree `deg` number `idx` (its lower coefficients are idx's base-p digits).
  std::vector<int64_t> monic(int deg, int64_t idx) const {
    std::vector<int64_t> f(deg + 1, 0);
    for (int i = 0; i < deg; ++i, idx /= p_) f[i] = idx % p_;
    f[deg] = 1;
    return f;
  }
  // First monic degree-k polynomial with no monic factor of degree 1..k/2 (trial division).
  std::vector<int64_t> find_irreducible() const {
    for (int64_t idx = 0; idx < q_; ++idx) {
      auto f = monic(k_, idx);
      bool irreducible = true;
      for (int d = 1; d <= k_ / 2 && irreducible; ++d) {
        int64_t count = 1;
        for (int i = 0; i < d; ++i) count *= p_;
        for (int64_t g = 0; g < count && irreducible; ++g)
          if (divides(monic(d, g), f)) irreducible = false;
      }
      if (irreducible) return f;
    }
    throw std::logic_error("no irreducible polynomial found");  // cannot happen: one exists for every k
  }
  int64_t p_, q_;
  int k_;
  std::vector<int64_t> modulus_;
};

// Jacobsthal matrix Q_ij = chi(x_j - x_i) over the elements of GF(q).
torch::Tensor jacobsthal(int64_t p, int k) {
  FiniteField F(p, k);
  const int64_t q = F.order();
  auto chi = F.quadratic_character();
  auto Q = torch::zeros({q, q}, torch::kDouble);
  auto a = Q.accessor<double, 2>();
  for (int64_t i = 0; i < q; ++i)
    for (int64_t j = 0; j < q; ++j) a[i][j] = chi[F.sub(j, i)];
  return Q;
}

torch::Tensor paley1(int64_t p, int k) {  // order q+1, q ≡ 3 mod 4: H = I + S, S skew
  auto Q = jacobsthal(p, k);
  const int64_t n = Q.size(0) + 1;
  auto S = torch::zeros({n, n}, torch::kDouble);
  S.index_put_({0, torch::indexing::Slice(1)}, 1.0);
  S.index_put_({torch::indexing::Slice(1), 0}, -1.0);
  S.index_put_({torch::indexing::Slice(1), torch::indexing::Slice(1)}, Q);
  return S + torch::eye(n, torch::kDouble);
}

torch::Tensor paley2(int64_t p, int k) {  // order 2(q+1), q ≡ 1 mod 4: from the symmetric conference matrix
  auto Q = jacobsthal(p, k);
  const int64_t m = Q.size(0) + 1;
  auto C = torch::zeros({m, m}, torch::kDouble);
  C.index_put_({0, torch::indexing::Slice(1)}, 1.0);
  C.index_put_({torch::indexing::Slice(1), 0}, 1.0);
  C.index_put_({torch::indexing::Slice(1), torch::indexing::Slice(1)}, Q);
  auto A = torch::tensor({1.0, 1.0, 1.0, -1.0}, torch::kDouble).view({2, 2});
  auto Bm = torch::tensor({1.0, -1.0, -1.0, -1.0}, torch::kDouble).view({2, 2});
  return torch::kron(C, A) + torch::kron(torch::eye(m, torch::kDouble), Bm);
}

// First rows of Williamson quadruples: symmetric circulant ±1 matrices A, B, C, D of order w with
// A² + B² + C² + D² = 4w·I. Published solutions (w = 39: Đoković; w = 43: M. Hall, Combinatorial Theory,
// 2nd ed., 1983), needed for the reference's K = 156 and 172 that no Paley construction reaches. The test
// checks H·Hᵀ = n·I, so a wrong sign here cannot pass unnoticed.
struct WilliamsonRows {
  int64_t order;
  std::array<const char*, 4> rows;
};
const WilliamsonRows kWilliamson[] = {
    {39,
     {"+++--+-+-----+--++----++--+-----+-+--++", "+++--++-+---+-+--+----+--+-+---+-++--++",
      "++++---+--++----+-+--+-+----++--+---+++", "+---++-+-+-----+++-++-+++-----+-+-++---"}},
    {43,
     {"++---++++-+--+--++--------++--+--+-++++---+", "+++-+-++--+-+-++++-+----+-++++-+-+--++-+-++",
      "++-++++++----+-+--++-++-++--+-+----++++++-+", "+---++--++++-+-+++-++--++-+++-+-++++--++---"}},
};

torch::Tensor circulant(const char* first_row, int64_t w) {
  auto C = torch::empty({w, w}, torch::kDouble);
  auto a = C.accessor<double, 2>();
  for (int64_t i = 0; i < w; ++i)
    for (int64_t j = 0; j < w; ++j) a[i][j] = first_row[((j - i) % w + w) % w] == '+' ? 1.0 : -1.0;
  return C;
}

// The Williamson array [[A, B, C, D], [-B, A, -D, C], [-C, D, A, -B], [-D, -C, B, A]], order 4w.
torch::Tensor williamson(const WilliamsonRows& q) {
  const int64_t w = q.order;
  auto A = circulant(q.rows[0], w), B = circulant(q.rows[1], w), C = circulant(q.rows[2], w),
       D = circulant(q.rows[3], w);
  auto row = [](std::vector<torch::Tensor> blocks) { return torch::cat(blocks, 1); };
  return torch::cat({row({A, B, C, D}), row({-B, A, -D, C}), row({-C, D, A, -B}), row({-D, -C, B, A})}, 0);
}

enum class Kind { kSylvester, kPaley1, kPaley2, kWilliamson };

// n = base·pow2, base built by `kind` (1 for pure Sylvester).
struct Plan {
  Kind kind = Kind::kSylvester;
  int64_t p = 0;  // Paley: q = p^k
  int k = 0;
  const WilliamsonRows* williamson = nullptr;
  int64_t pow2 = 1;
};

bool plan_for(int64_t n, Plan& plan) {
  if (n <= 0) return false;
  for (int64_t pow2 = 1; n % pow2 == 0; pow2 *= 2) {
    const int64_t m = n / pow2;
    plan = Plan{};
    plan.pow2 = pow2;
    if (m == 1) return true;
    if (m % 4 != 0) continue;
    if (prime_power(m - 1, plan.p, plan.k) && (m - 1) % 4 == 3) {
      plan.kind = Kind::kPaley1;
      return true;
    }
    if (prime_power(m / 2 - 1, plan.p, plan.k) && (m / 2 - 1) % 4 == 1) {
      plan.kind = Kind::kPaley2;
      return true;
    }
    for (const auto& w : kWilliamson)
      if (4 * w.order == m) {
        plan.kind = Kind::kWilliamson;
        plan.williamson = &w;
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
         ": supported sizes are m·2^k with m = 1, q+1 (prime power q ≡ 3 mod 4), 2(q+1) (prime power "
         "q ≡ 1 mod 4), 156 or 172, e.g. 12, 20, 28, 36, 40, 52, 60, 108, 140, 156, 172 times a power of two";
}

bool hadamard_supported(int64_t n) { return hadamard_unsupported_reason(n).empty(); }

torch::Tensor hadamard(int64_t n) {
  Plan plan;
  if (!plan_for(n, plan)) throw InputError(hadamard_unsupported_reason(n));
  torch::Tensor H;
  switch (plan.kind) {
    case Kind::kSylvester: H = torch::ones({1, 1}, torch::kDouble); break;
    case Kind::kPaley1: H = paley1(plan.p, plan.k); break;
    case Kind::kPaley2: H = paley2(plan.p, plan.k); break;
    case Kind::kWilliamson: H = williamson(*plan.williamson); break;
  }
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
