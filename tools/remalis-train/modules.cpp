#include "modules.h"

#include <cmath>
#include <limits>

namespace labkit::remalis_train {

torch::Tensor graph_attention(const torch::Tensor& x, const torch::Tensor& adj, const torch::Tensor& w,
                              const torch::Tensor& a_src, const torch::Tensor& a_dst, double slope,
                              const torch::Tensor& log_bias, torch::Tensor* attention) {
  const auto wh = torch::einsum("bnf,hfo->bhno", {x, w});              // [B, heads, N, Fo]
  const auto s_src = (wh * a_src.unsqueeze(0).unsqueeze(2)).sum(-1);    // [B, heads, N]
  const auto s_dst = (wh * a_dst.unsqueeze(0).unsqueeze(2)).sum(-1);
  // e[b,h,i,j] = LeakyReLU(a_dst . Wh_i + a_src . Wh_j): attention of receiver i on sender j.
  auto e = torch::leaky_relu(s_dst.unsqueeze(-1) + s_src.unsqueeze(-2), slope);
  if (log_bias.defined()) e = e + log_bias.unsqueeze(1);
  e = e.masked_fill(adj.unsqueeze(0).unsqueeze(0) <= 0, -std::numeric_limits<double>::infinity());
  const auto alpha = torch::softmax(e, -1);
  if (attention) *attention = alpha;
  const auto out = torch::matmul(alpha, wh);                            // [B, heads, N, Fo]
  return out.permute({0, 2, 1, 3}).reshape({x.size(0), x.size(1), -1});
}

torch::Tensor confusion_matrix(const torch::Tensor& memory) { return memory / (1.0 + memory.sum(-1, true)); }

torch::Tensor update_confusion_memory(const torch::Tensor& memory, const torch::Tensor& actions,
                                      const torch::Tensor& agent_error, const torch::Tensor& adj, bool shared_nodes) {
  const int64_t N = actions.size(1);
  const auto err = (agent_error > 0.5).to(memory.scalar_type());
  auto both = err.unsqueeze(2) * err.unsqueeze(1);                                  // [B, N, N]
  if (shared_nodes) both = both * (actions.unsqueeze(2) == actions.unsqueeze(1)).to(memory.scalar_type());
  const auto off_diagonal = (adj > 0).to(memory.scalar_type()) * (1.0 - torch::eye(N, memory.options()));
  return memory + both * off_diagonal.unsqueeze(0);
}

torch::Tensor confusion_loss(const torch::Tensor& probs, const torch::Tensor& weights, int64_t idle_node) {
  const int64_t N = probs.size(1);
  auto p = probs;
  if (idle_node >= 0) {
    auto keep = torch::ones({probs.size(2)}, probs.options());
    keep[idle_node] = 0.0;
    p = p * keep;
  }
  const auto overlap = torch::matmul(p, p.transpose(1, 2));                          // [B, N, N]
  const auto off_diagonal = 1.0 - torch::eye(N, probs.options());
  return (weights * overlap * off_diagonal).sum({1, 2}).mean() / static_cast<double>(N);
}

torch::Tensor vocabulary_attention(const torch::Tensor& query, const torch::Tensor& vocabulary, const torch::Tensor& w_key,
                                   const torch::Tensor& w_value, torch::Tensor* entropy) {
  const auto keys = torch::matmul(vocabulary, w_key);                               // [K, D]
  const auto scores = torch::matmul(query, keys.transpose(0, 1)) / std::sqrt(static_cast<double>(query.size(-1)));
  const auto logp = torch::log_softmax(scores, -1);                                 // [B, N, K]
  const auto a = logp.exp();
  if (entropy) {
    const double log_k = std::log(static_cast<double>(std::max<int64_t>(vocabulary.size(0), 2)));
    *entropy = -(a * logp).sum(-1) / log_k;
  }
  return torch::matmul(a, torch::matmul(vocabulary, w_value));
}

torch::Tensor teammate_occupancy(const torch::Tensor& probs, const torch::Tensor& adj, int64_t idle_node) {
  const int64_t N = probs.size(1);
  const auto hears = (adj > 0).to(probs.scalar_type()) * (1.0 - torch::eye(N, probs.options()));
  auto occ = torch::matmul(hears.unsqueeze(0), probs);                               // [B, N, M]
  if (idle_node >= 0) {
    auto keep = torch::ones({probs.size(2)}, probs.options());
    keep[idle_node] = 0.0;
    occ = occ * keep;
  }
  return occ;
}

torch::Tensor teammate_loss(const torch::Tensor& logp, const torch::Tensor& actions, const torch::Tensor& agent_error,
                            const torch::Tensor& adj, int64_t idle_node) {
  const int64_t M = logp.size(2);
  auto worked = torch::one_hot(actions, M).to(logp.scalar_type()) * (agent_error < 0.5).to(logp.scalar_type()).unsqueeze(-1);
  if (idle_node >= 0) worked.select(-1, idle_node).zero_();                           // [B, N(j), M]
  const auto hears = (adj > 0).to(logp.scalar_type());                                // [N(i), N(j)]
  const auto label = worked.transpose(1, 2).unsqueeze(1) * hears.unsqueeze(0).unsqueeze(2);  // [B, N(i), M, N(j)]
  return -(label * logp).sum() / label.sum().clamp_min(1.0);
}

torch::Tensor imitation_loss(const torch::Tensor& state_only_logits, const torch::Tensor& feedback_logits) {
  const auto p = torch::softmax(state_only_logits, -1);
  const auto teacher = torch::softmax(feedback_logits, -1).detach();
  return (p - teacher).pow(2).sum(-1).mean();
}

}  // namespace labkit::remalis_train
