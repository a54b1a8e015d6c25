// qo2mol-pack's settings: default_config() is the one place a default is written (it is also the schema
// --config/--set check against); Settings::from_config() reads and checks every key once, naming it in
// errors ("config pack.gzip: must be in [0, 9], got 12"). The long-standing flags (--energy-unit,
// --train, ...) mirror keys: they are rewritten into --set KEY=VALUE before parsing, so OUT/config.json
// records what a run used whichever way it was given.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "export.h"
#include "labkit/core/config.h"
#include "merge.h"
#include "pack.h"

namespace CLI {
class App;
}

namespace labkit::qo2mol_pack {

nlohmann::json default_config();

struct Settings {
  PackOptions pack;  // without inputs and shard (the command line's)
  MergeOptions merge;  // without inputs and seed
  std::vector<int> verify_elements;
  std::int64_t verify_max_problems;
  std::int64_t inspect_conformers;
  ExportOptions export_options;

  static Settings from_config(const labkit::Config& c);
};

// A flag that is another spelling of a config key: `--energy-unit Ha` = `--set pack.energy_unit=Ha`;
// a switch (`--no-unit-check`) sets the key to `switch_value`.
struct MirrorFlag {
  std::string verb, flag, key, switch_value, help;  // switch_value empty: the flag takes a value
};
const std::vector<MirrorFlag>& mirror_flags();
// argv with every mirror flag (also `--flag=value`) rewritten as `--set KEY=VALUE`.
std::vector<std::string> expand_mirror_flags(int argc, char** argv);
// Lists the mirror flags in the verbs' --help ("same as --set KEY=..."); they never reach the parser.
void add_mirror_flags_to_help(CLI::App& app);

}  // namespace labkit::qo2mol_pack
