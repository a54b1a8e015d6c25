// labkit-info: what this labkit build is, and what a file is (image geometry, HDF5 tree, safetensors).
// The template for new tools: a thin main over labkit::core's Tool, the tool's own code in small files.
#include <cstdio>
#include <string>
#include <vector>

#include "build_summary.h"
#include "describe_file.h"
#include "labkit/core/log.h"
#include "labkit/core/tool.h"
#include "render_text.h"
#ifdef LABKIT_INFO_WITH_TORCH
#include "labkit/torch/runtime.h"
#endif

int main(int argc, char** argv) {
  labkit::ToolSpec spec;
  spec.name = "labkit-info";
  spec.description =
      "Print what this labkit build is (versions, threads, BLAS, CUDA devices) and describe files:\n"
      "image geometry (NIfTI, MetaImage, NRRD, DICOM series folders), HDF5 trees, safetensors tensors.";
  spec.default_config = {{"list_limit", 200}};  // most tensors / HDF5 objects listed per file
  spec.uses_shard = true;                       // describe only part i/N of the files (SLURM arrays)
#ifdef LABKIT_INFO_WITH_TORCH
  spec.uses_device = true;
#endif
  labkit::Tool tool(spec);
#ifdef LABKIT_INFO_WITH_TORCH
  labkit::torchrt::install(tool);
#endif
  tool.add_versions(labkit::info::linked_versions());

  std::vector<std::string> files;
  bool json = false;
  tool.app().add_option("files", files, "Files or DICOM folders to describe");
  tool.app().add_flag("--json", json, "Print JSON on stdout instead of text");

  return tool.main(argc, argv, [&](labkit::Run& run) {
    const int limit = run.config().get<int>("list_limit");
    nlohmann::json result{{"build", labkit::info::build_summary()}, {"files", nlohmann::json::array()}};
    std::vector<std::string> mine;
    for (size_t k = 0; k < files.size(); ++k)
      if (run.shard().owns(static_cast<std::int64_t>(k))) mine.push_back(files[k]);
    if (run.shard().count > 1)
      labkit::log::info("shard {}: {} of {} files", run.shard().str(), mine.size(), files.size());

    for (const auto& path : mine) {
      labkit::ScopedTimer timer(run.timings(), "describe");
      result["files"].push_back(labkit::info::describe_file(path, limit));
    }

    if (json) {
      std::printf("%s\n", result.dump(2).c_str());
    } else {
      std::string text = labkit::info::render_build_summary(result["build"]);
      for (const auto& f : result["files"]) text += "\n" + labkit::info::render_file(f);
      std::fputs(text.c_str(), stdout);
    }
    run.metrics()["files"] = result["files"];
    run.metrics()["shard"] = {{"index", run.shard().index}, {"count", run.shard().count}};
  });
}
