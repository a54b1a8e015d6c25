#include "describe_inputs.h"

#include "build_summary.h"
#include "describe_file.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "render_text.h"
#include "settings.h"

namespace labkit::info {

void describe_inputs(Run& run, const std::vector<std::string>& files) {
  const int limit = Settings::from_config(run.config()).list_limit;
  if (files.empty()) {
    run.metrics()["build"] = build_summary();
    run.summary().add_text(render_build_summary(run.metrics()["build"]));
    return;
  }
  std::vector<std::string> mine;
  for (size_t k = 0; k < files.size(); ++k)
    if (run.shard().owns(static_cast<std::int64_t>(k))) mine.push_back(files[k]);
  if (run.shard().count > 1) log::info("shard {}: {} of {} files", run.shard().str(), mine.size(), files.size());

  nlohmann::json described = nlohmann::json::array(), errors = nlohmann::json::array();
  for (const auto& path : mine) {
    ScopedTimer timer(run.timings(), "describe");
    try {
      described.push_back(describe_file(path, limit));
      run.summary().add_text(render_file(described.back()));
    } catch (const InputError& e) {
      run.defer_input_error(e.what());
      errors.push_back({{"path", path}, {"error", e.what()}});
    }
  }
  run.metrics()["files"] = described;
  if (!errors.empty()) run.metrics()["errors"] = errors;
  run.metrics()["shard"] = {{"index", run.shard().index}, {"count", run.shard().count}};
}

}  // namespace labkit::info
