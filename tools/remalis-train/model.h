// The ReMALIS agents in LibTorch (paper Secs 2-3, README "Architecture"), shared by every agent:
//   encoder      agent features + sub-goal nodes -> observation embedding h_i
//   intention    GRU over time: z_i, the next-sub-goal distribution pi_i(sigma), broadcast b_i
//   propagation  a GRU per directed edge j->i turns b_j into a teammate-specific message (belief) m_ji
//   feedback     GAT (2 heads, LeakyReLU 0.2) over the agent graph on execution states that carry the
//                last coordination error E and grounding uncertainty U of each agent
//   grounding    e_i from (h_i, beliefs, feedback), with an uncertainty head N(mu, sigma^2) that predicts
//                the agent's coordination error; sigma^2 is the U fed back at the next step
//   planning     GNN over the sub-goal nodes (dependency edges both ways) -> Sigma_{t+1} = softmax
//   execution    pointer policy over the sub-goal nodes from (node, e_i, f_i) plus the planning logits
// and a centralised critic on the team state (MAPPO). Ablation modes switch parts off.
#pragma once

#include <torch/torch.h>

#include <string>

namespace labkit::remalis_train {

enum class CommMode { kSingleAgent, kNone, kBroadcast, kPropagation, kFull };
CommMode comm_mode_from(const std::string& name);  // single_agent | none | broadcast | propagation | full

struct ModelSizes {
  int64_t agent_features, nodes, node_features, state_features;
  int64_t hidden, heads, planning_layers, critic_hidden;
};

// The recurrent state carried between steps (detached; stored with each rollout step).
struct Recurrent {
  torch::Tensor intention;    // [B, N, H]
  torch::Tensor messages;     // [B, E, H], one per directed edge
  torch::Tensor uncertainty;  // [B, N]
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
  Recurrent next;
};

// One graph-attention layer with `heads` heads over a dense agent graph, LeakyReLU slope 0.2, heads
// concatenated. x [B, N, F], adj [N, N] (1 = edge j -> i in row i; self loops expected). Exposed for the
// float64 test. Weights: w [heads, F, Fo], a_src/a_dst [heads, Fo].
torch::Tensor graph_attention(const torch::Tensor& x, const torch::Tensor& adj, const torch::Tensor& w,
                              const torch::Tensor& a_src, const torch::Tensor& a_dst, double slope = 0.2);

class RemalisNetImpl : public torch::nn::Module {
 public:
  RemalisNetImpl(ModelSizes sizes, CommMode mode, torch::Tensor agent_adj);
  ModelOutput forward(const ModelInput& in);
  torch::Tensor value(const torch::Tensor& state);  // [B, S] -> [B] (normalised)
  Recurrent initial_state(int64_t batch) const;
  int64_t edges() const { return edge_src_.size(0); }

 private:
  ModelSizes s_;
  CommMode mode_;
  torch::Tensor adj_, edge_src_, edge_dst_, in_degree_;
  torch::nn::Linear agent_in{nullptr}, node_in{nullptr}, intent_score{nullptr}, broadcast{nullptr};
  torch::nn::GRUCell intention{nullptr}, channel{nullptr};
  torch::nn::Linear exec_in{nullptr};
  torch::Tensor gat_w, gat_src, gat_dst;
  torch::nn::Linear ground{nullptr}, unc_head{nullptr}, ctx_to_nodes{nullptr};
  torch::nn::ModuleList plan_self{nullptr}, plan_fwd{nullptr}, plan_back{nullptr};
  torch::nn::Linear plan_out{nullptr}, exec_hidden{nullptr}, exec_out{nullptr};
  torch::nn::Sequential critic{nullptr};
};
TORCH_MODULE(RemalisNet);

}  // namespace labkit::remalis_train
