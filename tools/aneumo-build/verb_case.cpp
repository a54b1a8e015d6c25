#include <fmt/format.h>

#include <filesystem>
#include <algorithm>
#include <random>

#include "deformation.h"
#include "labkit/core/log.h"
#include "mask_io.h"
#include "surface_io.h"
#include "morphometrics.h"
#include "openings.h"
#include "shapes.h"
#include "solve_case.h"
#include "surface.h"
#include "verbs.h"

namespace labkit::aneumo_build {

namespace {

// Writes the geometry files of one case and solves its flow rates; returns the case's metrics.
nlohmann::json build_case(labkit::Run& run, const Settings& s, const Domain& d, const Domain* parent,
                          const std::string& name, const std::string& source) {
  const std::string dir = run.out().file(name);
  std::filesystem::create_directories(dir);
  const Openings o = find_openings(d, source);
  nlohmann::json m{{"case", name}, {"source", source}, {"voxels", d.grid.size}, {"spacing_mm", d.grid.spacing_mm},
                   {"lumen_voxels", d.fluid_count()}, {"inlet", o.inlet.name()}, {"outlets", o.outlets.size()}};
  if (!std::filesystem::exists(dir + "/mask.nii.gz")) write_mask_nifti(d, dir + "/mask.nii.gz");
  const SurfaceStats st = mask_surface(d.mask, d.grid, 20, dir + "/surface.vtp");
  m["surface"] = {{"area_mm2", st.area_mm2}, {"volume_mm3", st.volume_mm3}, {"triangles", st.triangles}, {"closed", st.closed}};
  if (parent) {
    const Morphometrics mp = sac_morphometrics(d, *parent);
    m["morphometrics"] = morphometrics_json(mp);
    const auto problems = morphometric_qc(mp);
    m["qc_passed"] = problems.empty();
    m["qc_problems"] = problems;
    if (!problems.empty()) log::warn("{}: morphometric QC failed: {}", name, problems.front());
  }
  m["flows"] = solve_flow_rates(run, s, d, dir, source);
  return m;
}

// Room beside a straight parent for a sac that the deformation may enlarge by up to 1.5x.
void widen_sides(Shape& shape, const ShapeSpec& spec) {
  const double extra = 0.6 * spec.neck_mm * std::max(1.0, spec.aspect_ratio);
  for (int a = 0; a < 2; ++a) shape.box_lo[a] -= extra, shape.box_hi[a] += extra;
}

ShapeSpec varied(const ShapeSpec& base, uint64_t seed, int64_t index) {
  std::mt19937_64 rng(seed * 1000003 + static_cast<uint64_t>(index));
  std::uniform_real_distribution<double> u(0, 1);
  ShapeSpec s = base;
  s.kind = "aneurysm";
  s.parent = "pipe";  // the dataset widens the box sideways: a straight parent keeps its openings on z
  s.neck_mm = base.diameter_mm * (0.5 + 0.4 * u(rng));
  s.aspect_ratio = 0.8 + 1.2 * u(rng);
  s.sac_azimuth_deg = 360 * u(rng);
  s.sac_position = 0.4 + 0.2 * u(rng);
  return s;
}

}  // namespace

void run_case(labkit::Run& run, const Settings& s, const Inputs& in) {
  nlohmann::json m;
  if (!in.mask.empty()) {
    const Domain d = read_mask(in.mask, s.npy);
    m = build_case(run, s, d, nullptr, "case", in.mask);
  } else if (!in.surface.empty()) {
    const TriangleSurface surface = read_surface(in.surface);
    const Domain d = voxelise_surface(surface, s.spacing_mm, s.surface_clip_mm);
    m = build_case(run, s, d, nullptr, "case", in.surface);
    m["surface_input"] = {{"file", in.surface}, {"triangles", surface.triangles.size() / 3},
                          {"enclosed_volume_mm3", enclosed_volume_mm3(surface)}};
  } else {
    const Shape shape = make_shape(s.shape);
    const Domain d = voxelise(shape, s.spacing_mm);
    const Domain parent = voxelise(shape, s.spacing_mm, true);
    m = build_case(run, s, d, shape.sacs.empty() ? nullptr : &parent, "case", "shape." + s.shape.kind);
  }
  run.metrics()["case"] = m;
  std::vector<std::vector<nlohmann::json>> rows;
  for (const auto& f : m["flows"]) rows.push_back({f["solver"], f["mass_flow_kg_s"], f["iterations"], f["converged"], f["resumed"]});
  run.summary().add("lumen voxels", m["lumen_voxels"]).add("inlet", m["inlet"]).add("outlets", m["outlets"]);
  run.summary().add_table("flow rates", {"solver", "kg/s", "iterations", "converged", "resumed"}, rows);
}

void run_dataset(labkit::Run& run, const Settings& s, const Inputs& in) {
  nlohmann::json cases = nlohmann::json::array();
  std::vector<std::vector<nlohmann::json>> rows;
  for (int64_t g = 0; g < in.count; ++g) {
    if (!run.shard().owns(g)) continue;
    const ShapeSpec spec = varied(s.shape, run.seed(), g);
    Shape shape = make_shape(spec);
    widen_sides(shape, spec);
    Domain d = voxelise(shape, s.spacing_mm);
    const Domain parent = voxelise(shape, s.spacing_mm, true);
    const std::string name = fmt::format("case_{:04d}", g);
    nlohmann::json deformation = nullptr;
    if (s.deformation.enabled) {
      std::mt19937_64 rng(run.seed() * 7919 + static_cast<uint64_t>(g));
      const double amp = std::uniform_real_distribution<double>(s.deformation.amplitude_min, s.deformation.amplitude_max)(rng);
      const auto r = deform_sac(d, parent, {amp, s.deformation.band_mm, rng()});
      d = r.mask;
      deformation = {{"amplitude", amp}, {"band_mm", s.deformation.band_mm}, {"clipped_voxels", r.clipped}};
    }
    log::info("dataset: {} (neck {:.2f} mm, AR {:.2f})", name, spec.neck_mm, spec.aspect_ratio);
    auto m = build_case(run, s, d, &parent, name, "generated");
    m["generator"] = {{"neck_mm", spec.neck_mm}, {"aspect_ratio", spec.aspect_ratio}, {"sac_azimuth_deg", spec.sac_azimuth_deg},
                      {"sac_position", spec.sac_position}, {"deformation", deformation}};
    rows.push_back({name, m["morphometrics"]["neck_width_mm"], m["morphometrics"]["aspect_ratio"], m["qc_passed"], m["flows"].size()});
    cases.push_back(std::move(m));
  }
  run.metrics()["cases"] = cases;
  run.metrics()["shard"] = run.shard().str();
  run.summary().add_table("cases", {"case", "neck mm", "AR", "QC", "flow rates"}, rows);
}

}  // namespace labkit::aneumo_build
