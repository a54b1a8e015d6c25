#include "settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "labkit/core/settings.h"

namespace labkit::remalis_train {

nlohmann::json default_config() {
  return {
      {"env", "tasks"},
      {"tasks", {{"level", "medium"}}},
      {"sumo",
       {{"scenario", "grid3"},
        {"grid", ""},
        {"demand_seconds", 600},
        {"max_seconds", 1200},
        {"decision_seconds", 5},
        {"time_to_teleport", 300},
        {"reward", "queue"},
        {"sumo_binary", "sumo"},
        {"netgenerate_binary", "netgenerate"}}},
      {"agents",
       {{"communication", "full"},
        {"hidden", 64},
        {"heads", 2},
        {"planning_layers", 2},
        {"critic_hidden", 128},
        {"desired_teammate", true},
        {"recursion_depth", 1},
        {"confusion", true},
        {"confusion_lambda", 1.0},
        {"vocabulary", 16}}},
      {"train",
       {{"iterations", 60},
        {"episodes_per_iteration", 32},
        {"parallel_envs", 32},
        {"epochs", 4},
        {"minibatches", 2},
        {"lr", 1e-3},
        {"gamma", 0.99},
        {"gae_lambda", 0.95},
        {"clip", 0.2},
        {"entropy", 0.01},
        {"value_coef", 0.5},
        {"uncertainty_coef", 0.1},
        {"planning_coef", 0.05},
        {"grad_clip", 10.0},
        {"value_norm_beta", 0.99999},
        {"imitation_coef", 0.1},
        {"confusion_coef", 0.1},
        {"teammate_coef", 0.05},
        {"checkpoint_every", 10},
        {"max_lost_episodes", 3}}},
      {"eval", {{"episodes", 100}, {"log_episodes", 5}, {"greedy", false}}},
      {"ablation",
       {{"modes", {"single_agent", "none", "broadcast", "propagation", "full"}},
        {"levels", {"easy", "medium", "hard"}},
        {"seeds", {0, 1, 2}}}},
  };
}

namespace {

const std::vector<std::string> kModes{"single_agent", "none", "broadcast", "propagation", "full"};

bool flag(const labkit::Config& c, const std::string& key) {
  if (!c.at(key).is_boolean()) throw config_error(key, "must be true or false");
  return c.at(key).get<bool>();
}
const std::vector<std::string> kLevels{"easy", "medium", "hard"};

std::vector<std::string> names_in(const labkit::Config& c, const std::string& key, const std::vector<std::string>& allowed) {
  const auto& v = c.at(key);
  if (!v.is_array() || v.empty()) throw config_error(key, "must be a non-empty list");
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    const auto k = fmt::format("{}[{}]", key, i);
    if (!v[i].is_string() || std::find(allowed.begin(), allowed.end(), v[i].get<std::string>()) == allowed.end())
      throw config_error(k, fmt::format("must be one of {}", fmt::join(allowed, ", ")));
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

// The scenario's grid: named grids fix it; "grid" takes sumo.grid ("RxC"); a sumo.grid that contradicts a
// named grid is refused rather than silently ignored.
void read_grid(const labkit::Config& c, SumoSettings& s) {
  const std::string grid = c.at("sumo.grid").is_string() ? c.at("sumo.grid").get<std::string>() : "?";
  int64_t rows = 0, cols = 0;
  if (!grid.empty()) {
    static const std::regex re("([0-9]{1,3})x([0-9]{1,3})");
    std::smatch m;
    if (!std::regex_match(grid, m, re)) throw config_error("sumo.grid", "must be ROWSxCOLUMNS such as \"4x4\", got \"" + grid.substr(0, 20) + "\"");
    rows = std::stoll(m[1]);
    cols = std::stoll(m[2]);
    if (rows < 2 || cols < 2 || rows > 30 || cols > 30)
      throw config_error("sumo.grid", fmt::format("rows and columns must be in [2, 30], got {}", grid));
  }
  const std::map<std::string, int64_t> named{{"grid3", 3}, {"grid5", 5}, {"grid8", 8}};
  if (auto it = named.find(s.scenario); it != named.end()) {
    if (!grid.empty() && (rows != it->second || cols != it->second))
      throw config_error("sumo.grid", fmt::format("\"{}\" contradicts sumo.scenario {} ({}x{}); leave it empty or use scenario \"grid\"",
                                                  grid, s.scenario, it->second, it->second));
    s.rows = s.columns = it->second;
  } else if (s.scenario == "grid") {
    if (grid.empty()) throw config_error("sumo.grid", "scenario \"grid\" needs a size such as \"4x4\"");
    s.rows = rows;
    s.columns = cols;
  } else {
    if (!grid.empty()) throw config_error("sumo.grid", "an irregular network has no grid size; leave it empty");
    s.rows = s.columns = 0;
  }
}

}  // namespace

Settings Settings::from_config(const labkit::Config& c) {
  Settings s;
  s.env = one_of(c, "env", {"tasks", "sumo"});
  s.level = one_of(c, "tasks.level", kLevels);
  auto& a = s.agents;
  a.communication = one_of(c, "agents.communication", kModes);
  a.hidden = int_in(c, "agents.hidden", 4, 4096);
  a.heads = int_in(c, "agents.heads", 1, 64);
  if (a.hidden % a.heads != 0) throw config_error("agents.heads", fmt::format("must divide agents.hidden ({})", a.hidden));
  a.planning_layers = int_in(c, "agents.planning_layers", 0, 32);
  a.critic_hidden = int_in(c, "agents.critic_hidden", 4, 8192);
  a.desired_teammate = flag(c, "agents.desired_teammate");
  a.recursion_depth = int_in(c, "agents.recursion_depth", 0, 4);
  a.confusion = flag(c, "agents.confusion");
  a.confusion_lambda = number_in(c, "agents.confusion_lambda", 0, 100);
  a.vocabulary = int_in(c, "agents.vocabulary", 0, 4096);
  if (a.vocabulary == 1) throw config_error("agents.vocabulary", "needs at least 2 symbols (0 turns it off)");

  auto& t = s.train;
  t.iterations = int_in(c, "train.iterations", 1, 10'000'000);
  t.episodes_per_iteration = int_in(c, "train.episodes_per_iteration", 1, 100'000);
  t.parallel_envs = int_in(c, "train.parallel_envs", 1, 4096);
  t.epochs = int_in(c, "train.epochs", 1, 1000);
  t.minibatches = int_in(c, "train.minibatches", 1, 100'000);
  t.checkpoint_every = int_in(c, "train.checkpoint_every", 1, 10'000'000);
  t.lr = number_in(c, "train.lr", 1e-8, 1.0);
  t.gamma = number_in(c, "train.gamma", 0, 1);
  t.gae_lambda = number_in(c, "train.gae_lambda", 0, 1);
  t.clip = number_in(c, "train.clip", 0, 10);
  t.entropy = number_in(c, "train.entropy", 0, 10);
  t.value_coef = number_in(c, "train.value_coef", 0, 100);
  t.uncertainty_coef = number_in(c, "train.uncertainty_coef", 0, 100);
  t.planning_coef = number_in(c, "train.planning_coef", 0, 100);
  t.grad_clip = number_in(c, "train.grad_clip", 0, 1e6);
  t.value_norm_beta = number_in(c, "train.value_norm_beta", 0, 1);
  t.imitation_coef = number_in(c, "train.imitation_coef", 0, 100);
  t.confusion_coef = number_in(c, "train.confusion_coef", 0, 100);
  t.teammate_coef = number_in(c, "train.teammate_coef", 0, 100);
  t.max_lost_episodes = int_in(c, "train.max_lost_episodes", 0, 1'000'000);

  auto& u = s.sumo;
  u.scenario = one_of(c, "sumo.scenario", {"grid3", "grid5", "grid8", "irregular", "grid"});
  read_grid(c, u);
  u.demand_seconds = number_in(c, "sumo.demand_seconds", 10, 86400);
  u.max_seconds = number_in(c, "sumo.max_seconds", 10, 86400);
  if (u.max_seconds < u.demand_seconds) throw config_error("sumo.max_seconds", "must be at least sumo.demand_seconds");
  u.decision_seconds = number_in(c, "sumo.decision_seconds", 1, 600);
  if (u.decision_seconds != std::floor(u.decision_seconds)) throw config_error("sumo.decision_seconds", "must be whole seconds");
  u.time_to_teleport = number_in(c, "sumo.time_to_teleport", -1, 86400);
  u.reward = one_of(c, "sumo.reward", {"queue", "waiting"});
  u.sumo_binary = c.at("sumo.sumo_binary").get<std::string>();
  u.netgenerate_binary = c.at("sumo.netgenerate_binary").get<std::string>();

  s.eval_episodes = int_in(c, "eval.episodes", 1, 1'000'000);
  s.log_episodes = int_in(c, "eval.log_episodes", 0, 1'000'000);
  if (!c.at("eval.greedy").is_boolean()) throw config_error("eval.greedy", "must be true or false");
  s.eval_greedy = c.at("eval.greedy").get<bool>();
  s.ablation_modes = names_in(c, "ablation.modes", variant_names());
  s.ablation_levels = names_in(c, "ablation.levels", kLevels);
  s.ablation_seeds = ints_in(c, "ablation.seeds", 0, 1'000'000'000, 1);
  return s;
}

const std::vector<std::string>& variant_names() {
  static const std::vector<std::string> names{"single_agent", "none", "broadcast", "propagation", "feedback", "recursive", "full",
                                              "full-no_teammate", "full-no_recursion", "full-no_confusion", "full-no_imitation",
                                              "full-no_vocabulary"};
  return names;
}

Settings apply_variant(const Settings& base, const std::string& name, const std::string& key) {
  const auto& names = variant_names();
  if (std::find(names.begin(), names.end(), name) == names.end())
    throw config_error(key, fmt::format("unknown variant \"{}\" (one of {})", name, fmt::join(names, ", ")));
  Settings s = base;
  auto& a = s.agents;
  const auto modules_off = [&] {
    a.desired_teammate = false;
    a.recursion_depth = 0;
    a.confusion = false;
    a.vocabulary = 0;
    s.train.imitation_coef = 0;
  };
  if (name.rfind("full", 0) != 0) {
    a.communication = name == "feedback" || name == "recursive" ? "full" : name;
    const auto depth = std::max<int64_t>(base.agents.recursion_depth, 1);
    modules_off();
    if (name == "recursive") a.recursion_depth = depth;
    return s;
  }
  a.communication = "full";
  if (name == "full-no_teammate") a.desired_teammate = false;
  if (name == "full-no_recursion") a.recursion_depth = 0;
  if (name == "full-no_confusion") a.confusion = false;
  if (name == "full-no_imitation") s.train.imitation_coef = 0;
  if (name == "full-no_vocabulary") a.vocabulary = 0;
  return s;
}

}  // namespace labkit::remalis_train
