// The ReMALIS modules beyond the channel and the GAT, each against a float64 re-computation of its
// equation on a tiny input written with loops (not with the tensor ops the tool uses): the confusion-biased
// GAT (Eq. 10), the confusion memory (Eq. 12) and matrix, the confusion loss (Eq. 11), grounding by
// cross-attention over a vocabulary with its symbol entropy (Eq. 2), level-k occupancy, the
// desired-teammate likelihood and the imitation loss (Eq. 8); then the switches in the model and the
// ablation variants.
#include <gtest/gtest.h>

#include <cmath>

#include "labkit/core/config.h"
#include "model.h"
#include "settings.h"

using namespace labkit::remalis_train;

namespace {

torch::Tensor dbl(std::vector<double> v, std::vector<int64_t> shape) {
  return torch::tensor(v, torch::kDouble).reshape(shape);
}

}  // namespace

TEST(RemalisModules, ConfusionBiasedAttentionMatchesFloat64) {
  torch::manual_seed(5);
  const int N = 3, F = 2, heads = 2, Fo = 2;
  const auto x = torch::randn({1, N, F}, torch::kDouble);
  const auto w = torch::randn({heads, F, Fo}, torch::kDouble);
  const auto as = torch::randn({heads, Fo}, torch::kDouble), ad = torch::randn({heads, Fo}, torch::kDouble);
  const auto adj = torch::ones({N, N}, torch::kDouble);
  const auto memory = dbl({0, 2, 1, 0, 0, 0, 3, 0, 0}, {1, N, N});
  const double lambda = 1.5;
  // C(i,j) = M(i,j) / (1 + sum_k M(i,k)): row 0 -> {0, 2/4, 1/4}, row 1 -> 0, row 2 -> {3/4, 0, 0}.
  const double C[3][3] = {{0, 0.5, 0.25}, {0, 0, 0}, {0.75, 0, 0}};
  const auto c = confusion_matrix(memory);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) EXPECT_DOUBLE_EQ(c[0][i][j].item<double>(), C[i][j]);
  torch::Tensor alpha;
  const auto got = graph_attention(x, adj, w, as, ad, 0.2, torch::log1p(lambda * c), &alpha);
  auto X = x.accessor<double, 3>();
  auto W = w.accessor<double, 3>();
  auto AS = as.accessor<double, 2>(), AD = ad.accessor<double, 2>();
  for (int h = 0; h < heads; ++h) {
    double wx[3][2];
    for (int n = 0; n < N; ++n)
      for (int o = 0; o < Fo; ++o) {
        wx[n][o] = 0;
        for (int f = 0; f < F; ++f) wx[n][o] += X[0][n][f] * W[h][f][o];
      }
    for (int i = 0; i < N; ++i) {
      // Plain GAT weights, then each multiplied by (1 + lambda C_ij) and renormalised.
      double a[3], z = 0;
      for (int j = 0; j < N; ++j) {
        double s = 0;
        for (int o = 0; o < Fo; ++o) s += AD[h][o] * wx[i][o] + AS[h][o] * wx[j][o];
        a[j] = std::exp(s > 0 ? s : 0.2 * s) * (1 + lambda * C[i][j]);
        z += a[j];
      }
      for (int j = 0; j < N; ++j) EXPECT_NEAR(alpha[0][h][i][j].item<double>(), a[j] / z, 1e-12);
      for (int o = 0; o < Fo; ++o) {
        double out = 0;
        for (int j = 0; j < N; ++j) out += a[j] / z * wx[j][o];
        EXPECT_NEAR(got[0][i][h * Fo + o].item<double>(), out, 1e-12);
      }
    }
  }
}

TEST(RemalisModules, ConfusionMemoryCountsOnlyConfusionsBetweenNeighbours) {
  // Four agents; 0 and 1 collided on node 2, agent 2 erred alone on node 3 (premature), agent 3 erred on
  // node 2 too but does not hear / is not heard by 0 (adjacency), so only the pairs (0,1), (1,3) count.
  auto adj = torch::ones({4, 4}, torch::kDouble);
  adj[0][3] = adj[3][0] = 0;
  const auto actions = torch::tensor({2, 2, 3, 2}, torch::kLong).reshape({1, 4});
  const auto err = dbl({1, 1, 1, 1}, {1, 4});
  const auto m0 = torch::zeros({1, 4, 4}, torch::kDouble);
  const auto m1 = update_confusion_memory(m0, actions, err, adj, true);
  const double want[4][4] = {{0, 1, 0, 0}, {1, 0, 0, 1}, {0, 0, 0, 0}, {0, 1, 0, 0}};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_EQ(m1[0][i][j].item<double>(), want[i][j]) << i << j;
  // Eq. 12 accumulates: the same step again doubles the counts; a step without errors adds nothing.
  const auto m2 = update_confusion_memory(m1, actions, err, adj, true);
  EXPECT_EQ(m2[0][1][3].item<double>(), 2.0);
  EXPECT_TRUE(torch::equal(update_confusion_memory(m2, actions, torch::zeros({1, 4}, torch::kDouble), adj, true), m2));
  // Without shared nodes (SUMO) two neighbours erring at one step are confused whatever they chose.
  const auto m3 = update_confusion_memory(m0, actions, err, adj, false);
  EXPECT_EQ(m3[0][0][1].item<double>(), 1.0);
  EXPECT_EQ(m3[0][1][2].item<double>(), 1.0);
  EXPECT_EQ(m3[0][0][3].item<double>(), 0.0);
}

TEST(RemalisModules, ConfusionLossMatchesHandComputation) {
  // Two agents over nodes {idle, a, b}: p0 = (0.2, 0.5, 0.3), p1 = (0.1, 0.6, 0.3). Overlap without idle
  // = 0.5*0.6 + 0.3*0.3 = 0.39; weights A01 = 0.7, A10 = 0.4; loss = (0.7 + 0.4) * 0.39 / 2 = 0.2145.
  const auto p = dbl({0.2, 0.5, 0.3, 0.1, 0.6, 0.3}, {1, 2, 3});
  const auto a = dbl({0.3, 0.7, 0.4, 0.6}, {1, 2, 2});
  EXPECT_NEAR(confusion_loss(p, a, 0).item<double>(), 0.2145, 1e-12);
  // With no idle node the idle column counts: overlap 0.02 + 0.39 = 0.41.
  EXPECT_NEAR(confusion_loss(p, a, -1).item<double>(), 1.1 * 0.41 / 2, 1e-12);
}

TEST(RemalisModules, VocabularyAttentionAndSymbolEntropyMatchFloat64) {
  torch::manual_seed(7);
  const int B = 1, N = 2, D = 3, K = 4;
  const auto q = torch::randn({B, N, D}, torch::kDouble), v = torch::randn({K, D}, torch::kDouble);
  const auto wk = torch::randn({D, D}, torch::kDouble), wv = torch::randn({D, D}, torch::kDouble);
  torch::Tensor entropy;
  const auto got = vocabulary_attention(q, v, wk, wv, &entropy);
  auto Q = q.accessor<double, 3>();
  auto V = v.accessor<double, 2>();
  auto WK = wk.accessor<double, 2>(), WV = wv.accessor<double, 2>();
  for (int i = 0; i < N; ++i) {
    double s[4], mx = -1e300, z = 0;
    for (int k = 0; k < K; ++k) {
      s[k] = 0;
      for (int d = 0; d < D; ++d) {
        double key = 0;
        for (int e = 0; e < D; ++e) key += V[k][e] * WK[e][d];
        s[k] += Q[0][i][d] * key;
      }
      s[k] /= std::sqrt(3.0);
      mx = std::max(mx, s[k]);
    }
    for (int k = 0; k < K; ++k) z += std::exp(s[k] - mx);
    double h = 0;
    for (int k = 0; k < K; ++k) {
      const double a = std::exp(s[k] - mx) / z;
      h -= a * std::log(a);
    }
    EXPECT_NEAR(entropy[0][i].item<double>(), h / std::log(4.0), 1e-12);
    for (int d = 0; d < D; ++d) {
      double out = 0;
      for (int k = 0; k < K; ++k) {
        double value = 0;
        for (int e = 0; e < D; ++e) value += V[k][e] * WV[e][d];
        out += std::exp(s[k] - mx) / z * value;
      }
      EXPECT_NEAR(got[0][i][d].item<double>(), out, 1e-12);
    }
  }
}

TEST(RemalisModules, OccupancyTeammateAndImitationLossesMatchHandValues) {
  // Occupancy: three agents, agent 2 does not hear agent 0. Node 0 is idle (always 0).
  auto adj = torch::ones({3, 3}, torch::kDouble);
  adj[2][0] = 0;
  const auto p = dbl({0.5, 0.5, 0, 0.2, 0.3, 0.5, 0.1, 0.1, 0.8}, {1, 3, 3});
  const auto occ = teammate_occupancy(p, adj, 0);
  const double want[3][3] = {{0, 0.3 + 0.1, 0.5 + 0.8}, {0, 0.5 + 0.1, 0 + 0.8}, {0, 0.3, 0.5}};
  for (int i = 0; i < 3; ++i)
    for (int s = 0; s < 3; ++s) EXPECT_NEAR(occ[0][i][s].item<double>(), want[i][s], 1e-12);

  // Teammate likelihood: agent 0 worked on node 1 cleanly, agent 1 collided (error) on node 2, agent 2
  // idled. Labels: delta_i(1) = 0 for every i that hears 0 (agents 0 and 1; agent 2 does not hear 0).
  auto logp = torch::log(torch::full({1, 3, 3, 3}, 1.0 / 3.0, torch::kDouble));
  logp[0][0][1] = torch::log(dbl({0.5, 0.25, 0.25}, {3}));
  logp[0][1][1] = torch::log(dbl({0.8, 0.1, 0.1}, {3}));
  const auto actions = torch::tensor({1, 2, 0}, torch::kLong).reshape({1, 3});
  const auto err = dbl({0, 1, 0}, {1, 3});
  EXPECT_NEAR(teammate_loss(logp, actions, err, adj, 0).item<double>(), -(std::log(0.5) + std::log(0.8)) / 2, 1e-12);

  // Imitation (Eq. 8): softmax(0, log 3) = (0.25, 0.75) against softmax(0, 0) = (0.5, 0.5): 2 * 0.25^2.
  const auto a = dbl({0, std::log(3.0)}, {1, 1, 2}), b = dbl({0, 0}, {1, 1, 2});
  EXPECT_NEAR(imitation_loss(a, b).item<double>(), 0.125, 1e-12);
  // The teacher gets no gradient.
  auto student = a.clone().requires_grad_(true), teacher = b.clone().requires_grad_(true);
  imitation_loss(student, teacher).backward();
  EXPECT_FALSE(teacher.grad().defined());
  EXPECT_GT(student.grad().abs().sum().item<double>(), 0.0);
}

TEST(RemalisModules, SwitchesAndRecursionInTheModel) {
  const int64_t B = 2, N = 3, M = 4;
  ModelSizes sizes{5, M, 6, 20, 8, 2, 1, 16};
  sizes.shared_nodes = true;
  sizes.idle_node = 0;
  ModelInput in;
  torch::manual_seed(0);
  in.agent = torch::randn({B, N, 5});
  in.nodes = torch::randn({B, N, M, 6});
  in.node_adj = torch::zeros({B, N, M, M});
  in.mask = torch::ones({B, N, M}, torch::kBool);
  in.last_error = torch::zeros({B, N});
  ModuleSwitches all;
  all.desired_teammate = true;
  all.recursion_depth = 2;
  all.confusion = true;
  all.vocabulary = 5;
  all.imitation = true;
  // Without messages the modules that need them are dropped; without the GAT those that need it too.
  RemalisNet none(sizes, CommMode::kNone, torch::ones({N, N}), all);
  EXPECT_FALSE(none->modules_in_use().desired_teammate);
  EXPECT_EQ(none->modules_in_use().recursion_depth, 0);
  EXPECT_FALSE(none->modules_in_use().confusion);
  EXPECT_EQ(none->modules_in_use().vocabulary, 5);
  RemalisNet prop(sizes, CommMode::kPropagation, torch::ones({N, N}), all);
  EXPECT_TRUE(prop->modules_in_use().desired_teammate);
  EXPECT_FALSE(prop->modules_in_use().imitation);

  auto adj = torch::ones({N, N});
  adj[2][0] = 0;  // agent 2 does not hear agent 0
  torch::manual_seed(1);
  RemalisNet full(sizes, CommMode::kFull, adj, all);
  in.state = full->initial_state(B);
  in.state.confusion[0][0][1] = 2.0;
  const auto out = full->forward(in);
  // delta_i(sigma) is a distribution over the agents i hears.
  const auto delta = out.teammate_logp.exp();
  EXPECT_TRUE(torch::allclose(delta.sum(-1), torch::ones({B, N, M}), 1e-5));
  EXPECT_LT(delta.select(1, 2).select(-1, 0).max().item<float>(), 1e-6);
  EXPECT_EQ(out.attention.sizes(), (std::vector<int64_t>{B, N, N}));
  EXPECT_EQ(out.state_only_logits.sizes(), (std::vector<int64_t>{B, N, M}));
  // U fed back is the normalised symbol entropy, in [0, 1]; the memory passes through unchanged.
  EXPECT_GE(out.next.uncertainty.min().item<float>(), 0.0f);
  EXPECT_LE(out.next.uncertainty.max().item<float>(), 1.0f + 1e-6f);
  EXPECT_TRUE(torch::equal(out.next.confusion, in.state.confusion));
  // The confusion memory changes agent 0's attention (and so its policy) only in the episode that has it.
  const auto clean = full->forward([&] {
    auto c = in;
    c.state.confusion = torch::zeros({B, N, N});
    return c;
  }());
  EXPECT_FALSE(torch::allclose(out.attention[0][0], clean.attention[0][0]));
  EXPECT_TRUE(torch::allclose(out.attention[1], clean.attention[1]));

  // Level-k reasoning: agent 0's level-k policy depends on agent 1's level-(k-1) policy. Agent 1's
  // dependency edges enter its planning GNN (so its policy) but not its intention or broadcast, so with
  // broadcast messages and no GAT they reach agent 0 only through recursion: at depth 0 agent 0's logits
  // do not move, at depth 2 they do.
  for (int64_t depth : {0, 2}) {
    ModuleSwitches k;
    k.recursion_depth = depth;
    torch::manual_seed(2);
    RemalisNet net(sizes, CommMode::kBroadcast, torch::ones({N, N}), k);
    in.state = net->initial_state(B);
    auto other = in;
    other.node_adj = in.node_adj.clone();
    other.node_adj[0][1][2][1] = 1.0;
    other.node_adj[0][1][3][2] = 1.0;
    const auto a = net->forward(in).logits[0][0];
    const auto b = net->forward(other).logits[0][0];
    EXPECT_EQ(torch::allclose(a, b), depth == 0) << depth;
  }
}

TEST(RemalisModules, AblationVariantsSetCommunicationAndModules) {
  labkit::Config c(default_config());
  const auto base = Settings::from_config(c);
  EXPECT_TRUE(base.agents.desired_teammate);
  EXPECT_EQ(base.agents.recursion_depth, 1);
  const auto fb = apply_variant(base, "feedback", "k");
  EXPECT_EQ(fb.agents.communication, "full");
  EXPECT_FALSE(fb.agents.desired_teammate || fb.agents.confusion);
  EXPECT_EQ(fb.agents.recursion_depth + fb.agents.vocabulary, 0);
  EXPECT_EQ(fb.train.imitation_coef, 0.0);
  const auto rec = apply_variant(base, "recursive", "k");
  EXPECT_EQ(rec.agents.recursion_depth, 1);
  EXPECT_FALSE(rec.agents.confusion);
  const auto none = apply_variant(base, "none", "k");
  EXPECT_EQ(none.agents.communication, "none");
  const auto no_conf = apply_variant(base, "full-no_confusion", "k");
  EXPECT_FALSE(no_conf.agents.confusion);
  EXPECT_TRUE(no_conf.agents.desired_teammate);
  EXPECT_EQ(no_conf.agents.vocabulary, 16);
  EXPECT_EQ(apply_variant(base, "full-no_imitation", "k").train.imitation_coef, 0.0);
  EXPECT_THROW(apply_variant(base, "everything", "ablation.modes"), std::exception);
}
