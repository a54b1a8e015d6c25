// dbattn-bench's score-file reader (`--scores`): labkit's safetensors reader plus the dtype, rank, size
// and NaN/+inf checks of read_score_file.
#include "harness.h"
#include "rows.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = labkit::fuzz::write_input(data, size, "input.safetensors");
  labkit::fuzz::expect_input_error_only([&] {
    const auto rows = labkit::dbattn_bench::read_score_file(path);
    if (rows.count() * rows.n != static_cast<int64_t>(rows.data.size())) throw std::logic_error("ragged rows");
  });
  return 0;
}
