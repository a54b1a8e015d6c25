// Random-access read rate of a packed dataset through the C++ reader (one core, page cache warm).
// usage: qo2mol-pack-bench DATASET [RANDOM_READS=200000] [SEED=1] [CHUNK_CACHE_MIB=64]
// Prints one JSON object: sequential, random and molecule-batch conformers per second.
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "labkit/molpack/dataset_reader.h"

using Clock = std::chrono::steady_clock;
using labkit::molpack::ConformerRecord;
using labkit::molpack::DatasetReader;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DATASET [RANDOM_READS] [SEED]\n", argv[0]);
    return 2;
  }
  const std::int64_t reads = argc > 2 ? std::stoll(argv[2]) : 200000;
  const std::uint64_t seed = argc > 3 ? std::stoull(argv[3]) : 1;
  auto t0 = Clock::now();
  const double cache_mib = argc > 4 ? std::stod(argv[4]) : 64.0;
  DatasetReader ds(argv[1], cache_mib);
  const double open_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const std::int64_t n = ds.num_conformers();
  ConformerRecord r;
  double checksum = 0;

  // Sequential pass: also brings the files into the page cache.
  t0 = Clock::now();
  std::int64_t atoms = 0;
  for (std::int64_t g = 0; g < n; ++g) {
    ds.read(g, r);
    atoms += static_cast<std::int64_t>(r.z.size());
    checksum += r.positions[0];
  }
  const double seq_s = std::chrono::duration<double>(Clock::now() - t0).count();

  std::mt19937_64 rng(seed);
  t0 = Clock::now();
  for (std::int64_t k = 0; k < reads; ++k) {
    ds.read(static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(n)), r);
    checksum += r.forces[0];
  }
  const double rand_s = std::chrono::duration<double>(Clock::now() - t0).count();

  t0 = Clock::now();
  std::int64_t batch_confs = 0;
  for (const auto& mols : ds.molecule_batches("random", "train", 32, seed)) {
    const auto b = ds.batch(mols);
    batch_confs += static_cast<std::int64_t>(b.conformers.size());
    checksum += b.energy.empty() ? 0 : b.energy[0];
  }
  const double batch_s = std::chrono::duration<double>(Clock::now() - t0).count();

  nlohmann::json out{{"dataset", argv[1]},
                     {"conformers", n},
                     {"chunk_cache_mib", cache_mib},
                     {"atoms", atoms},
                     {"open_seconds", open_s},
                     {"sequential_conformers_per_s", static_cast<double>(n) / seq_s},
                     {"random_reads", reads},
                     {"random_conformers_per_s", static_cast<double>(reads) / rand_s},
                     {"molecule_batch_conformers_per_s", static_cast<double>(batch_confs) / batch_s},
                     {"checksum", checksum}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
