// The tool's verbs as named steps over the trainer (torch-free: the trainer's header hides torch).
//   train     one configuration: train, evaluate, write the weights and episode logs
//   ablation  the built-in environment: every communication mode x level x seed, a table of means
//   bench     environment throughput
#pragma once

#include "labkit/core/tool.h"
#include "settings.h"
#include "trainer.h"

namespace labkit::remalis_train {

// The environment the settings name (built-in task allocation, or SUMO traffic).
EnvFactory environment_factory(const Settings& s, const std::string& work_dir, uint64_t seed);

void run_train(const Settings& s, labkit::Run& run);
void run_ablation(const Settings& s, labkit::Run& run);
// Environment steps per second with random actions: the built-in levels, and SUMO when env is sumo
// (over TraCI, and sumo alone).
void run_bench(const Settings& s, labkit::Run& run);

}  // namespace labkit::remalis_train
