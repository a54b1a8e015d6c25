// The built-in cooperative task-allocation environment: a team of agents with typed skills must finish a
// task made of typed sub-tasks with dependencies, within a step limit. Each step every agent picks one
// sub-task to work on (or idles). The rules that make coordination matter:
//   - one agent per sub-task: when two or more pick the same one, none of them progresses (a collision);
//   - dependencies first: working on a sub-task whose prerequisites are not finished does nothing;
//   - an agent may only pick a sub-task of a type it is skilled in, and never a finished one (masked).
// Agents see the task but not what their teammates are about to do, so avoiding collisions needs the
// intentions to be shared. Fast (no allocation per step beyond the observation) and deterministic: an
// episode is a function of its seed and the actions.
#pragma once

#include <string>

#include "env.h"
#include "seeds.h"

namespace labkit::remalis_train {

struct TaskLevel {
  std::string name;
  int agents, subtasks, types;
  double dependency_probability;  // each earlier sub-task is a prerequisite with this probability
  int min_work, max_work;         // steps of work a sub-task needs, uniform in [min, max]
  int slack;                      // step limit = max(critical path, ceil(work / team size)) + slack
  int team_agents;                // the team size the limit is computed for (also in the single-agent ablation)
  bool single_agent;              // ablation: one agent, skilled in every type, does it all
};

// easy / medium / hard (README "Built-in environment" has the sizes); single_agent turns a level into
// its one-agent version (same tasks and step limits, which one agent can rarely meet). Throws InputError naming `key` for an unknown level.
TaskLevel task_level(const std::string& name, bool single_agent, const std::string& key);

// Reward terms (documented in README): +1 per finished sub-task, +1 when the task is complete,
// -0.5 per miscoordination event, -0.1 per step.
struct TaskRewards {
  static constexpr double kFinished = 1.0, kComplete = 1.0, kMiscoordination = -0.5, kStep = -0.1;
};

class TaskAllocationEnv final : public MultiAgentEnv {
 public:
  explicit TaskAllocationEnv(TaskLevel level);
  EnvShape shape() const override;
  std::vector<float> agent_graph() const override;
  void reset(uint64_t seed) override;
  Observation observe() const override;
  StepOutcome step(const std::vector<int>& actions) override;
  nlohmann::json episode_metrics() const override;

  // For tests: the episode's task and its progress.
  struct SubTask {
    int type = 0, work = 1, progress = 0;
    std::vector<int> prerequisites;
    bool done = false, disturbed = false;  // disturbed: a collision or a premature attempt happened on it
  };
  const std::vector<SubTask>& subtasks() const { return tasks_; }
  bool skilled(int agent, int type) const;
  // This episode's step limit (README "Built-in environment").
  int step_limit() const { return limit_; }
  // Test hook: replace the generated task (same size as the level's).
  void set_task(std::vector<SubTask> tasks);

 private:
  bool prerequisites_done(const SubTask& t) const;

  TaskLevel level_;
  std::vector<SubTask> tasks_;
  std::vector<float> last_error_;
  std::vector<int> last_action_;
  void compute_limit();
  int steps_ = 0, miscoordination_ = 0, limit_ = 1;
  bool done_ = false;
};

}  // namespace labkit::remalis_train
