// The body of labkit-info: the build summary when no file is given, else the files of this shard.
#pragma once

#include <string>
#include <vector>

#include "labkit/core/tool.h"

namespace labkit::info {

// Fills run.metrics() ({"build"} or {"files", "errors", "shard"}) and run.summary() (the text printed on
// stdout). A file that cannot be described is reported on stderr (run.defer_input_error) and the rest are
// still described; the run then ends with exit 2.
void describe_inputs(Run& run, const std::vector<std::string>& files);

}  // namespace labkit::info
