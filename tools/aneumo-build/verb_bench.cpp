#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "openings.h"
#include "shapes.h"
#include "slab_pool.h"
#include "verbs.h"

namespace labkit::aneumo_build {

namespace {

// STREAM-style copy bandwidth (bytes read + written per second) with `threads` threads, best of 5.
double copy_bandwidth(int64_t megabytes, int threads) {
  const size_t n = static_cast<size_t>(megabytes) * (1 << 20) / sizeof(float);
  std::vector<float> a(n, 1.f), b(n, 0.f);
  SlabPool pool(threads);
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    pool.run([&](int p) {
      const size_t lo = n * p / pool.size(), hi = n * (p + 1) / pool.size();
      std::memcpy(b.data() + lo, a.data() + lo, (hi - lo) * sizeof(float));
    });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, 2.0 * n * sizeof(float) / s);
  }
  return best + 0 * b[n / 2];
}

}  // namespace

void run_bench(labkit::Run& run, const Settings& s) {
  ShapeSpec spec{};
  spec.kind = "pipe";
  spec.diameter_mm = 3;
  spec.length_mm = 30;
  const double h = 3.0 / s.bench.cells_per_diameter;
  const Domain d = voxelise(make_shape(spec), h);
  const Openings o = find_openings(d, "bench pipe");
  // A low flow keeps any resolution inside the stability window: throughput does not depend on it.
  LbmSettings lbm = s.lbm;
  lbm.tau_min = 0.5;
  lbm.tau_max = 100;
  std::vector<int> thread_counts{1};
  if (run.threads() > 1) thread_counts.push_back(run.threads());
  std::vector<std::vector<nlohmann::json>> rows;
  nlohmann::json out = nlohmann::json::array();
  // The first (node-by-node) kernel on 1 thread, then the chunked one on each thread count, in the same
  // run so that the machine's load is comparable.
  struct Case {
    const char* kernel;
    int threads;
  };
  std::vector<Case> cases{{"reference", 1}};
  for (int t : thread_counts) cases.push_back({"chunked", t});
  for (const Case& c : cases) {
    const double bw = copy_bandwidth(s.bench.copy_megabytes, c.threads);
    const Throughput tp = lbm_throughput(d, o, 0.0005, s.fluid, lbm, c.threads, s.bench.steps, c.kernel[0] == 'r');
    const double roof = bw / kLbmBytesPerUpdate / 1e6, per_cpu = tp.mlups_cpu / c.threads;
    rows.push_back({c.kernel, c.threads, tp.mlups_wall, per_cpu, bw / 1e9, roof, 100 * tp.mlups_wall / roof, 100 * per_cpu / roof});
    out.push_back({{"kernel", c.kernel}, {"threads", c.threads}, {"mlups", tp.mlups_wall}, {"mlups_per_cpu_second_per_thread", per_cpu},
                   {"copy_gb_s", bw / 1e9}, {"roofline_mlups", roof}, {"fraction_of_roofline", tp.mlups_wall / roof},
                   {"fraction_of_roofline_per_cpu_second", per_cpu / roof}});
  }
  run.metrics()["bench"] = out;
  run.metrics()["grid"] = d.grid.size;
  run.metrics()["fluid_nodes"] = d.fluid_count();
  run.metrics()["bytes_per_update"] = kLbmBytesPerUpdate;
  run.summary()
      .add("grid", fmt::format("{}x{}x{}", d.grid.size[0], d.grid.size[1], d.grid.size[2]))
      .add("fluid nodes", d.fluid_count())
      .add_table("LBM throughput", {"kernel", "threads", "MLUPS", "MLUPS/CPU-s/thread", "copy GB/s", "roofline MLUPS", "% of roofline", "% (CPU-s)"}, rows);
}

}  // namespace labkit::aneumo_build
