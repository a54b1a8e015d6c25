#include "task_env.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "labkit/core/settings.h"

namespace labkit::remalis_train {

TaskLevel task_level(const std::string& name, bool single_agent, const std::string& key) {
  // The step limit leaves a team that splits the work cleanly two steps of slack over what the task's
  // dependencies and total work force; one agent doing all the work alone rarely fits in it.
  TaskLevel l;
  if (name == "easy")
    l = {name, 3, 4, 3, 0.2, 1, 2, 2, 3, false};
  else if (name == "medium")
    l = {name, 4, 6, 4, 0.3, 1, 2, 2, 4, false};
  else if (name == "hard")
    l = {name, 5, 8, 5, 0.35, 1, 2, 2, 5, false};
  else
    throw labkit::config_error(key, fmt::format("unknown level \"{}\" (easy, medium, hard)", name));
  if (single_agent) {
    l.agents = 1;
    l.single_agent = true;
  }
  return l;
}

TaskAllocationEnv::TaskAllocationEnv(TaskLevel level) : level_(std::move(level)) { reset(0); }

EnvShape TaskAllocationEnv::shape() const {
  EnvShape s;
  s.agents = level_.agents;
  s.agent_features = level_.types + 2;
  s.nodes = level_.subtasks + 1;
  s.node_features = level_.types + 7;
  s.state_features = level_.agents * s.agent_features + level_.subtasks * (level_.types + 3) + 1;
  s.shared_nodes = true;
  s.idle_node = 0;
  return s;
}

std::vector<float> TaskAllocationEnv::agent_graph() const {
  return std::vector<float>(level_.agents * level_.agents, 1.0f);  // everyone hears everyone
}

bool TaskAllocationEnv::skilled(int agent, int type) const {
  if (level_.single_agent) return true;
  // Agent i knows types i and i+1 (mod types): every type is covered, and each has two possible agents.
  return type == agent % level_.types || type == (agent + 1) % level_.types;
}

void TaskAllocationEnv::reset(uint64_t seed) {
  SplitMix rng(mix_seed(seed, 0x7a5c));
  tasks_.assign(level_.subtasks, {});
  for (int j = 0; j < level_.subtasks; ++j) {
    auto& t = tasks_[j];
    t.type = rng.between(0, level_.types - 1);
    t.work = rng.between(level_.min_work, level_.max_work);
    for (int k = 0; k < j; ++k)
      if (rng.uniform() < level_.dependency_probability) t.prerequisites.push_back(k);
  }
  last_error_.assign(level_.agents, 0.0f);
  last_action_.assign(level_.agents, 0);
  steps_ = miscoordination_ = 0;
  done_ = false;
  compute_limit();
}

void TaskAllocationEnv::compute_limit() {
  // Critical path: the most work along a dependency chain (prerequisites point backwards, so one pass).
  std::vector<int> finish(tasks_.size(), 0);
  int critical = 0, total = 0;
  for (size_t j = 0; j < tasks_.size(); ++j) {
    int start = 0;
    for (int k : tasks_[j].prerequisites) start = std::max(start, finish[k]);
    finish[j] = start + tasks_[j].work;
    critical = std::max(critical, finish[j]);
    total += tasks_[j].work;
  }
  limit_ = std::max(critical, (total + level_.team_agents - 1) / level_.team_agents) + level_.slack;
}

void TaskAllocationEnv::set_task(std::vector<SubTask> tasks) {
  if (static_cast<int>(tasks.size()) != level_.subtasks) throw std::logic_error("set_task: wrong number of sub-tasks");
  tasks_ = std::move(tasks);
  compute_limit();
}

bool TaskAllocationEnv::prerequisites_done(const SubTask& t) const {
  for (int k : t.prerequisites)
    if (!tasks_[k].done) return false;
  return true;
}

Observation Observation::sized(const EnvShape& sh) {
  const size_t n = sh.agents, m = sh.nodes;
  Observation o;
  o.agent.assign(n * sh.agent_features, 0.0f);
  o.nodes.assign(n * m * sh.node_features, 0.0f);
  o.node_adj.assign(n * m * m, 0.0f);
  o.mask.assign(n * m, 0);
  o.state.reserve(sh.state_features);
  return o;
}

Observation TaskAllocationEnv::observe() const {
  const auto sh = shape();
  const int n = sh.agents, m = sh.nodes, K = level_.types;
  const float time = static_cast<float>(steps_) / static_cast<float>(limit_);
  Observation o = Observation::sized(sh);
  for (int a = 0; a < n; ++a) {
    float* f = &o.agent[a * sh.agent_features];
    for (int k = 0; k < K; ++k) f[k] = skilled(a, k) ? 1.0f : 0.0f;
    f[K] = time;
    f[K + 1] = last_error_[a];
    o.nodes[(a * m) * sh.node_features] = 1.0f;  // node 0: idle
    o.mask[a * m] = 1;
    for (int j = 0; j < level_.subtasks; ++j) {
      const auto& t = tasks_[j];
      float* x = &o.nodes[(a * m + j + 1) * sh.node_features];
      x[1 + t.type] = 1.0f;
      x[K + 1] = t.done ? 1.0f : 0.0f;
      x[K + 2] = static_cast<float>(t.progress) / static_cast<float>(t.work);
      x[K + 3] = static_cast<float>(t.work - t.progress) / static_cast<float>(level_.max_work);
      x[K + 4] = prerequisites_done(t) ? 1.0f : 0.0f;
      x[K + 5] = skilled(a, t.type) ? 1.0f : 0.0f;
      x[K + 6] = last_action_[a] == j + 1 ? 1.0f : 0.0f;
      for (int k : t.prerequisites) o.node_adj[(a * m + j + 1) * m + k + 1] = 1.0f;
      o.mask[a * m + j + 1] = (!t.done && skilled(a, t.type)) ? 1 : 0;
    }
    o.state.insert(o.state.end(), f, f + sh.agent_features);
  }
  for (const auto& t : tasks_) {
    for (int k = 0; k < K; ++k) o.state.push_back(t.type == k ? 1.0f : 0.0f);
    o.state.push_back(t.done ? 1.0f : 0.0f);
    o.state.push_back(static_cast<float>(t.progress) / static_cast<float>(t.work));
    o.state.push_back(prerequisites_done(t) ? 1.0f : 0.0f);
  }
  o.state.push_back(time);
  return o;
}

StepOutcome TaskAllocationEnv::step(const std::vector<int>& actions) {
  if (done_) throw std::logic_error("TaskAllocationEnv::step after the episode ended");
  if (static_cast<int>(actions.size()) != level_.agents) throw std::logic_error("TaskAllocationEnv::step: one action per agent");
  StepOutcome out;
  out.agent_error.assign(level_.agents, 0.0f);
  std::vector<int> choosers(level_.subtasks, 0);
  for (int a = 0; a < level_.agents; ++a) {
    const int act = actions[a];
    if (act < 0 || act > level_.subtasks) throw std::logic_error("TaskAllocationEnv::step: action out of range");
    if (act == 0) continue;
    const auto& t = tasks_[act - 1];
    if (t.done || !skilled(a, t.type)) throw std::logic_error("TaskAllocationEnv::step: masked action");
    ++choosers[act - 1];
  }
  // Prerequisites are judged on the state at the start of the step: finishing A and starting B that
  // needs A in the same step is premature.
  std::vector<bool> ready(level_.subtasks);
  for (int j = 0; j < level_.subtasks; ++j) ready[j] = prerequisites_done(tasks_[j]);
  int finished = 0;
  for (int j = 0; j < level_.subtasks; ++j) {
    if (choosers[j] == 0) continue;
    auto& t = tasks_[j];
    if (choosers[j] > 1 || !ready[j]) {
      t.disturbed = true;
      ++out.miscoordination;
      for (int a = 0; a < level_.agents; ++a)
        if (actions[a] == j + 1) out.agent_error[a] = 1.0f;
      continue;
    }
    if (++t.progress == t.work) {
      t.done = true;
      ++finished;
    }
  }
  ++steps_;
  miscoordination_ += out.miscoordination;
  bool complete = true;
  for (const auto& t : tasks_) complete = complete && t.done;
  out.reward = TaskRewards::kFinished * finished + TaskRewards::kMiscoordination * out.miscoordination +
               TaskRewards::kStep + (complete ? TaskRewards::kComplete : 0.0);
  done_ = out.done = complete || steps_ >= limit_;
  last_error_ = out.agent_error;
  last_action_ = actions;
  return out;
}

nlohmann::json TaskAllocationEnv::episode_metrics() const {
  int finished = 0, aligned = 0;
  for (const auto& t : tasks_) {
    finished += t.done;
    aligned += t.done && !t.disturbed;
  }
  const bool success = finished == level_.subtasks;
  return {{"success", success ? 1.0 : 0.0},
          {"aligned_subtasks", static_cast<double>(aligned) / level_.subtasks},
          {"finished_subtasks", static_cast<double>(finished) / level_.subtasks},
          {"miscoordination", miscoordination_},
          {"coordination_steps", steps_}};
}

}  // namespace labkit::remalis_train
