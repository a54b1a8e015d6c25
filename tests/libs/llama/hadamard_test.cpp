// Hadamard construction: H·Hᵀ = n·I with ±1 entries for Sylvester and Paley sizes; others fail clearly.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "labkit/core/error.h"
#include "labkit/llama/hadamard.h"

using namespace labkit::llama;

TEST(Hadamard, SupportedSizesAreHadamard) {
  // The reference's whole K list (52 = 2(25+1) over GF(25); 156, 172 Williamson), prime-power Paley I
  // (28 = 27+1 is also prime-p Paley II; 244 = 3^5+1; 100 = 2(49+1)), and 5632 = 44·128 (Paley I, p = 43):
  // TinyLlama's MLP width, which the reference's K list rejects. 688 = 172·4 (LLaMA-2-7B: 11008 = 172·64).
  for (int64_t n : {1, 2, 4, 64, 12, 20, 28, 36, 40, 52, 60, 108, 140, 156, 172, 24, 72, 96, 100, 244, 344, 576,
                    1536, 5632, 688}) {
    ASSERT_TRUE(hadamard_supported(n)) << n;
    auto H = hadamard(n);
    ASSERT_EQ(H.size(0), n);
    EXPECT_TRUE(torch::equal(H.abs(), torch::ones_like(H))) << n;
    EXPECT_LT((H.mm(H.t()) - n * torch::eye(n, torch::kDouble)).abs().max().item<double>(), 1e-9) << n;
  }
}

TEST(Hadamard, UnsupportedSizesThrowInputError) {
  for (int64_t n : {3, 6, 10, 0, 188, 376}) {  // 4·47, 8·47: no Paley or tabulated Williamson order
    EXPECT_FALSE(hadamard_supported(n)) << n;
    try {
      hadamard(n);
      FAIL() << n;
    } catch (const labkit::InputError& e) {
      EXPECT_NE(std::string(e.what()).find(std::to_string(n)), std::string::npos);
    }
  }
}

TEST(Hadamard, RandomVariantsAreOrthogonalAndSeeded) {
  auto a = random_hadamard(64, 7), b = random_hadamard(64, 7), c = random_hadamard(64, 8);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, c));
  EXPECT_LT((a.mm(a.t()) - torch::eye(64, torch::kDouble)).abs().max().item<double>(), 1e-12);
  auto q = random_orthogonal(172, 3);
  EXPECT_LT((q.mm(q.t()) - torch::eye(172, torch::kDouble)).abs().max().item<double>(), 1e-12);
}
