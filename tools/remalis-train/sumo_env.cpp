#include "sumo_env.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/core/settings.h"

namespace labkit::remalis_train {

namespace {

constexpr uint8_t kGetTl = 0xa2, kSetTl = 0xc2, kSubLane = 0xd3, kSubSim = 0xdb;
constexpr uint8_t kTlIds = 0x00, kTlDefinition = 0x2b, kTlControlledLanes = 0x26, kTlPhase = 0x22, kTlPhaseDuration = 0x24;
constexpr uint8_t kHalting = 0x14, kWaiting = 0x7a, kTime = 0x66, kMinExpected = 0x7d, kTeleports = 0x75;
constexpr double kHold = 1e6;  // a green (or a yellow the client ends itself) never ends on its own

bool is_green(const std::string& state) {
  return state.find_first_of("yY") == std::string::npos && state.find_first_of("Gg") != std::string::npos;
}

std::vector<const TraciValue*> compounds(const TraciValue& v) {
  std::vector<const TraciValue*> out;
  for (const auto& i : v.items)
    if (i.type == 0x0F) out.push_back(&i);
  return out;
}

void check_ok(const std::vector<TraciAnswer>& answers) {
  for (const auto& a : answers)
    if (a.status != 0x00) throw TraciError("sumo answered with an error: " + a.description.substr(0, 200));
}

}  // namespace

std::vector<std::string> sumo_arguments(const SumoSettings& s, const std::string& net, const std::string& routes,
                                        const std::string& stats_file, uint64_t seed) {
  return {s.sumo_binary, "-n", net, "-r", routes, "--step-length", "1", "--no-step-log", "true", "--no-warnings", "true",
          "--seed", std::to_string(seed % 2147483647ULL), "--time-to-teleport", fmt::format("{}", s.time_to_teleport),
          "--ignore-route-errors", "true", "--statistic-output", stats_file, "--duration-log.statistics", "true",
          "--end", fmt::format("{}", s.max_seconds)};
}

nlohmann::json read_trip_statistics(const std::string& path) {
  const auto text = read_file(path);
  const auto trips = first_element_attributes(text, "vehicleTripStatistics", path);
  const auto vehicles = first_element_attributes(text, "vehicles", path);
  const auto teleports = first_element_attributes(text, "teleports", path);
  if (!trips.count("duration") || !trips.count("count") || !vehicles.count("loaded") || !teleports.count("total"))
    throw input_error(path, "no vehicleTripStatistics/vehicles/teleports: not a sumo --statistic-output file");
  auto num = [&](const std::map<std::string, std::string>& m, const char* k) {
    try {
      return std::stod(m.at(k));
    } catch (const std::exception&) {
      throw input_error(path, std::string("attribute ") + k + " is not a number");
    }
  };
  return {{"mean_travel_time", num(trips, "duration")}, {"mean_waiting_time", num(trips, "waitingTime")},
          {"mean_time_loss", num(trips, "timeLoss")},   {"arrived", num(trips, "count")},
          {"loaded", num(vehicles, "loaded")},          {"teleports", num(teleports, "total")}};
}

SumoServer::SumoServer(const SumoSettings& s, const std::string& net, const std::string& routes, const std::string& stats_file,
                       const std::string& log, uint64_t seed)
    : log_(log) {
  if (find_executable(s.sumo_binary).empty())
    throw labkit::config_error("sumo.sumo_binary", fmt::format("\"{}\" is not an executable on PATH (Debian package sumo)", s.sumo_binary));
  for (int attempt = 0;; ++attempt) {
    const int port = free_tcp_port();
    auto args = sumo_arguments(s, net, routes, stats_file, seed);
    args.insert(args.end(), {"--remote-port", std::to_string(port)});
    proc_ = std::make_unique<ChildProcess>(args, log);
    try {
      conn_ = std::make_unique<TraciConnection>(port, 60.0, [&] { return proc_->running(); });
      return;
    } catch (const TraciError& e) {
      proc_->wait_for(1.0);
      const bool port_taken = read_file(log).find("Address already in use") != std::string::npos;
      if (port_taken && attempt < 3) continue;  // another process took the port between probe and bind
      // The log's last error line says why (a bad option, a broken network, ...).
      std::string why;
      const auto text = read_file(log);
      for (size_t pos = text.rfind("Error"); pos != std::string::npos && why.empty(); pos = std::string::npos)
        why = ": " + text.substr(pos, std::min(text.find('\n', pos), pos + 200) - pos);
      throw std::runtime_error(fmt::format("sumo did not start ({}; exit code {}{}); its log: {}", e.what(), proc_->exit_code(), why, log));
    }
  }
}

void SumoServer::close() {
  TraciRequest r;
  r.close();
  conn_->call(r);
  if (!proc_->wait_for(30.0)) throw TraciError("sumo did not exit after close");
  if (proc_->exit_code() != 0) throw TraciError(fmt::format("sumo exited with code {} after close", proc_->exit_code()));
}

TrafficLight describe_light(const std::string& id, const std::vector<std::string>& states, const std::vector<double>& durations,
                            const std::vector<std::string>& controlled_lanes) {
  TrafficLight t;
  t.id = id;
  t.states = states;
  t.durations = durations;
  for (const auto& l : controlled_lanes)
    if (!l.empty() && std::find(t.lanes.begin(), t.lanes.end(), l) == t.lanes.end()) t.lanes.push_back(l);
  const int n = static_cast<int>(states.size());
  for (int p = 0; p < n; ++p) {
    if (!is_green(states[p])) continue;
    t.greens.push_back(p);
    std::vector<int> chain;
    for (int q = (p + 1) % n; q != p && !is_green(states[q]); q = (q + 1) % n) chain.push_back(q);
    t.transition.push_back(chain);
    std::vector<int> lanes;
    for (size_t link = 0; link < states[p].size() && link < controlled_lanes.size(); ++link) {
      if (states[p][link] != 'G' && states[p][link] != 'g') continue;
      const int li = static_cast<int>(std::find(t.lanes.begin(), t.lanes.end(), controlled_lanes[link]) - t.lanes.begin());
      if (li < static_cast<int>(t.lanes.size()) && std::find(lanes.begin(), lanes.end(), li) == lanes.end()) lanes.push_back(li);
    }
    t.green_lanes.push_back(lanes);
  }
  return t;
}

struct SumoEnv::LightState {
  int current = 0, target = 0;  // green indices
  int switch_left = -1;         // seconds until the target green starts; -1 when no switch is under way
  bool explicit_target = false; // the target is not the program's next green: set it when the transition ends
  bool hold_next = false;       // the program started the current green: hold it at the next decision
  double since_switch = 0;
};

// Reads every light's program and lanes in one message to a short-lived sumo.
SumoEnv::SumoEnv(const SumoSettings& s, Scenario scenario, std::string work_dir, int slot)
    : s_(s), sc_(std::move(scenario)), dir_(std::move(work_dir)), slot_(slot) {
  std::filesystem::create_directories(dir_);
  SumoServer probe(s_, sc_.net_static, sc_.routes, dir_ + "/probe.stats.xml", dir_ + "/sumo.probe.log", 0);
  TraciRequest ids;
  ids.get(kGetTl, kTlIds, "");
  auto a = probe.traci().call(ids);
  check_ok(a);
  const auto names = a.at(0).value.strings;
  if (names.empty()) throw std::runtime_error("the network has no traffic lights: " + sc_.net_static);
  TraciRequest req;
  for (const auto& id : names) {
    req.get(kGetTl, kTlDefinition, id);
    req.get(kGetTl, kTlControlledLanes, id);
  }
  a = probe.traci().call(req);
  check_ok(a);
  for (size_t i = 0; i < names.size(); ++i) {
    const auto logics = compounds(a[2 * i].value);
    if (logics.empty() || logics[0]->items.size() < 4) throw TraciError("unexpected program definition of " + names[i]);
    std::vector<std::string> states;
    std::vector<double> durations;
    for (const auto* ph : compounds(logics[0]->items[3])) {
      if (ph->items.size() < 2) throw TraciError("unexpected phase of " + names[i]);
      durations.push_back(ph->items[0].real);
      states.push_back(ph->items[1].text);
    }
    auto light = describe_light(names[i], states, durations, a[2 * i + 1].value.strings);
    if (light.greens.empty()) throw std::runtime_error("traffic light " + names[i] + " has no green phase");
    max_greens_ = std::max(max_greens_, static_cast<int>(light.greens.size()));
    lights_.push_back(std::move(light));
  }
  probe.close();
  auto& lane_index = lane_index_;
  for (const auto& l : lights_) {
    std::vector<int> idx;
    for (const auto& lane : l.lanes) {
      auto [it, fresh] = lane_index.emplace(lane, static_cast<int>(lanes_.size()));
      if (fresh) lanes_.push_back(lane);
      idx.push_back(it->second);
    }
    light_lanes_.push_back(idx);
  }
  // Agent graph: lights whose junctions share an edge hear each other (light id = junction id in
  // netgenerate networks).
  const int n = static_cast<int>(lights_.size());
  std::map<std::string, int> light_of;
  for (int i = 0; i < n; ++i) light_of[lights_[i].id] = i;
  graph_.assign(n * n, 0.0f);
  for (int i = 0; i < n; ++i) graph_[i * n + i] = 1.0f;
  for (const auto& e : sc_.net.edges) {
    auto f = light_of.find(e.from), t = light_of.find(e.to);
    if (f != light_of.end() && t != light_of.end()) graph_[t->second * n + f->second] = graph_[f->second * n + t->second] = 1.0f;
  }
  halting_.assign(lanes_.size(), 0.0);
  waiting_.assign(lanes_.size(), 0.0);
}

SumoEnv::~SumoEnv() = default;

EnvShape SumoEnv::shape() const {
  EnvShape sh;
  sh.agents = static_cast<int>(lights_.size());
  sh.agent_features = 5;
  sh.nodes = max_greens_;
  sh.node_features = 4;
  sh.state_features = sh.agents * (5 + 2 * max_greens_);
  return sh;
}

std::vector<float> SumoEnv::agent_graph() const { return graph_; }

void SumoEnv::reset(uint64_t seed) {
  server_.reset();
  stats_path_ = fmt::format("{}/episode{}.stats.xml", dir_, slot_);
  std::filesystem::remove(stats_path_);
  try {
    server_ = std::make_unique<SumoServer>(s_, sc_.net_static, sc_.routes, stats_path_, fmt::format("{}/sumo.slot{}.log", dir_, slot_), seed);
    TraciRequest req;
    for (const auto& lane : lanes_) req.subscribe(kSubLane, lane, {kHalting, kWaiting});
    req.subscribe(kSubSim, "", {kTime, kMinExpected, kTeleports});
    for (const auto& l : lights_) {
      req.set_int(kSetTl, kTlPhase, l.id, l.greens[0]);
      req.set_double(kSetTl, kTlPhaseDuration, l.id, kHold);
    }
    const auto a = server_->traci().call(req);
    check_ok(a);
    std::vector<Subscription> subs;
    for (const auto& x : a) subs.insert(subs.end(), x.subscriptions.begin(), x.subscriptions.end());
    apply_values(subs);
  } catch (const TraciError& e) {
    const auto log = server_ ? server_->log() : std::string();
    server_.reset();
    throw EpisodeLost(fmt::format("{} (sumo log: {})", e.what(), log));
  }
  state_.assign(lights_.size(), LightState{});
  phase_log_.clear();
  time_ = 0;
  teleports_ = 0;
  decisions_ = wasted_greens_ = 0;
  done_ = false;
  metrics_ = nlohmann::json::object();
}

void SumoEnv::apply_values(const std::vector<Subscription>& subs) {
  const auto& index = lane_index_;
  for (const auto& sub : subs) {
    if (sub.response == 0xe3) {
      auto it = index.find(sub.id);
      if (it == index.end()) continue;
      for (const auto& [var, v] : sub.values) {
        if (var == kHalting) halting_[it->second] = static_cast<double>(v.integer);
        if (var == kWaiting) waiting_[it->second] = v.real;
      }
    } else if (sub.response == 0xeb) {
      for (const auto& [var, v] : sub.values) {
        if (var == kTime) time_ = v.real;
        if (var == kTeleports) teleports_ += v.integer;
        if (var == kMinExpected && v.integer == 0 && time_ > 0) done_ = true;
      }
    }
  }
}

Observation SumoEnv::observe() const {
  const auto sh = shape();
  const int n = sh.agents, m = sh.nodes;
  Observation o = Observation::sized(sh);
  for (int i = 0; i < n; ++i) {
    const auto& l = lights_[i];
    const auto& st = state_[i];
    double queue = 0, wait = 0;
    for (int li : light_lanes_[i]) {
      queue += halting_[li];
      wait += waiting_[li];
    }
    float* f = &o.agent[i * sh.agent_features];
    f[0] = st.switch_left < 0 ? 0.0f : 1.0f;
    f[1] = static_cast<float>(std::min(st.since_switch / 60.0, 2.0));
    f[2] = static_cast<float>(queue / 20.0);
    f[3] = static_cast<float>(wait / 200.0);
    f[4] = static_cast<float>(time_ / s_.max_seconds);
    o.state.insert(o.state.end(), f, f + sh.agent_features);
    const int greens = static_cast<int>(l.greens.size());
    for (int g = 0; g < m; ++g) {
      float* x = &o.nodes[(i * m + g) * sh.node_features];
      double q = 0, w = 0;
      if (g < greens) {
        for (int li : l.green_lanes[g]) {
          q += halting_[light_lanes_[i][li]];
          w += waiting_[light_lanes_[i][li]];
        }
        x[0] = static_cast<float>(q / 10.0);
        x[1] = static_cast<float>(w / 100.0);
        x[2] = g == st.current ? 1.0f : 0.0f;
        x[3] = 1.0f;
        // A switch under way cannot be changed: only its target is allowed until it is done.
        o.mask[i * m + g] = st.switch_left < 0 || g == st.target ? 1 : 0;
        for (int k = 0; k < greens; ++k)
          if (k != g) o.node_adj[(i * m + g) * m + k] = 1.0f;  // the greens exclude each other
      }
      o.state.push_back(x[0]);
      o.state.push_back(x[1]);
    }
  }
  return o;
}

StepOutcome SumoEnv::step(const std::vector<int>& actions) {
  send_step(actions);
  return receive_step();
}

// Plans the decision's phase changes. sumo 1.15 answers only the first simulationStep of a message and
// drops what follows (checked, also for two messages written back to back), so every message ends with
// one simulationStep and waits for its reply. A switch sets the first yellow (or red) phase after the
// current green and lets the program play its transition for the programmed durations; when the program's
// next green is the chosen one (always on the grids) nothing else is needed until the next decision holds
// it; otherwise the chosen green is set when the transition ends, which splits the decision into segments.
void SumoEnv::send_step(const std::vector<int>& actions) {
  if (done_ || !server_) throw std::logic_error("SumoEnv::send_step outside an episode");
  const int D = static_cast<int>(s_.decision_seconds);
  const int now = static_cast<int>(std::lround(time_));
  decision_error_.assign(lights_.size(), 0.0f);
  for (size_t i = 0; i < lights_.size(); ++i) {
    const auto& l = lights_[i];
    const int a = actions.at(i);
    if (a < 0 || a >= static_cast<int>(l.greens.size())) throw std::logic_error("SumoEnv: action outside the light's greens");
    double chosen = 0, most = 0;
    for (size_t g = 0; g < l.greens.size(); ++g) {
      double q = 0;
      for (int li : l.green_lanes[g]) q += halting_[light_lanes_[i][li]];
      if (static_cast<int>(g) == a) chosen = q;
      most = std::max(most, q);
    }
    decision_error_[i] = chosen == 0 && most > 0 ? 1.0f : 0.0f;
    ++decisions_;
    wasted_greens_ += decision_error_[i] > 0 ? 1 : 0;
  }
  segments_.clear();
  segments_.push_back({0, D, {}});
  auto at = [&](int offset) -> Segment& {
    for (auto& g : segments_)
      if (g.start == offset) return g;
    segments_.push_back({offset, D, {}});
    std::sort(segments_.begin(), segments_.end(), [](const Segment& x, const Segment& y) { return x.start < y.start; });
    for (size_t i = 0; i + 1 < segments_.size(); ++i) segments_[i].end = segments_[i + 1].start;
    segments_.back().end = D;
    for (auto& g : segments_)
      if (g.start == offset) return g;
    throw std::logic_error("segment");
  };
  for (size_t i = 0; i < lights_.size(); ++i) {
    auto& st = state_[i];
    const auto& l = lights_[i];
    const int a = actions.at(i);
    const int li = static_cast<int>(i);
    if (st.switch_left < 0 && a != st.current) {
      const auto& chain = l.transition[st.current];
      st.target = a;
      if (chain.empty()) {  // the program goes green to green here: no yellow to play
        at(0).sets.push_back({li, l.greens[a], true});
        phase_log_.push_back({now, li, l.greens[a]});
        st.current = a;
        st.since_switch = 0;
        continue;
      }
      at(0).sets.push_back({li, chain[0], false});
      int t = 0;
      for (int q : chain) {
        phase_log_.push_back({now + t, li, q});
        t += std::max(1, static_cast<int>(std::lround(l.durations[q])));
      }
      st.switch_left = t;
      st.explicit_target = (chain.back() + 1) % static_cast<int>(l.states.size()) != l.greens[a];
    } else if (st.switch_left < 0 && st.hold_next) {
      at(0).sets.push_back({li, -1, true});
    }
    st.hold_next = false;
  }
  for (size_t i = 0; i < lights_.size(); ++i) {
    auto& st = state_[i];
    if (st.switch_left < 0) {
      st.since_switch += D;
      continue;
    }
    if (st.switch_left >= D) {
      st.switch_left -= D;
      continue;
    }
    const int li = static_cast<int>(i);
    const int green = lights_[i].greens[st.target];
    if (st.explicit_target)
      at(st.switch_left).sets.push_back({li, green, true});
    else
      st.hold_next = true;  // the program started it; the next decision keeps it
    phase_log_.push_back({now + st.switch_left, li, green});
    st.current = st.target;
    st.since_switch = D - st.switch_left;
    st.switch_left = -1;
  }
  next_segment_ = 0;
  send_segment();
}

void SumoEnv::send_segment() {
  const auto& g = segments_.at(next_segment_);
  TraciRequest req;
  for (const auto& set : g.sets) {
    if (set.phase >= 0) req.set_int(kSetTl, kTlPhase, lights_[set.light].id, set.phase);
    if (set.hold) req.set_double(kSetTl, kTlPhaseDuration, lights_[set.light].id, kHold);
  }
  req.step(time_ + (g.end - g.start));
  pending_ = req;
  try {
    server_->traci().send(req);
  } catch (const TraciError& e) {
    const auto log = server_->log();
    server_.reset();
    throw EpisodeLost(fmt::format("{} at t = {} s (sumo log: {})", e.what(), time_, log));
  }
}

StepOutcome SumoEnv::receive_step() {
  if (!server_) throw EpisodeLost("no sumo for this episode");
  StepOutcome out;
  out.agent_error = decision_error_;
  for (float e : decision_error_) out.miscoordination += e > 0 ? 1 : 0;
  try {
    // The queue (or waiting time) at each segment's end stands for the segment's seconds.
    double penalty = 0;
    int seconds = 0;
    for (;;) {
      const auto answers = server_->traci().receive(pending_);
      check_ok(answers);
      const int length = segments_[next_segment_].end - segments_[next_segment_].start;
      apply_values(answers.back().subscriptions);
      double total = 0;
      for (size_t l = 0; l < lanes_.size(); ++l) total += s_.reward == "queue" ? halting_[l] / 10.0 : waiting_[l] / 100.0;
      penalty += length * total / static_cast<double>(lights_.size());
      seconds += length;
      if (++next_segment_ == segments_.size()) break;
      send_segment();
    }
    total_seconds_ += seconds;
    out.reward = seconds ? -penalty / seconds : 0.0;
    if (time_ >= s_.max_seconds) done_ = true;
    out.done = done_;
    if (done_) finish_episode();
  } catch (const TraciError& e) {
    const auto log = server_ ? server_->log() : std::string();
    server_.reset();
    throw EpisodeLost(fmt::format("{} at t = {} s (sumo log: {})", e.what(), time_, log));
  }
  return out;
}

void SumoEnv::finish_episode() {
  server_->close();
  server_.reset();
  metrics_ = read_trip_statistics(stats_path_);
  metrics_["teleports_seen"] = teleports_;
  metrics_["wasted_green_share"] = decisions_ ? static_cast<double>(wasted_greens_) / static_cast<double>(decisions_) : 0.0;
  metrics_["simulated_seconds"] = time_;
}

nlohmann::json SumoEnv::episode_metrics() const { return metrics_; }

}  // namespace labkit::remalis_train
