#include "trainer.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "episode_stats.h"
#include "gae.h"
#include "labkit/core/atomic_file.h"
#include "labkit/core/checkpoint_dir.h"
#include "labkit/core/curves.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/core/progress.h"
#include "labkit/core/settings.h"
#include "labkit/core/termination.h"
#include "labkit/distributed/process_group.h"
#include "labkit/distributed/replicas.h"
#include "labkit/torchutil/archive_file.h"
#include "model.h"
#include "seeds.h"

namespace labkit::remalis_train {

namespace fs = std::filesystem;

namespace {

// Everything the update needs about one team step of one episode (batch dimension 1).
struct StepRecord {
  torch::Tensor agent, nodes, node_adj, mask, last_error, intention, messages, uncertainty, confusion, state;
  torch::Tensor actions, logp, agent_error;  // [1, N]
  double value = 0, reward = 0;
  bool done = false;
};

struct Batch {
  ModelInput input;
  torch::Tensor state, actions, logp, agent_error, advantages, returns;
};

torch::Tensor floats(const std::vector<float>& v, std::vector<int64_t> shape) {
  return torch::from_blob(const_cast<float*>(v.data()), shape, torch::kFloat).clone();
}

// One action per agent from probs [B, N, M]: argmax, or inverse-CDF sampling with `rng` (rounding can
// leave the draw above the total: then the last allowed action).
torch::Tensor sample_actions(const torch::Tensor& probs, bool greedy, SplitMix& rng) {
  const int64_t B = probs.size(0), N = probs.size(1), M = probs.size(2);
  auto actions = torch::zeros({B, N}, torch::kLong);
  auto pa = probs.accessor<float, 3>();
  auto aa = actions.accessor<int64_t, 2>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < N; ++i) {
      int64_t pick = 0;
      if (greedy) {
        for (int64_t k = 1; k < M; ++k)
          if (pa[b][i][k] > pa[b][i][pick]) pick = k;
      } else {
        const double r = rng.uniform();
        double acc = 0;
        pick = -1;
        for (int64_t k = 0; k < M; ++k) {
          if (pa[b][i][k] <= 0) continue;
          pick = k;
          acc += pa[b][i][k];
          if (r < acc) break;
        }
      }
      aa[b][i] = pick;
    }
  return actions;
}

// One live episode during a rollout: its environment, recurrent state, records and return.
struct Live {
  MultiAgentEnv* env;
  Recurrent state;
  torch::Tensor last_error;
  std::vector<StepRecord> records;
  double episode_return = 0;
  int64_t index = 0;
  bool lost = false;
  nlohmann::json log = nlohmann::json::array();
  nlohmann::json metrics;  // the environment's episode metrics, taken when the episode ends
};

}  // namespace

struct Trainer::Impl {
  Settings s;
  EnvFactory make_env;
  uint64_t seed;
  std::string dir;
  EnvShape shape;
  std::vector<std::unique_ptr<MultiAgentEnv>> envs;
  RemalisNet net{nullptr};
  std::unique_ptr<torch::optim::Adam> opt;
  ValueNormaliser vnorm;
  int64_t next_iteration = 0, lost_in_a_row = 0, lost_total = 0;
  std::string last_loss;
  nlohmann::json curves = nlohmann::json::object();
  // Data-parallel rollouts (WORLD_SIZE > 1): each rank runs its share of every iteration's episodes, the
  // value and advantage statistics are summed over ranks, and gradients are averaged, so the replicas stay
  // identical. Null for one process.
  std::unique_ptr<distributed::ProcessGroup> group;

  int rank() const { return group ? group->rank() : 0; }
  int world() const { return group ? group->world_size() : 1; }


  Impl(const Settings& st, EnvFactory f, uint64_t sd, std::string d)
      : s(st), make_env(std::move(f)), seed(sd), dir(std::move(d)), vnorm(st.train.value_norm_beta) {}

  MultiAgentEnv& env(size_t i) {
    while (envs.size() <= i) envs.push_back(make_env());
    return *envs[i];
  }

  ModelInput stack_input(const std::vector<Live*>& live, const std::vector<Observation>& obs) const {
    const int64_t N = shape.agents, M = shape.nodes;
    std::vector<torch::Tensor> a, n, adj, mask, err, z, m, u, cm;
    for (size_t i = 0; i < live.size(); ++i) {
      const auto& o = obs[i];
      a.push_back(floats(o.agent, {1, N, shape.agent_features}));
      n.push_back(floats(o.nodes, {1, N, M, shape.node_features}));
      adj.push_back(floats(o.node_adj, {1, N, M, M}));
      mask.push_back(torch::from_blob(const_cast<uint8_t*>(o.mask.data()), {1, N, M}, torch::kUInt8).to(torch::kBool));
      err.push_back(live[i]->last_error);
      z.push_back(live[i]->state.intention);
      m.push_back(live[i]->state.messages);
      u.push_back(live[i]->state.uncertainty);
      cm.push_back(live[i]->state.confusion);
    }
    return {torch::cat(a), torch::cat(n), torch::cat(adj), torch::cat(mask), torch::cat(err),
            {torch::cat(z), torch::cat(m), torch::cat(u), torch::cat(cm)}};
  }

  // Runs the episodes [first, first + count) of one iteration side by side; sampled actions (greedy when
  // `greedy`) from `rng`. Fills `done` with finished episodes (lost ones are dropped and counted).
  // Kept as one piece: reset, lockstep send/receive and recording all walk the same live list.
  void run_wave(int64_t first, int64_t count, uint64_t episode_seed_base, bool greedy, SplitMix& rng,
                std::vector<Live>& done, bool keep_log) {
    std::vector<Live> live(count);
    for (int64_t i = 0; i < count; ++i) {
      live[i].env = &env(i);
      live[i].index = first + i;
      live[i].state = net->initial_state(1);
      live[i].last_error = torch::zeros({1, shape.agents});
      try {
        live[i].env->reset(mix_seed(episode_seed_base, static_cast<uint64_t>(first + i)));
      } catch (const EpisodeLost& e) {
        live[i].lost = true;
        last_loss = e.what();
        log::warn("episode {} lost at its start: {}", first + i, e.what());
      }
    }
    torch::NoGradGuard no_grad;
    for (;;) {
      std::vector<Live*> active;
      for (auto& l : live)
        if (!l.lost && (l.records.empty() || !l.records.back().done)) active.push_back(&l);
      if (active.empty()) break;
      std::vector<Observation> obs;
      for (auto* l : active) obs.push_back(l->env->observe());
      auto input = stack_input(active, obs);
      const auto out = net->forward(input);
      std::vector<torch::Tensor> states;
      for (const auto& o : obs) states.push_back(floats(o.state, {1, shape.state_features}));
      const auto state = torch::cat(states);
      const auto values = net->value(state);
      const auto logp_all = torch::log_softmax(out.logits, -1);
      const auto actions = sample_actions(logp_all.exp().contiguous(), greedy, rng);
      const int64_t N = shape.agents;
      auto aa = actions.accessor<int64_t, 2>();
      const auto logp = logp_all.gather(-1, actions.unsqueeze(-1)).squeeze(-1);
      for (size_t b = 0; b < active.size(); ++b) {
        std::vector<int> act(N);
        for (int64_t i = 0; i < N; ++i) act[i] = static_cast<int>(aa[b][i]);
        active[b]->env->send_step(act);
      }
      for (size_t b = 0; b < active.size(); ++b) {
        Live& l = *active[b];
        StepOutcome o;
        try {
          o = l.env->receive_step();
        } catch (const EpisodeLost& e) {
          l.lost = true;
          last_loss = e.what();
          log::warn("episode {} lost after {} steps: {}", l.index, l.records.size(), e.what());
          continue;
        }
        const auto bi = static_cast<int64_t>(b);
        StepRecord r;
        r.agent = input.agent.narrow(0, bi, 1);
        r.nodes = input.nodes.narrow(0, bi, 1);
        r.node_adj = input.node_adj.narrow(0, bi, 1);
        r.mask = input.mask.narrow(0, bi, 1);
        r.last_error = input.last_error.narrow(0, bi, 1);
        r.intention = input.state.intention.narrow(0, bi, 1);
        r.messages = input.state.messages.narrow(0, bi, 1);
        r.uncertainty = input.state.uncertainty.narrow(0, bi, 1);
        r.confusion = input.state.confusion.narrow(0, bi, 1);
        r.state = state.narrow(0, bi, 1);
        r.actions = actions.narrow(0, bi, 1);
        r.logp = logp.narrow(0, bi, 1);
        r.agent_error = floats(o.agent_error, {1, N});
        r.value = vnorm.denormalise(values[bi].item<double>());
        r.reward = o.reward;
        r.done = o.done;
        l.episode_return += o.reward;
        if (keep_log)
          l.log.push_back({{"episode", l.index}, {"step", l.records.size()}, {"actions", std::vector<int>(aa[b].data(), aa[b].data() + N)},
                           {"reward", o.reward}, {"miscoordination", o.miscoordination}});
        // Algorithm 1 step 8: the confusion memory counts this step's confusions (Eq. 12).
        auto confusion = r.confusion;
        if (net->modules_in_use().confusion)
          confusion = update_confusion_memory(confusion, r.actions, r.agent_error, net->adjacency(), shape.shared_nodes);
        l.state = {out.next.intention.narrow(0, bi, 1), out.next.messages.narrow(0, bi, 1), out.next.uncertainty.narrow(0, bi, 1),
                   confusion};
        l.last_error = r.agent_error;
        l.records.push_back(std::move(r));
        if (o.done) l.metrics = l.env->episode_metrics();
      }
    }
    for (auto& l : live) {
      if (l.lost) {
        ++lost_total;
        ++lost_in_a_row;
        if (s.train.max_lost_episodes >= 0 && lost_in_a_row > s.train.max_lost_episodes)
          throw std::runtime_error(fmt::format("{} episode(s) in a row lost, more than train.max_lost_episodes; stopping. Last: {}",
                                               lost_in_a_row, last_loss));
        continue;
      }
      lost_in_a_row = 0;
      done.push_back(std::move(l));
    }
  }

  // Episodes [begin, end) of a set seeded by `seed_base`.
  std::vector<Live> run_episodes(int64_t begin, int64_t end, uint64_t seed_base, bool greedy, uint64_t rng_seed, bool keep_log) {
    SplitMix rng(rng_seed);
    std::vector<Live> done;
    for (int64_t first = begin; first < end; first += s.train.parallel_envs)
      run_wave(first, std::min(s.train.parallel_envs, end - first), seed_base, greedy, rng, done, keep_log);
    return done;
  }

  Batch build_batch(std::vector<Live>& episodes) {
    std::vector<double> returns, advantages;
    std::vector<StepRecord*> recs;
    for (auto& e : episodes) {
      std::vector<double> r, v;
      std::vector<uint8_t> d;
      for (auto& rec : e.records) {
        r.push_back(rec.reward);
        v.push_back(rec.value);
        d.push_back(rec.done ? 1 : 0);
        recs.push_back(&rec);
      }
      const auto adv = gae_advantages(r, v, d, 0.0, s.train.gamma, s.train.gae_lambda);
      for (size_t t = 0; t < adv.size(); ++t) {
        advantages.push_back(adv[t]);
        returns.push_back(adv[t] + v[t]);
      }
    }
    std::vector<double> sums{0, 0, static_cast<double>(returns.size()), 0, 0};
    for (double x : returns) {
      sums[0] += x;
      sums[1] += x * x;
    }
    for (double x : advantages) {
      sums[3] += x;
      sums[4] += x * x;
    }
    if (group) sums = distributed::sum_over_ranks(*group, sums);
    vnorm.update_from_sums(sums[0], sums[1], sums[2]);
    std::vector<double> ret_norm;
    for (double x : returns) ret_norm.push_back(vnorm.normalise(x));
    auto cat = [&](auto field) {
      std::vector<torch::Tensor> v;
      for (auto* r : recs) v.push_back(field(*r));
      return torch::cat(v);
    };
    Batch b;
    b.input = {cat([](StepRecord& r) { return r.agent; }), cat([](StepRecord& r) { return r.nodes; }),
               cat([](StepRecord& r) { return r.node_adj; }), cat([](StepRecord& r) { return r.mask; }),
               cat([](StepRecord& r) { return r.last_error; }),
               {cat([](StepRecord& r) { return r.intention; }), cat([](StepRecord& r) { return r.messages; }),
                cat([](StepRecord& r) { return r.uncertainty; }), cat([](StepRecord& r) { return r.confusion; })}};
    b.state = cat([](StepRecord& r) { return r.state; });
    b.actions = cat([](StepRecord& r) { return r.actions; });
    b.logp = cat([](StepRecord& r) { return r.logp; });
    b.agent_error = cat([](StepRecord& r) { return r.agent_error; });
    // Advantages normalised with the whole iteration's mean and (population) standard deviation: over all
    // ranks from the summed moments; in one process as before (float, so runs stay comparable).
    if (group) {
      const double n = std::max(sums[2], 1.0), mean = sums[3] / n, sd = std::sqrt(std::max(sums[4] / n - mean * mean, 0.0));
      b.advantages = ((torch::tensor(advantages, torch::kDouble) - mean) / (sd + 1e-8)).to(torch::kFloat);
    } else {
      const auto adv = torch::tensor(advantages, torch::kDouble).to(torch::kFloat);
      b.advantages = (adv - adv.mean()) / (adv.std(/*unbiased=*/false) + 1e-8);
    }
    b.returns = torch::tensor(ret_norm, torch::kDouble).to(torch::kFloat);
    return b;
  }

  // PPO epochs over shuffled minibatches; returns the mean losses.
  nlohmann::json update(const Batch& b, int64_t iteration) {
    const int64_t S = b.actions.size(0);
    // With several ranks every rank must make the same number of steps (each one an all-reduce), whatever
    // its batch size: exactly `minibatches` slices of ceil(S / minibatches).
    const int64_t mb = group ? (S + s.train.minibatches - 1) / s.train.minibatches : std::max<int64_t>(1, S / s.train.minibatches);
    double pl = 0, vl = 0, ent = 0, ul = 0, plan = 0, imit = 0, conf = 0, mate = 0;
    const auto& mods = net->modules_in_use();
    int64_t steps = 0;
    for (int64_t epoch = 0; epoch < s.train.epochs; ++epoch) {
      SplitMix rng(mix_seed(mix_seed(seed, 0xb00 + static_cast<uint64_t>(iteration)), static_cast<uint64_t>(epoch)));
      std::vector<int64_t> perm(S);
      for (int64_t i = 0; i < S; ++i) perm[i] = i;
      for (int64_t i = S - 1; i > 0; --i) std::swap(perm[i], perm[rng.next() % static_cast<uint64_t>(i + 1)]);
      const int64_t steps_per_epoch = group ? s.train.minibatches : (S + mb - 1) / mb;
      for (int64_t k = 0; k < steps_per_epoch; ++k) {
        int64_t start = k * mb, len = std::min(mb, S - start);
        if (len <= 0) start = 0, len = std::min(mb, S);  // a rank with fewer steps than minibatches repeats a slice
        const auto idx = torch::tensor(std::vector<int64_t>(perm.begin() + start, perm.begin() + start + len), torch::kLong);
        auto sel = [&](const torch::Tensor& t) { return t.index_select(0, idx); };
        ModelInput in{sel(b.input.agent), sel(b.input.nodes), sel(b.input.node_adj), sel(b.input.mask), sel(b.input.last_error),
                      {sel(b.input.state.intention), sel(b.input.state.messages), sel(b.input.state.uncertainty),
                       sel(b.input.state.confusion)}};
        const auto out = net->forward(in);
        const auto logp_all = torch::log_softmax(out.logits, -1);
        const auto actions = sel(b.actions);
        const auto logp = logp_all.gather(-1, actions.unsqueeze(-1)).squeeze(-1);
        const auto adv = sel(b.advantages).unsqueeze(-1);
        const auto ratio = (logp - sel(b.logp)).exp();
        const auto policy_loss = -torch::min(ratio * adv, ratio.clamp(1 - s.train.clip, 1 + s.train.clip) * adv).mean();
        const auto entropy = -(logp_all.exp() * logp_all).sum(-1).mean();
        const auto value_loss = (net->value(sel(b.state)) - sel(b.returns)).pow(2).mean();
        const auto err = sel(b.agent_error);
        const auto unc_loss = (0.5 * (out.error_logvar + (err - out.error_mean).pow(2) / out.error_logvar.exp())).mean();
        // Planning likelihood of the sub-goals that worked: no coordination error and a positive advantage.
        const auto good = ((err < 0.5) & (adv > 0).expand_as(err)).to(torch::kFloat);
        const auto plan_nll = -torch::log_softmax(out.planning_logits, -1).gather(-1, actions.unsqueeze(-1)).squeeze(-1);
        const auto plan_loss = (plan_nll * good).sum() / good.sum().clamp_min(1.0);
        auto loss = policy_loss - s.train.entropy * entropy + s.train.value_coef * value_loss +
                    s.train.uncertainty_coef * unc_loss + s.train.planning_coef * plan_loss;
        // Eq. 8: the state-only policy imitates the feedback-informed one.
        if (out.state_only_logits.defined()) {
          const auto l = imitation_loss(out.state_only_logits, out.logits);
          loss = loss + s.train.imitation_coef * l;
          imit += l.item<double>();
        }
        // Eq. 11: the chance that teammates pick one sub-goal, weighted by the (confusion-biased) feedback
        // attention, which is held fixed here: the loss pushes the policies apart, not the attention.
        if (mods.confusion && shape.shared_nodes && out.attention.defined()) {
          const auto l = confusion_loss(logp_all.exp(), out.attention.detach(), shape.idle_node);
          loss = loss + s.train.confusion_coef * l;
          conf += l.item<double>();
        }
        if (out.teammate_logp.defined() && shape.shared_nodes) {
          const auto l = teammate_loss(out.teammate_logp, actions, err, net->adjacency(), shape.idle_node);
          loss = loss + s.train.teammate_coef * l;
          mate += l.item<double>();
        }
        opt->zero_grad();
        loss.backward();
        if (group) distributed::reduce_gradients(*group, net->parameters());
        if (s.train.grad_clip > 0) torch::nn::utils::clip_grad_norm_(net->parameters(), s.train.grad_clip);
        opt->step();
        pl += policy_loss.item<double>();
        vl += value_loss.item<double>();
        ent += entropy.item<double>();
        ul += unc_loss.item<double>();
        plan += plan_loss.item<double>();
        ++steps;
      }
    }
    const double n = static_cast<double>(std::max<int64_t>(steps, 1));
    nlohmann::json losses{{"policy_loss", pl / n}, {"value_loss", vl / n}, {"entropy", ent / n}, {"uncertainty_loss", ul / n},
                          {"planning_loss", plan / n}};
    if (mods.imitation) losses["imitation_loss"] = imit / n;
    if (mods.confusion && shape.shared_nodes) losses["confusion_loss"] = conf / n;
    if (mods.desired_teammate && shape.shared_nodes) losses["teammate_loss"] = mate / n;
    return losses;
  }

  void save_checkpoint() {
    const fs::path root(dir);
    const std::string name = fmt::format("iter-{:08d}", next_iteration);
    fs::create_directories(root / name);
    torchutil::save_archive_atomically((root / name / "model.pt").string(),
                                       [&](torch::serialize::OutputArchive& ar) { net->save(ar); });
    torchutil::save_archive_atomically((root / name / "optimizer.pt").string(),
                                       [&](torch::serialize::OutputArchive& ar) { opt->save(ar); });
    const nlohmann::json j{{"next_iteration", next_iteration}, {"dir", name}, {"value_norm", vnorm.state()},
                           {"curves", curves}, {"lost_episodes", lost_total}};
    commit_checkpoint(root.string(), name, j.dump());
  }

  void load_checkpoint() {
    const fs::path root(dir), latest = root / "latest.json";
    if (!fs::exists(latest)) return;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(read_file(latest.string()));
      next_iteration = j.at("next_iteration").get<int64_t>();
      vnorm.set_state(j.at("value_norm").get<std::vector<double>>());
      curves = j.at("curves");
      lost_total = j.at("lost_episodes").get<int64_t>();
      if (next_iteration < 0 || next_iteration > s.train.iterations || j.at("dir") != fmt::format("iter-{:08d}", next_iteration))
        throw std::runtime_error("iteration does not fit this run");
    } catch (const std::exception& e) {
      throw input_error(latest.string(), std::string("not a remalis-train checkpoint index: ") + e.what());
    }
    const fs::path d = root / j.at("dir").get<std::string>();
    torchutil::load_archive((d / "model.pt").string(), [&](torch::serialize::InputArchive& ar) { net->load(ar); });
    torchutil::load_archive((d / "optimizer.pt").string(), [&](torch::serialize::InputArchive& ar) { opt->load(ar); });
    log::info("resuming at iteration {}", next_iteration);
  }
};

Trainer::Trainer(const Settings& s, EnvFactory make_env, uint64_t seed, std::string checkpoint_dir, bool resume)
    : impl_(std::make_unique<Impl>(s, std::move(make_env), seed, std::move(checkpoint_dir))) {
  auto& m = *impl_;
  auto& first = m.env(0);
  m.shape = first.shape();
  const auto graph = first.agent_graph();
  torch::manual_seed(seed);
  const ModelSizes sizes{m.shape.agent_features, m.shape.nodes, m.shape.node_features, m.shape.state_features,
                         s.agents.hidden, s.agents.heads, s.agents.planning_layers, s.agents.critic_hidden,
                         m.shape.shared_nodes, m.shape.idle_node};
  ModuleSwitches modules;
  modules.desired_teammate = s.agents.desired_teammate;
  modules.recursion_depth = s.agents.recursion_depth;
  modules.confusion = s.agents.confusion;
  modules.confusion_lambda = s.agents.confusion_lambda;
  modules.vocabulary = s.agents.vocabulary;
  modules.imitation = s.train.imitation_coef > 0;
  m.net = RemalisNet(sizes, comm_mode_from(s.agents.communication), floats(graph, {m.shape.agents, m.shape.agents}), modules);
  m.opt = std::make_unique<torch::optim::Adam>(m.net->parameters(), torch::optim::AdamOptions(s.train.lr).eps(1e-5));
  const auto launch = distributed::launch_env_from_environment();
  if (launch.world_size > 1) {
    if (s.train.episodes_per_iteration % launch.world_size != 0)
      throw config_error("train.episodes_per_iteration", fmt::format("must be a multiple of the world size ({})", launch.world_size));
    m.group = distributed::ProcessGroup::create(launch, torch::kCPU);
  }
  if (resume) m.load_checkpoint();
}

Trainer::~Trainer() = default;

// The iteration loop: rollout, update, curves, checkpoint, SIGTERM; one piece so the order of those
// steps (which exact resume depends on) is visible in one place.
nlohmann::json Trainer::train(const std::string& label) {
  auto& m = *impl_;
  install_sigterm_handler();
  Progress progress(label, m.s.train.iterations, "it");
  progress.set(m.next_iteration);
  int64_t samples = 0, env_steps = 0;
  double seconds = 0;
  for (; m.next_iteration < m.s.train.iterations;) {
    const int64_t it = m.next_iteration;
    const auto t0 = std::chrono::steady_clock::now();
    // This rank's share of the iteration's episodes; the action-sampling stream is per rank.
    const int64_t E = m.s.train.episodes_per_iteration, share = E / m.world();
    uint64_t rng_seed = mix_seed(m.seed, 0x2000 + static_cast<uint64_t>(it));
    if (m.world() > 1) rng_seed = mix_seed(rng_seed, 0xd00 + static_cast<uint64_t>(m.rank()));
    auto episodes = m.run_episodes(m.rank() * share, (m.rank() + 1) * share, mix_seed(m.seed, 0x1000 + static_cast<uint64_t>(it)), false,
                                   rng_seed, false);
    EpisodeStats stats;
    for (const auto& e : episodes) stats.add(e.metrics, e.episode_return);
    nlohmann::json losses = nlohmann::json::object();
    // The update is a chain of collectives: when any rank lost every episode of this iteration, every
    // rank skips it (one rank skipping alone would leave the others waiting in the all-reduce).
    const bool some_rank_empty = m.group ? distributed::any_rank(*m.group, episodes.empty()) : episodes.empty();
    if (some_rank_empty && !episodes.empty()) log::warn("iteration {}: another rank lost every episode; no update", it + 1);
    if (!some_rank_empty) {
      const auto batch = m.build_batch(episodes);
      losses = m.update(batch, it);
      samples += batch.actions.numel();
      env_steps += batch.actions.size(0);
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double x = static_cast<double>(it + 1);
    const auto means = stats.means();
    if (means.contains("return")) add_curve_point(m.curves, "episode return", "iteration", "train", x, means["return"].get<double>());
    for (const char* k : {"success", "aligned_subtasks", "miscoordination", "mean_travel_time", "wasted_green_share"})
      if (means.contains(k)) add_curve_point(m.curves, "episode metrics", "iteration", k, x, means[k].get<double>());
    for (const auto& [k, v] : losses.items()) add_curve_point(m.curves, "losses", "iteration", k, x, v.get<double>());
    m.next_iteration = it + 1;
    progress.set(m.next_iteration);
    const bool last = m.next_iteration == m.s.train.iterations;
    // A SIGTERM seen by any rank stops every rank after the same iteration.
    const bool stop = m.group ? distributed::any_rank(*m.group, sigterm_received()) : sigterm_received();
    if (last || m.next_iteration % m.s.train.checkpoint_every == 0 || stop) m.save_checkpoint();
    if (stop && !last)
      throw std::runtime_error(fmt::format("SIGTERM: checkpoint written at iteration {}; --resume continues", m.next_iteration));
  }
  progress.finish();
  int64_t params = 0;
  for (const auto& p : m.net->parameters()) params += p.numel();
  const auto& used = m.net->modules_in_use();
  const nlohmann::json modules{{"desired_teammate", used.desired_teammate}, {"recursion_depth", used.recursion_depth},
                               {"confusion", used.confusion}, {"vocabulary", used.vocabulary}, {"imitation", used.imitation}};
  const nlohmann::json dist{{"rank", m.rank()}, {"world_size", m.world()}, {"backend", m.group ? m.group->backend() : "none"}};
  return {{"curves", m.curves}, {"parameters", params}, {"lost_episodes", m.lost_total}, {"modules", modules}, {"distributed", dist},
          {"samples_per_second", seconds > 0 ? static_cast<double>(samples) / seconds : 0.0},
          {"env_steps_per_second", seconds > 0 ? static_cast<double>(env_steps) / seconds : 0.0}};
}

nlohmann::json Trainer::evaluate(int64_t episodes, const std::string& log_path, int64_t log_episodes) {
  auto& m = *impl_;
  m.net->eval();
  const auto done = m.run_episodes(0, episodes, mix_seed(m.seed, 0xe7a1), m.s.eval_greedy, mix_seed(m.seed, 0xe7a2), !log_path.empty());
  EpisodeStats stats;
  std::string lines;
  for (const auto& e : done) {
    stats.add(e.metrics, e.episode_return);
    if (e.index < log_episodes) {
      for (const auto& step : e.log) lines += step.dump() + "\n";
      lines += nlohmann::json{{"episode", e.index}, {"return", e.episode_return}, {"metrics", e.metrics}}.dump() + "\n";
    }
  }
  if (!log_path.empty()) write_file_atomically(log_path, lines);
  auto out = stats.means();
  out["lost_episodes"] = episodes - stats.episodes();
  m.net->train();
  return out;
}

void Trainer::save_weights(const std::string& path) const {
  torchutil::save_archive_atomically(path, [&](torch::serialize::OutputArchive& ar) { impl_->net->save(ar); });
}

}  // namespace labkit::remalis_train
