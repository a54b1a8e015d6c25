// safetensors files (https://github.com/huggingface/safetensors format): 8-byte little-endian header
// size N, N bytes of JSON {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str:
// str}}, then the raw little-endian tensor bytes; offsets are relative to the start of the data block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "labkit/tensorio/dtype.h"

namespace labkit::tensorio {

// A tensor inside a SafetensorsFile (data points into the mapping: valid while the file object lives;
// not necessarily aligned to the element size, so memcpy rather than reinterpret_cast for wide types).
struct TensorView {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  const std::uint8_t* data;
  std::size_t nbytes;
  int64_t numel() const;
};

// Read-only, memory-mapped safetensors file. The whole header is validated on open(); every problem is
// an InputError "<path>: <problem>" naming the tensor where there is one.
class SafetensorsFile {
 public:
  static std::shared_ptr<SafetensorsFile> open(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  // In file order (ascending data offset; header order for equal offsets).
  const std::vector<TensorView>& tensors() const { return tensors_; }
  // InputError "<path>: no tensor '<name>'" if missing.
  const TensorView& at(const std::string& name) const;
  bool contains(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& path() const { return path_; }

 private:
  SafetensorsFile() = default;
  std::string path_;
  void* map_ = nullptr;
  std::size_t map_size_ = 0;
  std::vector<TensorView> tensors_;
  std::map<std::string, std::size_t> index_;  // name -> position in tensors_
  std::map<std::string, std::string> metadata_;
};

// Collects tensors (copying their bytes) and writes them in insertion order with write-then-rename.
class SafetensorsWriter {
 public:
  // nbytes must equal numel(shape) * dtype_size(dtype); names must be unique and not "__metadata__"
  // (std::invalid_argument otherwise).
  void add(const std::string& name, DType dtype, std::vector<int64_t> shape, const void* data,
           std::size_t nbytes);
  template <class T>
  void add(const std::string& name, const std::vector<T>& values, std::vector<int64_t> shape) {
    if constexpr (std::is_same_v<T, bool>) {  // std::vector<bool> is bit-packed: widen to one byte each
      std::vector<std::uint8_t> bytes(values.begin(), values.end());
      add(name, DType::kBool, std::move(shape), bytes.data(), bytes.size());
    } else {
      add(name, dtype_of<T>(), std::move(shape), values.data(), values.size() * sizeof(T));
    }
  }
  void set_metadata(const std::string& key, const std::string& value);
  // std::runtime_error naming the path if the file cannot be written; nothing is left behind then.
  void write(const std::string& path) const;
  // The complete file contents (header + data), as write() would store them.
  std::string serialize() const;

 private:
  struct Entry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<std::uint8_t> bytes;
  };
  std::string header_bytes() const;  // 8-byte size + padded JSON
  std::vector<Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace labkit::tensorio
