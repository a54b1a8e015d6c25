#include "model.h"

#include "labkit/core/error.h"

namespace labkit::remalis_train {

CommMode comm_mode_from(const std::string& name) {
  if (name == "single_agent") return CommMode::kSingleAgent;
  if (name == "none") return CommMode::kNone;
  if (name == "broadcast") return CommMode::kBroadcast;
  if (name == "propagation") return CommMode::kPropagation;
  if (name == "full") return CommMode::kFull;
  throw labkit::InputError("config agents.communication: unknown mode \"" + name + "\"");
}

namespace {

// The modules a communication mode can carry: the desired teammate travels in the broadcast and level-k
// reasoning reads teammates' policies, so both need messages; the confusion bias acts on the feedback
// attention and Eq. 8 compares the policy with and without feedback, so both need the GAT.
ModuleSwitches usable(ModuleSwitches m, CommMode mode) {
  const bool messages = mode == CommMode::kBroadcast || mode == CommMode::kPropagation || mode == CommMode::kFull;
  const bool feedback = mode == CommMode::kFull;
  if (!messages) {
    m.desired_teammate = false;
    m.recursion_depth = 0;
  }
  if (!feedback) {
    m.confusion = false;
    m.imitation = false;
  }
  return m;
}

}  // namespace

RemalisNetImpl::RemalisNetImpl(ModelSizes s, CommMode mode, torch::Tensor agent_adj, ModuleSwitches modules)
    : s_(s), mode_(mode), m_(usable(modules, mode)) {
  const int64_t H = s.hidden;
  if (H % s.heads != 0) throw labkit::InputError("config agents.hidden: must be a multiple of agents.heads");
  adj_ = register_buffer("adj", agent_adj.to(torch::kFloat));
  const auto n = agent_adj.size(0);
  std::vector<int64_t> src, dst;
  std::vector<float> deg(n, 0.0f);
  auto acc = agent_adj.accessor<float, 2>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (i != j && acc[i][j] > 0) {
        src.push_back(j);
        dst.push_back(i);
        deg[i] += 1;
      }
  for (auto& d : deg) d = std::max(d, 1.0f);
  edge_src_ = register_buffer("edge_src", torch::tensor(src, torch::kLong));
  edge_dst_ = register_buffer("edge_dst", torch::tensor(dst, torch::kLong));
  in_degree_ = register_buffer("in_degree", torch::tensor(deg));

  agent_in = register_module("agent_in", torch::nn::Linear(s.agent_features, H));
  node_in = register_module("node_in", torch::nn::Linear(s.node_features, H));
  intention = register_module("intention", torch::nn::GRUCell(H, H));
  intent_score = register_module("intent_score", torch::nn::Linear(H, H));
  broadcast = register_module("broadcast", torch::nn::Linear((m_.desired_teammate ? 3 : 2) * H, H));
  if (m_.desired_teammate) {
    teammate_query = register_module("teammate_query", torch::nn::Linear(H, H));
    teammate_key = register_module("teammate_key", torch::nn::Linear(H, H));
  }
  if (m_.vocabulary > 0) {
    vocab_query = register_module("vocab_query", torch::nn::Linear(2 * H, H));
    vocabulary = register_parameter("vocabulary", torch::randn({m_.vocabulary, H}) / std::sqrt(static_cast<double>(H)));
    vocab_key = register_parameter("vocab_key", torch::randn({H, H}) / std::sqrt(static_cast<double>(H)));
    vocab_value = register_parameter("vocab_value", torch::randn({H, H}) / std::sqrt(static_cast<double>(H)));
    vocab_out = register_module("vocab_out", torch::nn::Linear(H, H));
  }
  channel = register_module("channel", torch::nn::GRUCell(2 * H, H));
  exec_in = register_module("exec_in", torch::nn::Linear(2 * H + 2, H));
  gat_w = register_parameter("gat_w", torch::randn({s.heads, H, H / s.heads}) * std::sqrt(2.0 / (2 * H / s.heads)));
  gat_src = register_parameter("gat_src", torch::randn({s.heads, H / s.heads}) * 0.1);
  gat_dst = register_parameter("gat_dst", torch::randn({s.heads, H / s.heads}) * 0.1);
  ground = register_module("ground", torch::nn::Linear(3 * H, H));
  unc_head = register_module("uncertainty", torch::nn::Linear(H, 2));
  ctx_to_nodes = register_module("ctx_to_nodes", torch::nn::Linear(H, H));
  plan_self = register_module("plan_self", torch::nn::ModuleList());
  plan_fwd = register_module("plan_fwd", torch::nn::ModuleList());
  plan_back = register_module("plan_back", torch::nn::ModuleList());
  for (int64_t l = 0; l < s.planning_layers; ++l) {
    plan_self->push_back(torch::nn::Linear(H, H));
    plan_fwd->push_back(torch::nn::Linear(torch::nn::LinearOptions(H, H).bias(false)));
    plan_back->push_back(torch::nn::Linear(torch::nn::LinearOptions(H, H).bias(false)));
  }
  plan_out = register_module("plan_out", torch::nn::Linear(H, 1));
  // Level-k reasoning adds the teammates' expected sub-goal embedding (H) and, on shared nodes, their
  // occupancy of each node (1) to the execution head's input.
  const int64_t extra = m_.recursion_depth > 0 ? H + 1 : 0;
  if (m_.recursion_depth > 0) team_in = register_module("team_in", torch::nn::Linear(H, H));
  exec_hidden = register_module("exec_hidden", torch::nn::Linear(3 * H + extra, H));
  exec_out = register_module("exec_out", torch::nn::Linear(H, 1));
  critic = register_module("critic", torch::nn::Sequential(torch::nn::Linear(s.state_features, s.critic_hidden), torch::nn::Tanh(),
                                                           torch::nn::Linear(s.critic_hidden, s.critic_hidden), torch::nn::Tanh(),
                                                           torch::nn::Linear(s.critic_hidden, 1)));
}

Recurrent RemalisNetImpl::initial_state(int64_t batch) const {
  const auto n = adj_.size(0);
  return {torch::zeros({batch, n, s_.hidden}), torch::zeros({batch, edges(), s_.hidden}), torch::zeros({batch, n}),
          torch::zeros({batch, n, n})};
}

torch::Tensor RemalisNetImpl::value(const torch::Tensor& state) { return critic->forward(state).squeeze(-1); }

namespace {
torch::Tensor masked_logits(const torch::Tensor& logits, const torch::Tensor& mask) {
  return logits.masked_fill(mask.logical_not(), -1e9);
}
}  // namespace

torch::Tensor RemalisNetImpl::execution_logits(const torch::Tensor& xs, const torch::Tensor& e, const torch::Tensor& f,
                                               const torch::Tensor& team, const torch::Tensor& occupancy,
                                               const torch::Tensor& plan_logits, const torch::Tensor& mask) {
  const auto sizes = xs.sizes();
  std::vector<torch::Tensor> parts{xs, e.unsqueeze(2).expand(sizes), f.unsqueeze(2).expand(sizes)};
  if (m_.recursion_depth > 0) {
    parts.push_back(team.unsqueeze(2).expand(sizes));
    parts.push_back(occupancy.unsqueeze(-1));
  }
  const auto q = torch::tanh(exec_hidden(torch::cat(parts, -1)));
  return masked_logits(exec_out(q).squeeze(-1) + plan_logits, mask);
}

// The whole per-step pass of Algorithm 1 (infer intentions, propagate, ground with feedback, plan, act);
// the stages share many intermediate tensors, so it is one piece.
ModelOutput RemalisNetImpl::forward(const ModelInput& in) {
  const int64_t B = in.agent.size(0), N = in.agent.size(1), M = in.nodes.size(2), H = s_.hidden;
  const auto maskf = in.mask.to(torch::kFloat).unsqueeze(-1);
  const auto hn = torch::relu(node_in(in.nodes));                                   // [B, N, M, H]
  const auto pooled = (hn * maskf).sum(2) / maskf.sum(2).clamp_min(1.0);
  const auto h = torch::relu(agent_in(in.agent) + pooled);                           // [B, N, H]

  // Intention: z_i, pi_i(sigma) over the next sub-goal, and the broadcast b_i of what it intends.
  const auto z = intention(h.reshape({B * N, H}), in.state.intention.reshape({B * N, H})).reshape({B, N, H});
  const auto intent_logits = masked_logits((hn * intent_score(z).unsqueeze(2)).sum(-1), in.mask);
  const auto pi = torch::softmax(intent_logits, -1);
  const auto intended = (pi.unsqueeze(-1) * hn).sum(2);
  torch::Tensor b, teammate_logp;
  if (m_.desired_teammate) {
    // delta_i(sigma) over the agents i hears (itself included): which teammate sub-goal sigma needs. The
    // broadcast carries the expected desired teammate under pi_i.
    const auto qd = teammate_query(hn);                                              // [B, N, M, H]
    const auto kd = teammate_key(h);                                                 // [B, N, H]
    auto scores = torch::einsum("bimh,bjh->bimj", {qd, kd}) / std::sqrt(static_cast<double>(H));
    scores = scores.masked_fill((adj_ <= 0).view({1, N, 1, N}), -1e9);
    teammate_logp = torch::log_softmax(scores, -1);                                  // [B, N, M, N]
    const auto desired = torch::einsum("bim,bimj,bjh->bih", {pi, teammate_logp.exp(), h});
    b = torch::tanh(broadcast(torch::cat({z, intended, desired}, -1)));
  } else {
    b = torch::tanh(broadcast(torch::cat({z, intended}, -1)));
  }

  // Beliefs about teammates: GRU-propagated teammate-specific messages, or the raw broadcasts.
  auto c = torch::zeros({B, N, H});
  auto messages = in.state.messages;
  const int64_t E = edges();
  if (E > 0 && (mode_ == CommMode::kPropagation || mode_ == CommMode::kFull)) {
    const auto x = torch::cat({b.index_select(1, edge_src_), h.index_select(1, edge_dst_)}, -1).reshape({B * E, 2 * H});
    messages = channel(x, in.state.messages.reshape({B * E, H})).reshape({B, E, H});
    c = c.index_add(1, edge_dst_, messages) / in_degree_.view({1, N, 1});
  } else if (E > 0 && mode_ == CommMode::kBroadcast) {
    c = c.index_add(1, edge_dst_, b.index_select(1, edge_src_)) / in_degree_.view({1, N, 1});
  }

  // Bidirectional feedback: attention over execution states carrying E_t and U_t.
  // With the confusion memory, Eq. 10's C_t scales each attention weight by (1 + lambda C_t(i,j)) before
  // renormalising: an agent attends more to the teammates it has collided with.
  auto f = torch::zeros({B, N, H});
  torch::Tensor attention;
  if (mode_ == CommMode::kFull) {
    const auto x = torch::relu(exec_in(torch::cat({h, c, in.last_error.unsqueeze(-1), in.state.uncertainty.unsqueeze(-1)}, -1)));
    torch::Tensor bias;
    if (m_.confusion) bias = torch::log1p(m_.confusion_lambda * confusion_matrix(in.state.confusion));
    torch::Tensor alpha;
    f = torch::elu(graph_attention(x, adj_, gat_w, gat_src, gat_dst, 0.2, bias, &alpha));
    attention = alpha.mean(1);
  }

  // Grounding with its uncertainty head.
  // Grounding: e = Conv(Attn(h, V)) + P (Eq. 2) with the 1x1 "Conv" a linear map per agent, P the
  // feedback path; the entropy over the grounded symbols is the uncertainty U fed back.
  auto pre = ground(torch::cat({h, c, f}, -1));
  torch::Tensor symbol_entropy;
  if (m_.vocabulary > 0)
    pre = pre + vocab_out(vocabulary_attention(vocab_query(torch::cat({h, c}, -1)), vocabulary, vocab_key, vocab_value, &symbol_entropy));
  const auto e = torch::relu(pre);
  const auto u = unc_head(e);
  const auto err_mean = u.select(-1, 0);
  const auto err_logvar = u.select(-1, 1).clamp(-6.0, 4.0);

  // Planning GNN over the sub-goals, edges both ways along the dependencies.
  auto xs = hn + ctx_to_nodes(e).unsqueeze(2);
  const auto fwd = in.node_adj / in.node_adj.sum(-1, true).clamp_min(1.0);
  const auto bt = in.node_adj.transpose(-1, -2);
  const auto back = bt / bt.sum(-1, true).clamp_min(1.0);
  for (int64_t l = 0; l < s_.planning_layers; ++l) {
    const auto lin = [&](torch::nn::ModuleList& list) { return list[l]->as<torch::nn::Linear>(); };
    xs = xs + torch::relu(lin(plan_self)->forward(xs) + lin(plan_fwd)->forward(torch::matmul(fwd, xs)) +
                          lin(plan_back)->forward(torch::matmul(back, xs)));
  }
  const auto plan_logits = masked_logits(plan_out(xs).squeeze(-1), in.mask);

  // Execution: a pointer over the planned sub-goals, conditioned on grounding and feedback. Level-k
  // reasoning: level 0 sees no teammate policy; level k sees, over the agent graph, the mean of the
  // teammates' expected sub-goal embeddings under their level k-1 policies and (shared nodes) their
  // summed probability on each node. Every level uses the same weights.
  auto team = torch::zeros({B, N, H});
  auto occupancy = torch::zeros({B, N, M});
  auto logits = execution_logits(xs, e, f, team, occupancy, plan_logits, in.mask);
  if (m_.recursion_depth > 0) {
    const auto hear_others = adj_ * (1.0 - torch::eye(N));
    const auto degree = hear_others.sum(-1, true).clamp_min(1.0);
    for (int64_t k = 1; k <= m_.recursion_depth; ++k) {
      const auto p = torch::softmax(logits, -1);
      const auto expected = torch::relu(team_in((p.unsqueeze(-1) * xs).sum(2)));     // [B, N, H]
      team = torch::matmul((hear_others / degree).unsqueeze(0), expected);
      occupancy = s_.shared_nodes ? teammate_occupancy(p, adj_, s_.idle_node) : torch::zeros({B, N, M});
      logits = execution_logits(xs, e, f, team, occupancy, plan_logits, in.mask);
    }
  }
  ModelOutput out;
  out.logits = logits;
  out.planning_logits = plan_logits;
  out.error_mean = err_mean;
  out.error_logvar = err_logvar;
  out.teammate_logp = teammate_logp;
  out.attention = attention;
  if (m_.imitation) out.state_only_logits = execution_logits(xs, e, torch::zeros_like(f), team, occupancy, plan_logits, in.mask);
  const auto uncertainty = m_.vocabulary > 0 ? symbol_entropy : err_logvar.exp();
  out.next = {z.detach(), messages.detach(), uncertainty.detach(), in.state.confusion};
  return out;
}

}  // namespace labkit::remalis_train
