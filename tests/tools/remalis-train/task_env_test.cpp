// The built-in task-allocation environment's rules on hand-built tasks: one agent per sub-task,
// prerequisites first, masks, rewards, the episode end and the metrics; determinism per seed.
#include <gtest/gtest.h>

#include "labkit/core/error.h"
#include "task_env.h"

using namespace labkit::remalis_train;

namespace {

TaskAllocationEnv easy_with(std::vector<TaskAllocationEnv::SubTask> tasks) {
  TaskAllocationEnv env(task_level("easy", false, "tasks.level"));
  env.reset(1);
  env.set_task(std::move(tasks));
  return env;
}

TaskAllocationEnv::SubTask sub(int type, int work, std::vector<int> pre = {}) {
  TaskAllocationEnv::SubTask t;
  t.type = type;
  t.work = work;
  t.prerequisites = std::move(pre);
  return t;
}

}  // namespace

TEST(TaskEnv, TwoAgentsOnOneSubTaskCollideAndNeitherProgresses) {
  // easy: agents 0 {0,1}, 1 {1,2}, 2 {2,0}; sub-task 0 is type 1 (agents 0 and 1 both may take it).
  auto env = easy_with({sub(1, 1), sub(2, 1), sub(0, 1), sub(0, 1)});
  const auto o = env.step({1, 1, 0});
  EXPECT_EQ(o.miscoordination, 1);
  EXPECT_FALSE(env.subtasks()[0].done);
  EXPECT_EQ(env.subtasks()[0].progress, 0);
  EXPECT_TRUE(env.subtasks()[0].disturbed);
  EXPECT_EQ(o.agent_error, (std::vector<float>{1, 1, 0}));
  EXPECT_DOUBLE_EQ(o.reward, TaskRewards::kMiscoordination + TaskRewards::kStep);
  // Split cleanly next step: three sub-tasks finish at once.
  const auto o2 = env.step({1, 2, 3});
  EXPECT_EQ(o2.miscoordination, 0);
  EXPECT_DOUBLE_EQ(o2.reward, 3 * TaskRewards::kFinished + TaskRewards::kStep);
  EXPECT_FALSE(o2.done);
  const auto o3 = env.step({4, 0, 0});
  EXPECT_TRUE(o3.done);
  EXPECT_DOUBLE_EQ(o3.reward, TaskRewards::kFinished + TaskRewards::kComplete + TaskRewards::kStep);
  const auto m = env.episode_metrics();
  EXPECT_EQ(m["success"], 1.0);
  EXPECT_DOUBLE_EQ(m["aligned_subtasks"].get<double>(), 0.75);  // sub-task 0 was disturbed
  EXPECT_EQ(m["miscoordination"], 1);
  EXPECT_EQ(m["coordination_steps"], 3);
}

TEST(TaskEnv, PrerequisitesMustBeFinishedBeforeTheStep) {
  auto env = easy_with({sub(0, 1), sub(1, 2, {0}), sub(2, 1), sub(2, 1)});
  // Finishing 0 and starting 1 in the same step is premature.
  auto o = env.step({1, 2, 0});
  EXPECT_TRUE(env.subtasks()[0].done);
  EXPECT_EQ(env.subtasks()[1].progress, 0);
  EXPECT_EQ(o.miscoordination, 1);
  EXPECT_EQ(o.agent_error, (std::vector<float>{0, 1, 0}));
  o = env.step({0, 2, 0});
  EXPECT_EQ(env.subtasks()[1].progress, 1);
  EXPECT_FALSE(env.subtasks()[1].done);  // two steps of work
  o = env.step({0, 2, 0});
  EXPECT_TRUE(env.subtasks()[1].done);
  EXPECT_EQ(o.miscoordination, 0);
}

TEST(TaskEnv, MasksSkillsAndFinishedSubTasksAndRefusesMaskedActions) {
  auto env = easy_with({sub(0, 1), sub(1, 1), sub(2, 1), sub(2, 1)});
  auto obs = env.observe();
  const auto sh = env.shape();
  ASSERT_EQ(sh.nodes, 5);
  // Agent 0 is skilled in types 0 and 1: idle, sub-tasks 0 and 1 allowed; 2 and 3 (type 2) not.
  EXPECT_EQ(std::vector<uint8_t>(obs.mask.begin(), obs.mask.begin() + 5), (std::vector<uint8_t>{1, 1, 1, 0, 0}));
  EXPECT_THROW(env.step({3, 0, 0}), std::logic_error);
  env.step({1, 0, 0});
  obs = env.observe();
  EXPECT_EQ(obs.mask[1], 0);  // finished
  EXPECT_EQ(obs.nodes.size(), static_cast<size_t>(sh.agents * sh.nodes * sh.node_features));
  EXPECT_EQ(obs.state.size(), static_cast<size_t>(sh.state_features));
  EXPECT_EQ(obs.agent.size(), static_cast<size_t>(sh.agents * sh.agent_features));
}

TEST(TaskEnv, StepLimitEndsTheEpisodeAsAFailure) {
  auto env = easy_with({sub(0, 2), sub(1, 2), sub(2, 2), sub(2, 2)});
  // 8 steps of work for 3 agents: at least 3 steps; no dependencies; slack 2.
  ASSERT_EQ(env.step_limit(), 3 + 2);
  StepOutcome o;
  for (int t = 0; t < 5; ++t) {
    EXPECT_FALSE(o.done);
    o = env.step({0, 0, 0});
  }
  EXPECT_TRUE(o.done);
  EXPECT_EQ(env.episode_metrics()["success"], 0.0);
  EXPECT_EQ(env.episode_metrics()["coordination_steps"], 5);
  EXPECT_THROW(env.step({0, 0, 0}), std::logic_error);
}

TEST(TaskEnv, StepLimitFollowsTheCriticalPath) {
  // A chain 0 -> 1 -> 3 of 2 + 2 + 1 steps is longer than the work share ceil(6 / 3) = 2.
  auto env = easy_with({sub(0, 2), sub(1, 2, {0}), sub(2, 1), sub(2, 1, {1})});
  EXPECT_EQ(env.step_limit(), 5 + 2);
  // The single-agent version keeps the team's limit.
  TaskAllocationEnv one(task_level("easy", true, "k"));
  one.reset(1);
  one.set_task({sub(0, 2), sub(1, 2, {0}), sub(2, 1), sub(2, 1, {1})});
  EXPECT_EQ(one.step_limit(), 7);
}

TEST(TaskEnv, SameSeedSameTaskAndEveryTypeHasASkilledAgent) {
  for (const char* name : {"easy", "medium", "hard"}) {
    const auto level = task_level(name, false, "k");
    TaskAllocationEnv a(level), b(level);
    a.reset(42);
    b.reset(42);
    EXPECT_EQ(a.observe().nodes, b.observe().nodes) << name;
    b.reset(43);
    EXPECT_NE(a.observe().nodes, b.observe().nodes) << name;
    for (int type = 0; type < level.types; ++type) {
      int skilled = 0;
      for (int agent = 0; agent < level.agents; ++agent) skilled += a.skilled(agent, type);
      EXPECT_EQ(skilled, 2) << name << " type " << type;
    }
    // Prerequisites only point backwards (a DAG).
    for (size_t j = 0; j < a.subtasks().size(); ++j)
      for (int k : a.subtasks()[j].prerequisites) EXPECT_LT(k, static_cast<int>(j));
  }
  const auto single = task_level("hard", true, "k");
  EXPECT_EQ(single.agents, 1);
  TaskAllocationEnv s(single);
  for (int type = 0; type < single.types; ++type) EXPECT_TRUE(s.skilled(0, type));
  EXPECT_THROW(task_level("hell", false, "tasks.level"), labkit::InputError);
}
