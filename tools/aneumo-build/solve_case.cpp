#include "solve_case.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "flow_output.h"
#include "labkit/core/curves.h"
#include "labkit/core/log.h"
#include "labkit/core/progress.h"
#include "openfoam_case.h"
#include "openings.h"

namespace labkit::aneumo_build {

namespace fs = std::filesystem;

std::string flow_folder(double m) { return fmt::format("m={}", m); }

namespace {

constexpr const char* kConvergencePanel = "LBM convergence: relative L2 change of velocity per check";

// The LBM's convergence history goes to report.json's curves (one series per case and flow rate), so a
// run that does not settle shows whether it stalls, oscillates or drifts.
FlowField solve_one(const std::string& solver, const Settings& s, const Domain& d, const Openings& o, double mdot,
                    int threads, const std::string& work_dir, nlohmann::json& row, nlohmann::json& curves,
                    const std::string& series) {
  if (solver == "openfoam") return solve_openfoam_voxels(d, o, mdot, s.fluid, s.openfoam, work_dir);
  LbmRunInfo info;
  Progress bar(fmt::format("lbm {} kg/s", mdot), s.lbm.max_steps, "step");
  FlowField f = solve_lbm(d, o, mdot, s.fluid, s.lbm, threads, &info, [&](int64_t step, double change) {
    bar.set(step);
    if (std::isfinite(change) && change > 0) add_curve_point(curves, kConvergencePanel, "step", series, double(step), change);
  });
  bar.finish();
  if (curves.contains(kConvergencePanel)) set_curve_log_y(curves, kConvergencePanel);
  row["final_change"] = f.final_change;
  row["averaged_checks"] = f.averaged_checks;
  row["tau"] = info.units.tau;
  row["dt_s"] = info.units.dt_s;
  row["mlups"] = info.mlups;
  return f;
}

}  // namespace

nlohmann::json solve_flow_rates(labkit::Run& run, const Settings& s, const Domain& d, const std::string& case_dir,
                                const std::string& source) {
  const Openings o = find_openings(d, source);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& solver : s.solvers)
    for (double mdot : s.flow_rates_kg_s) {
      const std::string dir = case_dir + "/" + solver + "/" + flow_folder(mdot);
      nlohmann::json row{{"solver", solver}, {"mass_flow_kg_s", mdot}};
      if (fs::exists(dir + "/fields.h5")) {
        const FlowField done = read_flow_h5(dir + "/fields.h5");
        row["resumed"] = true;
        row["iterations"] = done.iterations;
        row["converged"] = done.converged;
        row["mass_imbalance"] = std::abs(done.outlet_mass_flow_kg_s - done.inlet_mass_flow_kg_s) / done.inlet_mass_flow_kg_s;
        log::info("{}: {} {} kg/s already solved, kept", case_dir, solver, mdot);
        rows.push_back(row);
        continue;
      }
      fs::create_directories(dir);
      FlowField f = solve_one(solver, s, d, o, mdot, run.threads(), dir, row, run.report_extra()["curves"],
                              fmt::format("{} {} kg/s", fs::path(case_dir).filename().string(), mdot));
      write_flow_vtk(f, dir + "/fields.vtp", dir + "/wall.vtp");
      write_flow_h5(f, mdot, s.fluid, dir + "/fields.h5");  // last: marks the flow rate finished
      row["resumed"] = false;
      row["iterations"] = f.iterations;
      row["converged"] = f.converged;
      row["seconds"] = f.seconds;
      row["mass_imbalance"] = std::abs(f.outlet_mass_flow_kg_s - f.inlet_mass_flow_kg_s) / f.inlet_mass_flow_kg_s;
      rows.push_back(row);
    }
  return rows;
}

}  // namespace labkit::aneumo_build
