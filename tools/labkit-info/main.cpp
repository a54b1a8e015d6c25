// labkit-info: what this labkit build is, and what a file is (image geometry, HDF5 tree, safetensors,
// a labkit run folder). The template for new tools: a thin main over labkit::core's Tool, the tool's own
// code in small files beside it (built as labkit_info_lib).
#include <string>
#include <vector>

#include "build_summary.h"
#include "describe_inputs.h"
#include "labkit/core/tool.h"
#include "settings.h"
#ifdef LABKIT_INFO_WITH_TORCH
#include "labkit/torchutil/runtime.h"
#endif

int main(int argc, char** argv) {
  labkit::ToolSpec spec;
  spec.name = "labkit-info";
  spec.description =
      "Print what this labkit build is (versions, threads, BLAS, CUDA devices) when given no file, or describe\n"
      "files: image geometry (NIfTI, MetaImage, NRRD, DICOM series folders), HDF5 trees, safetensors tensors,\n"
      "labkit run folders (report.json). A file that cannot be read is reported and the rest are described.";
  spec.default_config = labkit::info::default_config();
  spec.uses_shard = true;  // describe only part i/N of the files (SLURM arrays)
#ifdef LABKIT_INFO_WITH_TORCH
  spec.uses_device = true;
#endif
  labkit::Tool tool(spec);
#ifdef LABKIT_INFO_WITH_TORCH
  labkit::torchutil::install(tool);  // LibTorch, CUDA, BLAS versions; --threads/--seed/--device
#endif
  tool.add_versions(labkit::info::linked_versions());

  std::vector<std::string> files;
  tool.app().add_option("files", files, "Files, DICOM folders or labkit run folders (--out of a tool) to describe");

  return tool.main(argc, argv, [&](labkit::Run& run) { labkit::info::describe_inputs(run, files); });
}
