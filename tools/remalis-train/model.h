// The ReMALIS agents in LibTorch (paper Secs 2-3, README "Architecture"), shared by every agent:
//   encoder      agent features + sub-goal nodes -> observation embedding h_i
//   intention    GRU over time: z_i, the next-sub-goal distribution pi_i(sigma), the desired teammate
//                delta_i(sigma) over the agents i hears, broadcast b_i
//   propagation  a GRU per directed edge j->i turns b_j into a teammate-specific message (belief) m_ji
//   feedback     GAT (2 heads, LeakyReLU 0.2) over the agent graph on execution states that carry the
//                last coordination error E and grounding uncertainty U of each agent
//   grounding    e_i from (h_i, beliefs, feedback) plus cross-attention over a learned vocabulary, with an
//                uncertainty head N(mu, sigma^2) that predicts the agent's coordination error; U fed back
//                at the next step is the entropy over the grounded symbols (sigma^2 without a vocabulary)
//   confusion    memory M_t of which teammates an agent collided with; C_t biases the feedback attention
//   planning     GNN over the sub-goal nodes (dependency edges both ways) -> Sigma_{t+1} = softmax
//   execution    pointer policy over the sub-goal nodes from (node, e_i, f_i) plus the planning logits,
//                refined by level-k reasoning: level k sees teammates' level k-1 policies
// and a centralised critic on the team state (MAPPO). Ablation modes switch parts off.
#pragma once

#include <torch/torch.h>

#include <string>

#include "modules.h"

namespace labkit::remalis_train {

enum class CommMode { kSingleAgent, kNone, kBroadcast, kPropagation, kFull };
CommMode comm_mode_from(const std::string& name);  // single_agent | none | broadcast | propagation | full

struct ModelSizes {
  int64_t agent_features, nodes, node_features, state_features;
  int64_t hidden, heads, planning_layers, critic_hidden;
  bool shared_nodes = false;  // EnvShape::shared_nodes
  int64_t idle_node = -1;
};

// The modules beyond the channel and the GAT, as requested; RemalisNet keeps those its communication mode
// can carry (modules_in_use()).
struct ModuleSwitches {
  bool desired_teammate = false;
  int64_t recursion_depth = 0;
  bool confusion = false;
  double confusion_lambda = 1.0;
  int64_t vocabulary = 0;
  bool imitation = false;
};

// The recurrent state carried between steps (detached; stored with each rollout step).
struct Recurrent {
  torch::Tensor intention;    // [B, N, H]
  torch::Tensor messages;     // [B, E, H], one per directed edge
  torch::Tensor uncertainty;  // [B, N]
  torch::Tensor confusion;    // [B, N, N]: the confusion memory M_t (counts; updated outside the forward)
};

struct ModelInput {
  torch::Tensor agent;        // [B, N, Fa]
  torch::Tensor nodes;        // [B, N, M, Fn]
  torch::Tensor node_adj;     // [B, N, M, M]
  torch::Tensor mask;         // [B, N, M] bool
  torch::Tensor last_error;   // [B, N]
  Recurrent state;
};

struct ModelOutput {
  torch::Tensor logits;           // [B, N, M], masked entries at -1e9
  torch::Tensor planning_logits;  // [B, N, M]
  torch::Tensor error_mean, error_logvar;  // [B, N]: the grounding uncertainty head
  torch::Tensor teammate_logp;    // [B, N, M, N]: log delta_i(sigma, j) (undefined without the head)
  torch::Tensor attention;        // [B, N, N]: feedback attention, head mean (undefined without feedback)
  torch::Tensor state_only_logits;  // [B, N, M]: the policy without feedback, for Eq. 8 (undefined when off)
  Recurrent next;                 // the confusion memory is passed through unchanged
};

class RemalisNetImpl : public torch::nn::Module {
 public:
  RemalisNetImpl(ModelSizes sizes, CommMode mode, torch::Tensor agent_adj, ModuleSwitches modules = {});
  ModelOutput forward(const ModelInput& in);
  torch::Tensor value(const torch::Tensor& state);  // [B, S] -> [B] (normalised)
  Recurrent initial_state(int64_t batch) const;
  int64_t edges() const { return edge_src_.size(0); }
  const ModuleSwitches& modules_in_use() const { return m_; }
  const torch::Tensor& adjacency() const { return adj_; }

 private:
  torch::Tensor execution_logits(const torch::Tensor& xs, const torch::Tensor& e, const torch::Tensor& f,
                                 const torch::Tensor& team, const torch::Tensor& occupancy, const torch::Tensor& plan_logits,
                                 const torch::Tensor& mask);

  ModelSizes s_;
  CommMode mode_;
  ModuleSwitches m_;
  torch::Tensor adj_, edge_src_, edge_dst_, in_degree_;
  torch::nn::Linear agent_in{nullptr}, node_in{nullptr}, intent_score{nullptr}, broadcast{nullptr};
  torch::nn::GRUCell intention{nullptr}, channel{nullptr};
  torch::nn::Linear exec_in{nullptr};
  torch::Tensor gat_w, gat_src, gat_dst;
  torch::nn::Linear ground{nullptr}, unc_head{nullptr}, ctx_to_nodes{nullptr};
  torch::nn::ModuleList plan_self{nullptr}, plan_fwd{nullptr}, plan_back{nullptr};
  torch::nn::Linear plan_out{nullptr}, exec_hidden{nullptr}, exec_out{nullptr};
  torch::nn::Sequential critic{nullptr};
  torch::nn::Linear teammate_query{nullptr}, teammate_key{nullptr};
  torch::nn::Linear vocab_query{nullptr}, vocab_out{nullptr};
  torch::Tensor vocabulary, vocab_key, vocab_value;
  torch::nn::Linear team_in{nullptr};
};
TORCH_MODULE(RemalisNet);

}  // namespace labkit::remalis_train
