// puir-train's commands as named steps; each fills the run's metrics and its stdout table.
#pragma once

#include <string>

#include "labkit/core/tool.h"

namespace labkit::puir_train {

struct PhantomArgs {
  int cases = 8, val = 2;  // CLI defaults (flags, not config keys)
};

void phantom_command(const PhantomArgs& args, labkit::Run& run);
void train_command(const std::string& manifest, labkit::Run& run);
void eval_command(const std::string& manifest, const std::string& checkpoint, const std::string& split, labkit::Run& run);
void embed_command(const std::string& manifest, const std::string& checkpoint, labkit::Run& run);

}  // namespace labkit::puir_train
