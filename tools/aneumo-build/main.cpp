// aneumo-build: aneurysm geometries -> masks -> steady CFD (D3Q19 LBM and OpenFOAM), see README.md.
//   aneumo-build poiseuille --out DIR            both solvers against Poiseuille, grid convergence
//   aneumo-build case --out DIR [--mask F | --surface S]   one geometry (shape.*, a mask or a surface), every flow rate
//   aneumo-build dataset --count N --out DIR     N generated aneurysms x flow rates (--shard i/N, --resume)
//   aneumo-build bench --out DIR                 LBM MLUPS vs the copy-bandwidth roofline
#include "labkit/core/tool.h"
#include "labkit/imageio/image.h"
#include "settings.h"
#include "verbs.h"

using namespace labkit;
using namespace labkit::aneumo_build;

int main(int argc, char** argv) {
  ToolSpec spec{"aneumo-build",
                "Aneurysm hemodynamics dataset builder (Aneumo): parametric vessels and saccular aneurysms, masks, "
                "surfaces, morphometrics, steady CFD by a D3Q19 lattice Boltzmann solver and by OpenFOAM",
                default_config()};
  spec.requires_out = true;
  spec.uses_shard = true;   // dataset: case g belongs to shard g % N
  spec.uses_resume = true;  // case/dataset: finished flow rates are kept
  Tool tool(spec);
  tool.add_versions(imageio::versions());
  Inputs in;
  auto& app = tool.app();
  auto* poiseuille = app.add_subcommand("poiseuille", "Solvers vs analytic Poiseuille flow at several resolutions");
  auto* one_case = app.add_subcommand("case", "One geometry (config shape.*, or --mask) solved at every flow rate");
  auto* mask = one_case->add_option("--mask", in.mask, "lumen mask: .nii/.nii.gz/.mha/.nrrd, or the released .npy (npy.* keys)")
      ->check(CLI::ExistingFile);
  one_case->add_option("--surface", in.surface, "closed vessel surface in mm: .stl or .vtp (surface.clip_mm opens its ends)")
      ->excludes(mask);
  auto* dataset = app.add_subcommand("dataset", "Generated aneurysms x flow rates, sharded and resumable");
  dataset->add_option("--count", in.count, "number of geometries")->check(CLI::Range(1, 1000000));
  auto* bench = app.add_subcommand("bench", "LBM million lattice updates per second vs memory bandwidth");
  for (auto* c : {poiseuille, one_case, dataset, bench}) c->fallthrough();
  app.require_subcommand(1);

  return tool.main(argc, argv, [&](Run& run) {
    const Settings s = Settings::from_config(run.config());
    if (poiseuille->parsed()) run_poiseuille(run, s);
    else if (one_case->parsed()) run_case(run, s, in);
    else if (dataset->parsed()) run_dataset(run, s, in);
    else run_bench(run, s);
  });
}
