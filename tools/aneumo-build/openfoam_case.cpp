#include "openfoam_case.h"

#include <fmt/format.h>
#include <unistd.h>

#include <sys/wait.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "foam_dict.h"
#include "foam_mesh.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "openfoam_mesh.h"

namespace labkit::aneumo_build {

namespace fs = std::filesystem;

namespace {

std::string header(const std::string& cls, const std::string& object) {
  return fmt::format("FoamFile {{ version 2.0; format ascii; class {}; object {}; }}\n", cls, object);
}

void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path);
  out << text;
  if (!out.flush()) throw std::runtime_error(path + ": cannot write");
}

int run_in(const std::string& dir, const std::string& cmd, const std::string& log) {
  const std::string line = fmt::format("cd '{}' && WM_PROJECT_DIR=/usr/share/openfoam {} > '{}' 2>&1 < /dev/null", dir, cmd, log);
  const int rc = std::system(line.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

void must_run(const std::string& dir, const std::string& cmd, const std::string& log_name) {
  const int rc = run_in(dir, cmd, log_name);
  if (rc != 0) throw std::runtime_error(fmt::format("openfoam: '{}' failed (exit {}); see {}/{}", cmd, rc, dir, log_name));
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The dictionaries shared by both meshes: physics, SIMPLE, residual targets, function objects.
void write_common(const std::string& dir, double mdot, const Fluid& fl, const OpenFoamSettings& s, int split_axis) {
  const double nu = fl.viscosity_pa_s / fl.density_kg_m3;
  write_text(dir + "/constant/transportProperties",
             header("dictionary", "transportProperties") + fmt::format("transportModel Newtonian;\nnu {:.10g};\n", nu));
  write_text(dir + "/constant/turbulenceProperties", header("dictionary", "turbulenceProperties") + "simulationType laminar;\n");
  write_text(dir + "/0/U", header("volVectorField", "U") + fmt::format(R"(dimensions [0 1 -1 0 0 0 0];
internalField uniform (0 0 0);
boundaryField
{{
    inlet  {{ type flowRateInletVelocity; massFlowRate constant {:.10g}; rhoInlet {:.10g}; value uniform (0 0 0); }}
    outlet {{ type zeroGradient; }}
    wall   {{ type noSlip; }}
}}
)", mdot, fl.density_kg_m3));
  write_text(dir + "/0/p", header("volScalarField", "p") + R"(dimensions [0 2 -2 0 0 0 0];
internalField uniform 0;
boundaryField { inlet { type zeroGradient; } outlet { type fixedValue; value uniform 0; } wall { type zeroGradient; } }
)");
  write_text(dir + "/system/controlDict", header("dictionary", "controlDict") + fmt::format(R"(application simpleFoam; startFrom latestTime; startTime 0; stopAt endTime; endTime {};
deltaT 1; writeControl timeStep; writeInterval {}; writeFormat ascii; writePrecision 10; writeCompression off;
timeFormat general; timePrecision 6; runTimeModifiable false;
functions
{{
    wallShearStress {{ type wallShearStress; libs ("libfieldFunctionObjects.so"); patches (wall); writeControl writeTime; }}
    inletFlux  {{ type surfaceFieldValue; libs ("libfieldFunctionObjects.so"); regionType patch; name inlet;
                 operation sum; fields (phi); writeFields false; writeControl writeTime; }}
    outletFlux {{ $inletFlux; name outlet; }}
}}
)", s.max_iterations, s.max_iterations));
  write_text(dir + "/system/fvSchemes", header("dictionary", "fvSchemes") + R"(ddtSchemes { default steadyState; }  gradSchemes { default Gauss linear; }
divSchemes { default none; div(phi,U) bounded Gauss linearUpwind grad(U); div((nuEff*dev2(T(grad(U))))) Gauss linear; }
laplacianSchemes { default Gauss linear corrected; }  interpolationSchemes { default linear; }  snGradSchemes { default corrected; }
)");
  write_text(dir + "/system/fvSolution", header("dictionary", "fvSolution") + fmt::format(R"(solvers {{ p {{ solver GAMG; smoother GaussSeidel; tolerance 1e-10; relTol 0.05; }}
          U {{ solver smoothSolver; smoother symGaussSeidel; tolerance 1e-12; relTol 0.1; }} }}
SIMPLE {{ nNonOrthogonalCorrectors 0; consistent yes; residualControl {{ p {:g}; U {:g}; }} }}
relaxationFactors {{ equations {{ U 0.9; }} }}
)", s.p_tolerance, s.u_tolerance));
  int n[3] = {1, 1, 1};
  n[split_axis] = static_cast<int>(s.ranks);
  write_text(dir + "/system/decomposeParDict", header("dictionary", "decomposeParDict") +
                                                  fmt::format("numberOfSubdomains {};\nmethod hierarchical;\ncoeffs {{ n ({} {} {}); order xyz; }}\n",
                                                              s.ranks, n[0], n[1], n[2]));
}

std::string latest_time(const std::string& dir) {
  double best = -1;
  std::string name;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    char* end = nullptr;
    const double t = std::strtod(n.c_str(), &end);
    if (e.is_directory() && end && *end == '\0' && t > best) best = t, name = n;
  }
  return name;
}

double last_flux(const std::string& dat) {
  std::ifstream in(dat);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') last = line;
  std::istringstream ss(last);
  double t = 0, v = 0;
  ss >> t >> v;
  return v;
}

// Runs simpleFoam (serial or decomposed), then reads the latest time back.
FlowField run_and_read(const std::string& dir, double mdot, const Fluid& fl, const OpenFoamSettings& s) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string log = dir + "/log.simpleFoam";
  if (s.ranks > 1) {
    must_run(dir, "decomposePar -force", "log.decomposePar");
    const std::string root = geteuid() == 0 ? "--allow-run-as-root " : "";
    must_run(dir, fmt::format("mpirun {}--oversubscribe -np {} simpleFoam -parallel", root, s.ranks), "log.simpleFoam");
    must_run(dir, "reconstructPar -latestTime", "log.reconstructPar");
  } else {
    must_run(dir, "simpleFoam", "log.simpleFoam");
  }
  const std::string text = slurp(log);
  if (text.find("nan") != std::string::npos || text.find("FOAM FATAL") != std::string::npos)
    throw std::runtime_error("openfoam: simpleFoam diverged (NaN or fatal error); see " + log);
  must_run(dir, "simpleFoam -postProcess -func writeCellCentres -latestTime", "log.writeCellCentres");
  const std::string t = dir + "/" + latest_time(dir);
  FlowField f;
  f.solver = "openfoam";
  f.converged = text.find("SIMPLE solution converged in") != std::string::npos;
  f.iterations = std::atoll(latest_time(dir).c_str());
  f.coords_m = foam_internal_field(t + "/C", 3, 0);
  const size_t cells = f.coords_m.size() / 3;
  f.velocity_m_s = foam_internal_field(t + "/U", 3, cells);
  f.pressure_pa = foam_internal_field(t + "/p", 1, cells);
  for (double& p : f.pressure_pa) p *= fl.density_kg_m3;
  f.wall_coords_m = foam_patch_field(t + "/C", "wall", 3);
  f.wss_pa = foam_patch_field(t + "/wallShearStress", "wall", 3);
  for (double& w : f.wss_pa) w *= -fl.density_kg_m3;  // kinematic, n into the domain -> Pa along the flow
  // Wall normals from the mesh faces (out of the domain there; stored into the lumen), and the traction's
  // normal part removed, so /wall/wss is the wall shear stress proper, as the LBM writes it.
  f.wall_normal = foam_patch_normals(dir + "/constant/polyMesh", "wall");
  if (f.wall_normal.size() != f.wss_pa.size())
    throw InputError(fmt::format("{}/constant/polyMesh: the wall patch has {} faces but wallShearStress has {} values", dir,
                                 f.wall_normal.size() / 3, f.wss_pa.size() / 3));
  for (size_t m = 0; m < f.wss_pa.size(); m += 3) {
    double* n = &f.wall_normal[m];
    double* w = &f.wss_pa[m];
    for (int a = 0; a < 3; ++a) n[a] = -n[a];
    const double wn = w[0] * n[0] + w[1] * n[1] + w[2] * n[2];
    for (int a = 0; a < 3; ++a) w[a] -= wn * n[a];
  }
  f.inlet_mass_flow_kg_s = -last_flux(dir + "/postProcessing/inletFlux/0/surfaceFieldValue.dat") * fl.density_kg_m3;
  f.outlet_mass_flow_kg_s = last_flux(dir + "/postProcessing/outletFlux/0/surfaceFieldValue.dat") * fl.density_kg_m3;
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  (void)mdot;
  return f;
}

}  // namespace

void require_openfoam() {
  if (std::system("command -v simpleFoam > /dev/null 2>&1 && command -v blockMesh > /dev/null 2>&1") != 0)
    throw InputError("openfoam: simpleFoam/blockMesh not found on PATH (Debian: apt-get install openfoam)");
}

FlowField solve_openfoam_pipe(double D_mm, double L_mm, double mdot, const Fluid& fl, const OpenFoamSettings& s,
                              const std::string& dir) {
  require_openfoam();
  write_common(dir, mdot, fl, s, 2);
  write_text(dir + "/system/blockMeshDict", header("dictionary", "blockMeshDict") + pipe_block_mesh_dict(D_mm, L_mm, s));
  must_run(dir, "blockMesh", "log.blockMesh");
  return run_and_read(dir, mdot, fl, s);
}

FlowField solve_openfoam_voxels(const Domain& d, const Openings& o, double mdot, const Fluid& fl, const OpenFoamSettings& s,
                                const std::string& dir) {
  require_openfoam();
  int axis = 0;
  for (int a = 1; a < 3; ++a) axis = d.grid.size[a] > d.grid.size[axis] ? a : axis;
  write_common(dir, mdot, fl, s, axis);
  write_voxel_poly_mesh(d, o, dir + "/constant/polyMesh");
  return run_and_read(dir, mdot, fl, s);
}

}  // namespace labkit::aneumo_build
