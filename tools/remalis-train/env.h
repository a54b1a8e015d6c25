// The interface the trainer drives: a cooperative multi-agent environment with a shared team reward.
// Torch-free, so the built-in task-allocation environment and the SUMO traffic environment compile without
// the torch headers. Every observation is a set of "sub-goal" nodes per agent (the choices it can make:
// sub-tasks, or green phases), so one planning GNN and one pointer-style execution policy serve both.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace labkit::remalis_train {

struct EnvShape {
  int agents = 0;
  int agent_features = 0;  // per-agent feature vector
  int nodes = 0;           // sub-goal nodes per agent = actions (padded to the largest agent)
  int node_features = 0;   // per node
  int state_features = 0;  // centralised critic input (whole team)
  // Node k means the same sub-goal for every agent (the built-in task: sub-task k), so teammates' choices
  // can be compared node by node (recursive reasoning's occupancy, the confusion loss, the desired-teammate
  // label). On SUMO each agent's nodes are its own light's greens: false.
  bool shared_nodes = false;
  int idle_node = -1;  // the "do nothing" node that never collides (-1: none)
};

// One observation of the whole team, row-major float buffers.
struct Observation {
  std::vector<float> agent;      // [agents][agent_features]
  std::vector<float> nodes;      // [agents][nodes][node_features]
  std::vector<float> node_adj;   // [agents][nodes][nodes]: 1 where node j depends on / is linked to node k
  std::vector<uint8_t> mask;     // [agents][nodes]: 1 = the action is allowed
  std::vector<float> state;      // [state_features]

  // Zeroed buffers of `shape`'s sizes, nothing allowed yet (state reserved, filled by push_back).
  static Observation sized(const EnvShape& shape);
};

// What one step did: the team reward, and the coordination events the evaluation counts.
struct StepOutcome {
  double reward = 0;
  bool done = false;          // the episode ended (success, time limit, or simulation end)
  int miscoordination = 0;    // events this step (two agents on one sub-task, a dependency broken, ...)
  std::vector<float> agent_error;  // [agents]: 1 where this agent's choice was a coordination error
};

class MultiAgentEnv {
 public:
  virtual ~MultiAgentEnv() = default;
  virtual EnvShape shape() const = 0;
  // The agent graph, fixed for the environment: [agents][agents], 1 where agent i hears agent j (row i),
  // self loops included.
  virtual std::vector<float> agent_graph() const = 0;
  // Starts an episode; everything random in it derives from `seed`.
  virtual void reset(uint64_t seed) = 0;
  virtual Observation observe() const = 0;
  // One action (node index) per agent; an action outside the mask is a programming error (throws).
  virtual StepOutcome step(const std::vector<int>& actions) = 0;
  // Episode metrics once done (success, aligned sub-tasks, travel time, ...), numbers only.
  virtual nlohmann::json episode_metrics() const = 0;
  // Stepping several environments at once: send to all, then receive from all (a simulator in another
  // process works meanwhile). The default does the whole step in receive_step().
  virtual void send_step(const std::vector<int>& actions) { pending_ = actions; }
  virtual StepOutcome receive_step() { return step(pending_); }

 private:
  std::vector<int> pending_;
};

// The episode cannot go on (a simulator died or its connection broke); the trainer drops the episode.
class EpisodeLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace labkit::remalis_train
