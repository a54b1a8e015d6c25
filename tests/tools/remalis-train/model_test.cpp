// The feedback GAT against a float64 loop written from the GAT definition (Velickovic et al.): per head,
// e_ij = LeakyReLU_0.2(a_dst . W x_i + a_src . W x_j) over the neighbours j of i, softmax over j,
// out_i = sum_j alpha_ij W x_j, heads concatenated. Also the model's shapes, masks and ablation modes.
#include <gtest/gtest.h>

#include <cmath>

#include "model.h"

using namespace labkit::remalis_train;

TEST(GraphAttention, MatchesAFloat64HandComputation) {
  torch::manual_seed(3);
  const int64_t B = 2, N = 4, F = 3, heads = 2, Fo = 2;
  const auto x = torch::randn({B, N, F}, torch::kDouble);
  const auto w = torch::randn({heads, F, Fo}, torch::kDouble);
  const auto as = torch::randn({heads, Fo}, torch::kDouble), ad = torch::randn({heads, Fo}, torch::kDouble);
  // A path 0-1-2-3 with self loops; row i lists who i hears.
  const double adjv[4][4] = {{1, 1, 0, 0}, {1, 1, 1, 0}, {0, 1, 1, 1}, {0, 0, 1, 1}};
  auto adj = torch::zeros({N, N}, torch::kDouble);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) adj[i][j] = adjv[i][j];
  const auto got = graph_attention(x, adj, w, as, ad, 0.2);
  ASSERT_EQ(got.sizes(), (std::vector<int64_t>{B, N, heads * Fo}));
  auto X = x.accessor<double, 3>();
  auto W = w.accessor<double, 3>();
  auto AS = as.accessor<double, 2>(), AD = ad.accessor<double, 2>();
  for (int b = 0; b < B; ++b)
    for (int h = 0; h < heads; ++h) {
      double wx[4][2];
      for (int n = 0; n < N; ++n)
        for (int o = 0; o < Fo; ++o) {
          wx[n][o] = 0;
          for (int f = 0; f < F; ++f) wx[n][o] += X[b][n][f] * W[h][f][o];
        }
      for (int i = 0; i < N; ++i) {
        double e[4], z = 0, mx = -1e300;
        for (int j = 0; j < N; ++j) {
          if (!adjv[i][j]) continue;
          double s = 0;
          for (int o = 0; o < Fo; ++o) s += AD[h][o] * wx[i][o] + AS[h][o] * wx[j][o];
          e[j] = s > 0 ? s : 0.2 * s;
          mx = std::max(mx, e[j]);
        }
        for (int j = 0; j < N; ++j)
          if (adjv[i][j]) z += std::exp(e[j] - mx);
        for (int o = 0; o < Fo; ++o) {
          double out = 0;
          for (int j = 0; j < N; ++j)
            if (adjv[i][j]) out += std::exp(e[j] - mx) / z * wx[j][o];
          EXPECT_NEAR(got[b][i][h * Fo + o].item<double>(), out, 1e-12) << b << " " << h << " " << i << " " << o;
        }
      }
    }
}

TEST(RemalisNet, ShapesMasksAndModes) {
  const ModelSizes sizes{5, 4, 6, 20, 8, 2, 2, 16};
  const int64_t B = 3, N = 3, M = 4;
  ModelInput in;
  torch::manual_seed(0);
  in.agent = torch::randn({B, N, 5});
  in.nodes = torch::randn({B, N, M, 6});
  in.node_adj = torch::zeros({B, N, M, M});
  in.node_adj.index_put_({torch::indexing::Slice(), torch::indexing::Slice(), 2, 1}, 1.0);
  in.mask = torch::ones({B, N, M}, torch::kBool);
  in.mask.index_put_({torch::indexing::Slice(), 1, 3}, false);
  in.last_error = torch::zeros({B, N});
  for (const char* mode : {"single_agent", "none", "broadcast", "propagation", "full"}) {
    RemalisNet net(sizes, comm_mode_from(mode), torch::ones({N, N}));
    EXPECT_EQ(net->edges(), 6);
    in.state = net->initial_state(B);
    const auto out = net->forward(in);
    EXPECT_EQ(out.logits.sizes(), (std::vector<int64_t>{B, N, M})) << mode;
    EXPECT_LT(torch::softmax(out.logits, -1).index({torch::indexing::Slice(), 1, 3}).max().item<float>(), 1e-6) << mode;
    EXPECT_EQ(out.next.messages.sizes(), (std::vector<int64_t>{B, 6, 8}));
    const bool propagates = std::string(mode) == "propagation" || std::string(mode) == "full";
    EXPECT_EQ(out.next.messages.abs().sum().item<float>() > 0, propagates) << mode;
    EXPECT_EQ(net->value(torch::randn({B, 20})).sizes(), (std::vector<int64_t>{B}));
  }
  // Communication matters: with propagation, agent 0's logits depend on agent 1's observation.
  for (const char* mode : {"none", "full"}) {
    torch::manual_seed(1);
    RemalisNet net(sizes, comm_mode_from(mode), torch::ones({N, N}));
    in.state = net->initial_state(B);
    const auto a = net->forward(in).logits.select(1, 0);
    auto other = in;
    other.agent = in.agent.clone();
    other.agent.select(1, 1).add_(1.0);
    const auto b = net->forward(other).logits.select(1, 0);
    EXPECT_EQ(torch::allclose(a, b), std::string(mode) == "none") << mode;
  }
}
