#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "flow_output.h"
#include "labkit/core/log.h"
#include "openfoam_case.h"
#include "openings.h"
#include "poiseuille.h"
#include "shapes.h"
#include "verbs.h"

namespace labkit::aneumo_build {

namespace {

struct Row {
  std::string solver;
  int64_t cells;
  double h_mm, dpdx, wss, dpdx_err, wss_err, mass, seconds;
  int64_t iterations;
  bool converged;
};

Row measure(const std::string& solver, int64_t cells, double h_mm, const FlowField& f, const Settings& s, double length_mm,
            double lo, double hi) {
  const auto& p = s.poiseuille;
  const auto ref = poiseuille_reference(p.diameter_mm * 1e-3, p.mass_flow_kg_s, s.fluid);
  const auto m = measure_pipe(f, lo * length_mm * 1e-3, hi * length_mm * 1e-3, p.mass_flow_kg_s, s.fluid, h_mm * 1e-3);
  return {solver, cells, h_mm, m.dpdx_pa_m / 1e3, m.wss_pa, m.dpdx_pa_m / ref.dpdx_pa_m - 1, m.wss_pa / ref.wss_pa - 1,
          m.mass_imbalance, f.seconds, f.iterations, f.converged};
}

}  // namespace

void run_poiseuille(labkit::Run& run, const Settings& s) {
  const auto& p = s.poiseuille;
  const auto ref = poiseuille_reference(p.diameter_mm * 1e-3, p.mass_flow_kg_s, s.fluid);
  std::vector<Row> rows;
  for (const auto& solver : s.solvers)
    for (int64_t n : p.cells_per_diameter) {
      const std::string dir = run.out().file(fmt::format("{}/n{}", solver, n));
      std::filesystem::create_directories(dir);
      FlowField f;
      double h_mm;
      double length = p.length_mm;
      if (solver == "lbm") {
        ShapeSpec spec{};
        spec.kind = "pipe";
        spec.diameter_mm = p.diameter_mm;
        spec.length_mm = p.length_mm;
        h_mm = p.diameter_mm / n;
        const Domain d = voxelise(make_shape(spec), h_mm);
        f = solve_lbm(d, find_openings(d, "poiseuille pipe"), p.mass_flow_kg_s, s.fluid, s.lbm, run.threads());
      } else {
        OpenFoamSettings o = s.openfoam;
        o.cells_across = n;
        h_mm = p.diameter_mm / n;
        length = s.openfoam_pipe_length_mm;
        f = solve_openfoam_pipe(p.diameter_mm, length, p.mass_flow_kg_s, s.fluid, o, dir);
      }
      write_flow_h5(f, p.mass_flow_kg_s, s.fluid, dir + "/fields.h5");
      const bool of = solver == "openfoam";
      rows.push_back(measure(solver, n, h_mm, f, s, length, of ? s.openfoam_window[0] : p.window_lo,
                             of ? s.openfoam_window[1] : p.window_hi));
      log::info("poiseuille {} n={}: dp/dx error {:+.2f} %, WSS error {:+.2f} %", solver, n, 100 * rows.back().dpdx_err,
                100 * rows.back().wss_err);
    }
  std::vector<std::vector<nlohmann::json>> table;
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    // Observed order between this resolution and the previous one of the same solver.
    nlohmann::json order_dp = nullptr, order_wss = nullptr;
    if (i > 0 && rows[i - 1].solver == r.solver) {
      const double ratio = std::log(rows[i - 1].h_mm / r.h_mm);
      order_dp = std::log(std::abs(rows[i - 1].dpdx_err) / std::abs(r.dpdx_err)) / ratio;
      order_wss = std::log(std::abs(rows[i - 1].wss_err) / std::abs(r.wss_err)) / ratio;
    }
    table.push_back({r.solver, r.cells, r.dpdx, 100 * r.dpdx_err, r.wss, 100 * r.wss_err, 100 * r.mass, r.iterations,
                     r.converged, r.seconds});
    out.push_back({{"solver", r.solver}, {"cells_per_diameter", r.cells}, {"h_mm", r.h_mm}, {"dpdx_pa_mm", r.dpdx},
                   {"dpdx_error", r.dpdx_err}, {"wss_pa", r.wss}, {"wss_error", r.wss_err}, {"mass_imbalance", r.mass},
                   {"order_dpdx", order_dp}, {"order_wss", order_wss}, {"iterations", r.iterations},
                   {"converged", r.converged}, {"seconds", r.seconds}});
  }
  run.metrics()["poiseuille"] = out;
  run.metrics()["reference"] = {{"dpdx_pa_mm", ref.dpdx_pa_m / 1e3}, {"wss_pa", ref.wss_pa}, {"reynolds", ref.reynolds}};
  run.summary()
      .add("analytic dp/dx", ref.dpdx_pa_m / 1e3, "Pa/mm")
      .add("analytic WSS", ref.wss_pa, "Pa")
      .add("Reynolds", ref.reynolds)
      .add_table("Poiseuille pipe", {"solver", "cells/D", "dp/dx Pa/mm", "err %", "WSS Pa", "err %", "mass %", "iter", "converged", "s"},
                 table);
}

}  // namespace labkit::aneumo_build
