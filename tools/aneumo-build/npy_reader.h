// NumPy .npy files (format 1.0/2.0/3.0): header parsed and bounded by the file size, little-endian
// float32/float64/uint8/int8/bool/int16/int32/int64 data converted to float. Bad files throw
// InputError("<path>: <problem>").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace labkit::aneumo_build {

struct NpyArray {
  std::vector<int64_t> shape;
  bool fortran_order = false;
  std::string dtype;        // the header's descr, e.g. "<f4"
  std::vector<float> data;  // in file order
};

NpyArray read_npy(const std::string& path);
// The same from bytes in memory (`source` names them in errors); the fuzz harness calls this.
NpyArray parse_npy(const std::string& bytes, const std::string& source);

}  // namespace labkit::aneumo_build
