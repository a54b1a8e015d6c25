// The SUMO side without a simulator: TraCI framing (both length forms, replies captured from the wire in
// the reference note), truncated replies, the net scan, the demand, and phase/yellow bookkeeping. With
// sumo installed: a live session (version, determinism, close and exit code 0).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "labkit/core/error.h"
#include "run_command.h"
#include "subprocess.h"
#include "sumo_env.h"
#include "sumo_net.h"
#include "traci_wire.h"

using namespace labkit::remalis_train;

namespace {
std::string hex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size();) {
    if (h[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
    i += 2;
  }
  return out;
}
using Kind = TraciRequest::Kind;
// The command ids a reply answers (the request's own ids).
std::vector<TraciAnswer> parse_reply(const std::string& reply, const std::vector<Kind>& kinds) {
  std::vector<uint8_t> ids;
  for (auto k : kinds)
    ids.push_back(k == Kind::kGet ? 0xa2 : k == Kind::kSet ? 0xc2 : k == Kind::kStep ? 0x02 : k == Kind::kVersion ? 0x00 : 0x7f);
  return labkit::remalis_train::parse_reply(reply, kinds, ids);
}
}  // namespace

TEST(TraciWire, RequestsMatchTheBytesCapturedFromTheWire) {
  TraciRequest v;
  v.version();
  EXPECT_EQ(v.bytes(), hex("00 00 00 06 02 00"));
  TraciRequest phase;
  phase.get(0xa2, 0x28, "B1");
  EXPECT_EQ(phase.bytes(), hex("00 00 00 0d 09 a2 28 00 00 00 02 42 31"));
  TraciRequest set;
  set.set_int(0xc2, 0x22, "B1", 2);
  EXPECT_EQ(set.bytes(), hex("00 00 00 12 0e c2 22 00 00 00 02 42 31 09 00 00 00 02"));
  TraciRequest step;
  step.step(0.0);
  EXPECT_EQ(step.bytes(), hex("00 00 00 0e 0a 02 00 00 00 00 00 00 00 00"));
  // A command over 255 bytes takes the extended form: 0, int32 length, id.
  TraciRequest longer;
  longer.get(0xa2, 0x28, std::string(300, 'x'));
  const auto b = longer.bytes();
  // 1 (0) + 4 (length) + 1 (id) + 1 (variable) + 4 + 300 (id string) = 311 = 0x137
  EXPECT_EQ(b.substr(4, 6), hex("00 00 00 01 37 a2"));
  EXPECT_EQ(b.size(), 4u + 311u);
}

TEST(TraciWire, RepliesCapturedFromTheWireParse) {
  auto a = parse_reply(hex("07 00 00 00 00 00 00 15 00 00 00 00 14 00 00 00 0b") + "SUMO 1.15.0", {Kind::kVersion});
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].value.items.at(0).integer, 20);
  EXPECT_EQ(a[0].value.items.at(1).text, "SUMO 1.15.0");
  a = parse_reply(hex("07 a2 00 00 00 00 00 0e b2 28 00 00 00 02 42 31 09 00 00 00 00"), {Kind::kGet});
  EXPECT_EQ(a[0].status, 0);
  EXPECT_EQ(a[0].value.type, 0x09);
  EXPECT_EQ(a[0].value.integer, 0);
  a = parse_reply(hex("07 c2 00 00 00 00 00"), {Kind::kSet});
  EXPECT_EQ(a[0].status, 0);
  a = parse_reply(hex("07 02 00 00 00 00 00 00 00 00 00"), {Kind::kStep});
  EXPECT_TRUE(a[0].subscriptions.empty());
  // A step with one lane subscription result in the long form (as sumo sends them): halting 3, waiting 54.0.
  const std::string sub = hex("e3 00 00 00 04") + "L0_0" + hex("02 14 00 09 00 00 00 03 7a 00 0b 40 4b 00 00 00 00 00 00");
  const auto len = static_cast<char>(sub.size() + 5);
  a = parse_reply(hex("07 02 00 00 00 00 00 00 00 00 01 00 00 00 00") + std::string(1, len) + sub, {Kind::kStep});
  ASSERT_EQ(a[0].subscriptions.size(), 1u);
  EXPECT_EQ(a[0].subscriptions[0].id, "L0_0");
  EXPECT_EQ(a[0].subscriptions[0].values[0].second.integer, 3);
  EXPECT_DOUBLE_EQ(a[0].subscriptions[0].values[1].second.real, 54.0);
  // Set statuses left out before a multi-second step (sumo 1.15, seen on the wire) are tolerated.
  a = parse_reply(hex("07 02 00 00 00 00 00 00 00 00 00"), {Kind::kSet, Kind::kSet, Kind::kStep});
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].description, "(no status)");
  EXPECT_EQ(a[2].status, 0);
  EXPECT_THROW(parse_reply(hex("07 02 00 00 00 00 00 00 00 00 00"), {Kind::kGet, Kind::kStep}), TraciError);
  // An error status has no result after it; the description is kept.
  a = parse_reply(hex("0a a2 ff 00 00 00 03") + "bad", {Kind::kGet});
  EXPECT_EQ(a[0].status, 0xff);
  EXPECT_EQ(a[0].description, "bad");
}

TEST(TraciWire, MalformedRepliesAreErrorsNotReadsPastTheEnd) {
  const std::string good = hex("07 a2 00 00 00 00 00 0e b2 28 00 00 00 02 42 31 09 00 00 00 00");
  for (size_t n = 0; n < good.size(); ++n) EXPECT_THROW(parse_reply(good.substr(0, n), {Kind::kGet}), TraciError) << n;
  EXPECT_THROW(parse_reply(good + "x", {Kind::kGet}), TraciError);
  // A string list claiming 2^31 entries.
  EXPECT_THROW(parse_reply(hex("07 a2 00 00 00 00 00 0e b2 00 00 00 00 00 0e 7f ff ff ff"), {Kind::kGet}), TraciError);
  // Compounds nested past the depth limit.
  std::string deep;
  for (int i = 0; i < 20; ++i) deep += hex("0f 00 00 00 01");
  EXPECT_THROW(parse_reply(hex("07 a2 00 00 00 00 00 00 00 00 00 ff b2 2b 00 00 00 00") + deep, {Kind::kGet}), TraciError);
}

TEST(SumoNet, ScanFindsEdgesJunctionsLightsAndRefusesJunk) {
  const std::string net =
      "<net>\n<edge id=\":A0_0\" function=\"internal\">\n<edge id=\"left0A0\" from=\"left0\" to=\"A0\" priority=\"-1\">\n"
      "<edge id=\"A0left0\" from=\"A0\" to=\"left0\">\n<edge id=\"A0B0\" from=\"A0\" to=\"B0\">\n"
      "<edge id=\"B0right0\" from=\"B0\" to=\"right0\">\n<edge id=\"right0B0\" from=\"right0\" to=\"B0\">\n"
      "<tlLogic id=\"A0\" type=\"static\">\n<tlLogic id=\"B0\" type=\"static\">\n"
      "<junction id=\"left0\" type=\"dead_end\" x=\"0\"/>\n<junction id=\"right0\" type=\"dead_end\"/>\n"
      "<junction id=\"A0\" type=\"traffic_light\"/>\n<junction id=\"B0\" type=\"traffic_light\"/>\n</net>\n";
  const auto s = scan_net(net, "n.net.xml");
  EXPECT_EQ(s.edges.size(), 5u);
  EXPECT_EQ(s.traffic_lights, (std::vector<std::string>{"A0", "B0"}));
  EXPECT_EQ(s.junction_type.at("left0"), "dead_end");
  // Trips: from fringe sources to fringe sinks, never back out the arm they came in by.
  const auto trips = make_trips(s, {0.5, 2.0}, 1000, 7);
  int first = 0, second = 0;
  for (const auto& t : trips) {
    EXPECT_TRUE(t.from == "left0A0" || t.from == "right0B0") << t.from;
    EXPECT_TRUE((t.from == "left0A0" && t.to == "B0right0") || (t.from == "right0B0" && t.to == "A0left0")) << t.from << t.to;
    (t.depart < 500 ? first : second)++;
  }
  // Poisson counts: 250 and 1000 expected; 5 standard deviations.
  EXPECT_NEAR(first, 250, 5 * std::sqrt(250.0));
  EXPECT_NEAR(second, 1000, 5 * std::sqrt(1000.0));
  EXPECT_EQ(make_trips(s, {0.5}, 100, 1).size(), make_trips(s, {0.5}, 100, 1).size());
  EXPECT_THROW(scan_net("<net></net>", "x.net.xml"), labkit::InputError);
  EXPECT_THROW(scan_net("<edge id=\"a\" from=\"b", "x.net.xml"), labkit::InputError);
  EXPECT_THROW(scan_net("<edge id=a from=b to=c>", "x.net.xml"), labkit::InputError);
}

TEST(SumoEnvPhases, GreensTransitionsAndLanesFromTheProgram) {
  // grid program: G y G y over 4 links; links 0,1 on lane a, 2 on b, 3 on c.
  const auto l = describe_light("A0", {"GGrr", "yyrr", "rrGg", "rryy"}, {42, 3, 42, 3}, {"a", "a", "b", "c"});
  EXPECT_EQ(l.lanes, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(l.greens, (std::vector<int>{0, 2}));
  EXPECT_EQ(l.transition[0], (std::vector<int>{1}));
  EXPECT_EQ(l.transition[1], (std::vector<int>{3}));
  EXPECT_EQ(l.green_lanes[0], (std::vector<int>{0}));
  EXPECT_EQ(l.green_lanes[1], (std::vector<int>{1, 2}));
  // yellow then all-red before the next green, and a green right after a green (no transition).
  const auto m = describe_light("X", {"Gr", "yr", "rr", "rG", "Gg"}, {30, 3, 2, 30, 10}, {"p", "q"});
  EXPECT_EQ(m.greens, (std::vector<int>{0, 3, 4}));
  EXPECT_EQ(m.transition[0], (std::vector<int>{1, 2}));
  EXPECT_TRUE(m.transition[1].empty());
}

TEST(SumoEnvLive, GridEpisodeIsDeterministicYellowSafeAndEndsCleanly) {
  if (find_executable("sumo").empty() || find_executable("netgenerate").empty()) GTEST_SKIP() << "sumo not installed";
  const auto dir = labkit::test::fresh_temp_dir("remalis_sumo_live");
  SumoSettings s;
  s.scenario = "grid3";
  s.rows = s.columns = 3;
  s.demand_seconds = 120;
  s.max_seconds = 150;
  s.decision_seconds = 5;
  s.time_to_teleport = 300;
  s.sumo_binary = "sumo";
  s.netgenerate_binary = "netgenerate";
  s.reward = "queue";
  const auto sc = build_scenario(s, dir + "/scenario", 1);
  EXPECT_EQ(sc.net.traffic_lights.size(), 9u);
  SumoEnv env(s, sc, dir + "/sumo", 0);
  ASSERT_EQ(env.shape().agents, 9);
  ASSERT_EQ(env.shape().nodes, 2);
  // The agent graph of a 3x3 grid: 12 neighbouring pairs, both ways, plus self loops.
  int links = 0;
  for (float x : env.agent_graph()) links += x > 0;
  EXPECT_EQ(links, 9 + 24);
  auto episode = [&](std::vector<double>& rewards) {
    env.reset(5);
    int t = 0;
    for (bool done = false; !done; ++t) {
      const auto o = env.observe();
      std::vector<int> a(9);
      for (int i = 0; i < 9; ++i) {
        a[i] = (t / 2 + i) % 2;                                  // switch often
        if (!o.mask[i * 2 + a[i]]) a[i] = 1 - a[i];              // a switch under way keeps its target
      }
      const auto r = env.step(a);
      rewards.push_back(r.reward);
      done = r.done;
    }
    return env.episode_metrics();
  };
  std::vector<double> r1, r2;
  const auto m1 = episode(r1);
  // Yellow safety: a light only enters a green other than its current one right after playing the
  // current green's transition (yellow) phases for their full programmed duration.
  const auto& lights = env.lights();
  std::vector<int> green(9, lights[0].greens[0]), last_set(9, -100), last_phase(9, -1);
  int switches = 0;
  for (const auto& [second, light, phase] : env.phase_log()) {
    const auto& l = lights[light];
    const bool is_green = std::find(l.greens.begin(), l.greens.end(), phase) != l.greens.end();
    if (is_green && phase != green[light]) {
      const int g = static_cast<int>(std::find(l.greens.begin(), l.greens.end(), green[light]) - l.greens.begin());
      ASSERT_FALSE(l.transition[g].empty());
      EXPECT_EQ(last_phase[light], l.transition[g].back()) << "light " << light << " at " << second;
      EXPECT_EQ(second - last_set[light], static_cast<int>(l.durations[l.transition[g].back()])) << "light " << light;
      green[light] = phase;
      ++switches;
    }
    last_set[light] = second;
    last_phase[light] = phase;
  }
  EXPECT_GT(switches, 20);
  const auto m2 = episode(r2);
  EXPECT_EQ(r1, r2);
  EXPECT_EQ(m1, m2);
  EXPECT_EQ(r1.size(), 30u);  // 150 s in decisions of 5 s
  EXPECT_GT(m1["loaded"].get<double>(), 20);
  EXPECT_GT(m1["arrived"].get<double>(), 0);
  EXPECT_GT(m1["mean_travel_time"].get<double>(), 20);
}
