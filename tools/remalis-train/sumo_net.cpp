#include "sumo_net.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/core/settings.h"
#include "seeds.h"
#include "subprocess.h"

namespace labkit::remalis_train {

namespace {

// The attributes of the element starting at `pos` ('<'), up to its '>'; name="value" pairs only.
std::map<std::string, std::string> attributes(const std::string& text, size_t pos, const std::string& name) {
  std::map<std::string, std::string> out;
  const size_t end = text.find('>', pos);
  if (end == std::string::npos) throw input_error(name, fmt::format("element at byte {} is not closed", pos));
  size_t i = text.find(' ', pos);
  while (i != std::string::npos && i < end) {
    while (i < end && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    const size_t eq = text.find('=', i);
    if (eq == std::string::npos || eq >= end) break;
    if (eq + 1 >= end || text[eq + 1] != '"') throw input_error(name, fmt::format("attribute at byte {} is not quoted", i));
    const size_t close = text.find('"', eq + 2);
    if (close == std::string::npos || close > end) throw input_error(name, fmt::format("attribute at byte {} is not closed", i));
    out[text.substr(i, eq - i)] = text.substr(eq + 2, close - eq - 2);
    i = close + 1;
  }
  return out;
}

template <typename F>
void each_element(const std::string& text, const std::string& tag, F f) {
  const std::string open = "<" + tag + " ";
  for (size_t pos = text.find(open); pos != std::string::npos; pos = text.find(open, pos + 1)) f(pos);
}

}  // namespace

std::map<std::string, std::string> first_element_attributes(const std::string& text, const std::string& tag, const std::string& name) {
  const size_t pos = text.find("<" + tag + " ");
  return pos == std::string::npos ? std::map<std::string, std::string>{} : attributes(text, pos, name);
}

NetSummary scan_net(const std::string& text, const std::string& name) {
  NetSummary net;
  each_element(text, "edge", [&](size_t pos) {
    auto a = attributes(text, pos, name);
    if (a.count("function")) return;  // internal junction edges
    if (!a.count("id") || !a.count("from") || !a.count("to"))
      throw input_error(name, fmt::format("edge at byte {} lacks id, from or to", pos));
    net.edges.push_back({a["id"], a["from"], a["to"]});
  });
  each_element(text, "junction", [&](size_t pos) {
    auto a = attributes(text, pos, name);
    if (!a.count("id") || !a.count("type")) throw input_error(name, fmt::format("junction at byte {} lacks id or type", pos));
    net.junction_type[a["id"]] = a["type"];
  });
  each_element(text, "tlLogic", [&](size_t pos) {
    auto a = attributes(text, pos, name);
    if (!a.count("id")) throw input_error(name, fmt::format("tlLogic at byte {} lacks an id", pos));
    if (std::find(net.traffic_lights.begin(), net.traffic_lights.end(), a["id"]) == net.traffic_lights.end())
      net.traffic_lights.push_back(a["id"]);
  });
  if (net.edges.empty()) throw input_error(name, "no edges: not a SUMO network");
  return net;
}

std::vector<double> arrival_rates(const std::string& scenario) {
  if (scenario == "grid5") return {0.5, 1.0, 2.0, 1.0};          // 0.5-2 veh/s
  if (scenario == "grid8") return {0.1, 0.5, 2.0, 3.0};          // 0.1-3 veh/s
  if (scenario == "irregular") return {0.5, 0.5, 2.0, 0.5, 0.5, 2.0};  // spiky
  return {0.5};                                                  // grid3 and custom grids
}

std::vector<Trip> make_trips(const NetSummary& net, const std::vector<double>& rates, double seconds, uint64_t seed) {
  std::vector<const NetEdge*> sources, sinks;
  auto dead_end = [&](const std::string& j) {
    auto it = net.junction_type.find(j);
    return it != net.junction_type.end() && it->second == "dead_end";
  };
  for (const auto& e : net.edges) {
    if (dead_end(e.from)) sources.push_back(&e);
    if (dead_end(e.to)) sinks.push_back(&e);
  }
  if (sources.empty() || sinks.empty()) throw std::runtime_error("the network has no fringe edges for demand");
  SplitMix rng(mix_seed(seed, 0xd3a));
  std::vector<Trip> trips;
  const double block = seconds / static_cast<double>(rates.size());
  for (size_t b = 0; b < rates.size(); ++b) {
    double t = b * block;
    for (;;) {
      t += -std::log(1.0 - rng.uniform()) / rates[b];
      if (t >= (b + 1) * block) break;
      const NetEdge* from = sources[rng.next() % sources.size()];
      const NetEdge* to = nullptr;
      for (int tries = 0; tries < 100 && !to; ++tries) {
        const NetEdge* c = sinks[rng.next() % sinks.size()];
        if (c->to != from->from) to = c;
      }
      if (to) trips.push_back({std::round(t * 100) / 100, from->id, to->id});
    }
  }
  return trips;
}

std::string trips_xml(const std::vector<Trip>& trips) {
  std::string x = "<routes>\n";
  for (size_t i = 0; i < trips.size(); ++i)
    x += fmt::format("    <trip id=\"v{}\" depart=\"{:.2f}\" from=\"{}\" to=\"{}\" departLane=\"best\" departSpeed=\"max\"/>\n", i,
                     trips[i].depart, trips[i].from, trips[i].to);
  return x + "</routes>\n";
}

std::vector<std::string> netgenerate_arguments(const SumoSettings& s, const std::string& program, const std::string& out) {
  std::vector<std::string> a{s.netgenerate_binary};
  if (s.scenario == "irregular") {
    // ~100+ lights with these options (reference: 120 iterations gave 102, 160 gave 128); seed 7 fixed so
    // every run uses one network.
    a.insert(a.end(), {"--rand", "--rand.iterations", "120", "--rand.min-distance", "100", "--rand.max-distance", "250",
                       "--rand.min-angle", "45", "--rand.neighbor-dist1", "0", "--rand.neighbor-dist2", "0",
                       "--rand.neighbor-dist3", "10", "--rand.neighbor-dist4", "10", "--seed", "7"});
  } else {
    a.insert(a.end(), {"--grid", "--grid.x-number", std::to_string(s.columns), "--grid.y-number", std::to_string(s.rows),
                       "--grid.length", "200", "--grid.attach-length", "200", "--seed", "42"});
  }
  a.insert(a.end(), {"-L", "2", "-j", "traffic_light", "--tls.default-type", program, "--no-turnarounds", "true",
                     "--no-warnings", "true", "-o", out});
  return a;
}

void check_sumo_binaries(const SumoSettings& s) {
  for (const auto& [key, name] : {std::pair<std::string, std::string>{"sumo.netgenerate_binary", s.netgenerate_binary},
                                  {"sumo.sumo_binary", s.sumo_binary}})
    if (find_executable(name).empty())
      throw labkit::config_error(key, fmt::format("\"{}\" is not an executable on PATH (Debian package sumo)", name));
}

Scenario build_scenario(const SumoSettings& s, const std::string& dir, uint64_t seed) {
  namespace fs = std::filesystem;
  check_sumo_binaries(s);
  fs::create_directories(dir);
  Scenario sc;
  for (const char* program : {"static", "actuated"}) {
    const auto net = dir + "/" + s.scenario + "." + program + ".net.xml";
    const auto log = dir + "/netgenerate." + program + ".log";
    const auto args = netgenerate_arguments(s, program, net + ".tmp");
    const int code = run_to_log(args, log);
    if (code != 0 || !fs::exists(net + ".tmp"))
      throw std::runtime_error(fmt::format("{} failed (exit {}); its log: {}", s.netgenerate_binary, code, log));
    fs::rename(net + ".tmp", net);
    (std::string(program) == "static" ? sc.net_static : sc.net_actuated) = net;
  }
  sc.net = scan_net(read_file(sc.net_static), sc.net_static);
  const auto trips = make_trips(sc.net, arrival_rates(s.scenario), s.demand_seconds, seed);
  sc.vehicles = static_cast<int64_t>(trips.size());
  sc.routes = dir + "/" + s.scenario + ".trips.xml";
  write_file_atomically(sc.routes, trips_xml(trips));
  return sc;
}

}  // namespace labkit::remalis_train
