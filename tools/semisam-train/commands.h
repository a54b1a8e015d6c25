// semisam-train's commands as named steps: training, prediction, the synthetic task, probing a generalist; each fills the
// run's metrics and its stdout table.
#pragma once

#include <string>
#include <vector>

#include "labkit/core/tool.h"

namespace labkit::semisam_train {

struct DataSource {
  std::string manifest, h5_root;
};

struct SynthCommand {
  int cases = 12, val = 2, test = 4;  // CLI defaults (flags, not config keys)
};

// probe-generalist: the generalists prompted from the label on random patches of one split (flags, not config keys).
struct ProbeCommand {
  std::vector<std::string> generalists;
  std::vector<int> clicks{1, 3, 5};
  int patches = 4;  // per case
  std::string split = "test";
};

void train_command(const DataSource& data, bool upstream_quirks, labkit::Run& run);
void predict_command(const std::string& checkpoint, const std::vector<std::string>& images, labkit::Run& run);
void synth_command(const SynthCommand& args, labkit::Run& run);
void probe_command(const DataSource& data, const ProbeCommand& args, labkit::Run& run);

}  // namespace labkit::semisam_train
