// The equations of the ReMALIS modules as plain functions of tensors (README "What it does" and
// "Choices where the paper is ambiguous"), so each can be checked against a float64 re-computation:
//   graph_attention          the feedback GAT (2 heads, LeakyReLU 0.2), optionally biased by C_t (Eq. 10)
//   confusion_matrix         C_t from the confusion memory M_t (row-normalised counts with a pseudo count)
//   update_confusion_memory  M_t(i,j) = M_{t-1}(i,j) + 1[agents i and j confused] (Eq. 12)
//   confusion_loss           (1/N) sum_{i != j} A(i,j) Conf(i,j), Conf = chance both pick one sub-goal (Eq. 11)
//   vocabulary_attention     grounding by cross-attention over a learned vocabulary, and the entropy over
//                            the grounded symbols that is the grounding uncertainty U_t (Eq. 2)
//   teammate_occupancy       level-k reasoning's input: teammates' level-(k-1) mass on each shared sub-goal
//   imitation_loss           Eq. 8: MSE between the state-only policy and the feedback-informed one
#pragma once

#include <torch/torch.h>

namespace labkit::remalis_train {

// x [B, N, F], adj [N, N] (row i: who i hears, self loops expected), w [heads, F, Fo], a_src/a_dst
// [heads, Fo]. `log_bias` [B, N, N] (undefined: none) is added to the attention logits before the softmax,
// which multiplies each attention weight by exp(bias) and renormalises. `attention` (if not null) gets the
// weights [B, heads, N, N].
torch::Tensor graph_attention(const torch::Tensor& x, const torch::Tensor& adj, const torch::Tensor& w,
                              const torch::Tensor& a_src, const torch::Tensor& a_dst, double slope = 0.2,
                              const torch::Tensor& log_bias = {}, torch::Tensor* attention = nullptr);

// C(i,j) = M(i,j) / (1 + sum_k M(i,k)): the share of agent i's confusions that were with j; 0 with no history.
torch::Tensor confusion_matrix(const torch::Tensor& memory);

// memory [B, N, N]; actions, agent_error [B, N]; adj [N, N]. Agents i != j that hear each other are
// confused at this step when both made a coordination error and, where nodes are shared, on the same node.
torch::Tensor update_confusion_memory(const torch::Tensor& memory, const torch::Tensor& actions,
                                      const torch::Tensor& agent_error, const torch::Tensor& adj, bool shared_nodes);

// probs [B, N, M] (each agent's action distribution over shared nodes), weights [B, N, N] (A; the diagonal
// is ignored), idle node excluded (-1: none). Mean over the batch of (1/N) sum_{i != j} A_ij sum_s p_i(s) p_j(s).
torch::Tensor confusion_loss(const torch::Tensor& probs, const torch::Tensor& weights, int64_t idle_node);

// query [B, N, D]; vocabulary [K, D]; w_key, w_value [D, D]. Scaled dot-product attention of each agent
// over the K symbols: returns the attended values [B, N, D]; `entropy` (if not null) gets the attention's
// entropy divided by log K, in [0, 1] ([B, N]).
torch::Tensor vocabulary_attention(const torch::Tensor& query, const torch::Tensor& vocabulary, const torch::Tensor& w_key,
                                   const torch::Tensor& w_value, torch::Tensor* entropy = nullptr);

// probs [B, N, M]; adj [N, N]. occupancy[b,i,s] = sum over teammates j != i that i hears of p_j(s); the
// idle node gets 0 (doing nothing never collides).
torch::Tensor teammate_occupancy(const torch::Tensor& probs, const torch::Tensor& adj, int64_t idle_node);

// The desired-teammate head's likelihood on shared nodes: for every sub-goal s that one agent j worked on
// this step without a coordination error, every agent i that hears j is taught delta_i(s) = j. logp
// [B, N, M, N] = log delta_i(s, j); actions, agent_error [B, N]; adj [N, N]; the idle node is no label.
// Mean negative log-likelihood over the labels (0 when there are none).
torch::Tensor teammate_loss(const torch::Tensor& logp, const torch::Tensor& actions, const torch::Tensor& agent_error,
                            const torch::Tensor& adj, int64_t idle_node);

// Eq. 8: mean over batch and agents of sum_s (p_state_only(s) - p_feedback(s))^2; the feedback-informed
// policy is the teacher (no gradient through it).
torch::Tensor imitation_loss(const torch::Tensor& state_only_logits, const torch::Tensor& feedback_logits);

}  // namespace labkit::remalis_train
