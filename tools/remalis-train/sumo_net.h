// SUMO scenarios for the paper's difficulty levels (Table 5): netgenerate grids with a traffic light at
// every junction (3x3, 5x5, 8x8, or any RxC) and a random irregular network (~100+ lights), each built
// twice with the same seed (static programs for the learning agents, actuated for the baseline), and
// demand at the level's arrival rates as seeded Poisson trips between fringe edges. Torch-free.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "settings.h"

namespace labkit::remalis_train {

// What the agents and the demand need from a .net.xml: plain edges, junction types, traffic lights.
struct NetEdge {
  std::string id, from, to;
};
struct NetSummary {
  std::vector<NetEdge> edges;                      // non-internal edges
  std::map<std::string, std::string> junction_type;  // id -> type ("traffic_light", "dead_end", ...)
  std::vector<std::string> traffic_lights;         // tlLogic ids, file order
};

// Scans the text of a .net.xml (as netgenerate writes it: one element per line, attributes in double
// quotes). Throws InputError naming `name` when the text holds no edges or an element is malformed.
NetSummary scan_net(const std::string& text, const std::string& name);

// The name="value" attributes of the first `<tag ` element in `text` (empty when there is none); throws
// InputError naming `name` when the element is malformed.
std::map<std::string, std::string> first_element_attributes(const std::string& text, const std::string& tag, const std::string& name);

// The level's arrival rates in veh/s, one per equal block of the demand window (README "SUMO levels").
std::vector<double> arrival_rates(const std::string& scenario);

struct Trip {
  double depart;
  std::string from, to;
};
// Poisson arrivals per block at the block's rate, origin and destination uniform over the fringe edges
// (entering from / leaving to a dead end; never back out through the arm it came in by). Seeded.
std::vector<Trip> make_trips(const NetSummary& net, const std::vector<double>& rates, double seconds, uint64_t seed);
std::string trips_xml(const std::vector<Trip>& trips);

struct Scenario {
  std::string net_static, net_actuated, routes;  // file paths
  NetSummary net;
  int64_t vehicles = 0;
};

// InputError naming the config key when netgenerate or sumo is not an executable on PATH.
void check_sumo_binaries(const SumoSettings& s);

// Runs netgenerate (twice) and writes the routes under `dir`; errors name the command and its log.
Scenario build_scenario(const SumoSettings& s, const std::string& dir, uint64_t seed);

// The netgenerate arguments for one program type ("static" | "actuated"); exposed for tests and README.
std::vector<std::string> netgenerate_arguments(const SumoSettings& s, const std::string& program, const std::string& out);

}  // namespace labkit::remalis_train
