// The traffic-signal environment on SUMO (README "SUMO environment"): one agent per traffic light; its
// sub-goal nodes are the light's green phases. Each decision covers sumo.decision_seconds of simulation;
// a switch always plays the current green's yellow (and red) phases with their programmed durations
// before the chosen green starts (sumo itself does not enforce this). Lane observations arrive as
// subscription results with each simulationStep (one message per decision on the grids; see send_step).
// Observations per light: queue (halting vehicles) and accumulated waiting time per green phase's lanes,
// the current phase, time since the last switch. Team reward: minus the mean queue per light (/10), or
// minus the mean waiting time per light (/100), sampled at the end of each message's simulation step and
// weighted by the seconds it covers. Torch-free.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <string>

#include "env.h"
#include "settings.h"
#include "subprocess.h"
#include "sumo_net.h"
#include "traci_connection.h"

namespace labkit::remalis_train {

// A sumo process serving TraCI on a free port (retried when the port was taken meanwhile), with its log.
class SumoServer {
 public:
  SumoServer(const SumoSettings& s, const std::string& net, const std::string& routes, const std::string& stats_file,
             const std::string& log, uint64_t seed);
  TraciConnection& traci() { return *conn_; }
  ChildProcess& process() { return *proc_; }
  const std::string& log() const { return log_; }
  // CMD_CLOSE, then waits for sumo to write its outputs and exit.
  void close();

 private:
  std::string log_;
  std::unique_ptr<ChildProcess> proc_;
  std::unique_ptr<TraciConnection> conn_;
};

// The sumo command line (without --remote-port) for a run of `net` and `routes`; the baselines run it
// without TraCI.
std::vector<std::string> sumo_arguments(const SumoSettings& s, const std::string& net, const std::string& routes,
                                        const std::string& stats_file, uint64_t seed);

// Trip statistics from a sumo --statistic-output file: mean_travel_time, mean_waiting_time,
// mean_time_loss, arrived, loaded, teleports. Throws InputError naming the file if they are missing.
nlohmann::json read_trip_statistics(const std::string& path);

struct TrafficLight {
  std::string id;
  std::vector<std::string> states;   // RYG state per phase of its program
  std::vector<double> durations;
  std::vector<int> greens;           // phase indices that are green phases (no 'y', some 'G'/'g')
  std::vector<std::vector<int>> transition;  // per green: the phases played after it before another green
  std::vector<std::string> lanes;    // incoming lanes (controlled lanes without duplicates)
  std::vector<std::vector<int>> green_lanes;  // per green: indices into lanes that it lets go
};

// Reads a light's program from its state strings (exposed for tests): greens and their transitions.
TrafficLight describe_light(const std::string& id, const std::vector<std::string>& states, const std::vector<double>& durations,
                            const std::vector<std::string>& controlled_lanes);

class SumoEnv final : public MultiAgentEnv {
 public:
  // Reads the lights' programs from a short sumo session; `work_dir` gets the per-episode logs.
  SumoEnv(const SumoSettings& s, Scenario scenario, std::string work_dir, int slot);
  ~SumoEnv() override;
  EnvShape shape() const override;
  std::vector<float> agent_graph() const override;
  void reset(uint64_t seed) override;
  Observation observe() const override;
  StepOutcome step(const std::vector<int>& actions) override;
  void send_step(const std::vector<int>& actions) override;
  StepOutcome receive_step() override;
  nlohmann::json episode_metrics() const override;
  const std::vector<TrafficLight>& lights() const { return lights_; }
  int64_t simulated_seconds() const { return total_seconds_; }
  // Every phase this episode set: (simulation second, light, phase), for the yellow-safety test.
  const std::vector<std::array<int, 3>>& phase_log() const { return phase_log_; }

 private:
  struct LightState;
  void finish_episode();
  void apply_values(const std::vector<Subscription>& subs);

  SumoSettings s_;
  Scenario sc_;
  std::string dir_;
  int slot_;
  std::vector<TrafficLight> lights_;
  std::vector<std::string> lanes_;  // all incoming lanes, subscription order
  std::map<std::string, int> lane_index_;
  std::vector<std::vector<int>> light_lanes_;  // per light: indices into lanes_ (same order as TrafficLight::lanes)
  std::vector<float> graph_;
  int max_greens_ = 0;
  std::unique_ptr<SumoServer> server_;
  std::vector<LightState> state_;
  std::vector<double> halting_, waiting_;
  struct PhaseSet {
    int light, phase;  // phase -1: only hold the current one
    bool hold;         // make it last until changed (setPhaseDuration)
  };
  struct Segment {
    int start, end;  // seconds into the decision
    std::vector<PhaseSet> sets;
  };
  void send_segment();
  std::vector<Segment> segments_;
  size_t next_segment_ = 0;
  TraciRequest pending_;
  double time_ = 0;
  int64_t teleports_ = 0, total_seconds_ = 0;
  // A decision error: the chosen green lets no halting vehicle go while another green of the light has
  // some (README "SUMO environment"); per light for the step in flight, and counted over the episode.
  std::vector<float> decision_error_;
  int64_t decisions_ = 0, wasted_greens_ = 0;
  bool done_ = false;
  nlohmann::json metrics_;
  std::string stats_path_;
  std::vector<std::array<int, 3>> phase_log_;
};

}  // namespace labkit::remalis_train
