// safetensors writer: compact JSON header padded with spaces to 8 bytes, data in insertion order.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "labkit/core/atomic_file.h"
#include "labkit/tensorio/safetensors.h"

namespace labkit::tensorio {

void SafetensorsWriter::add(const std::string& name, DType dtype, std::vector<int64_t> shape, const void* data,
                            std::size_t nbytes) {
  if (name == "__metadata__") throw std::invalid_argument("safetensors: tensor name '__metadata__' is reserved");
  for (const auto& e : entries_)
    if (e.name == name) throw std::invalid_argument("safetensors: duplicate tensor name '" + name + "'");
  std::size_t numel = 1;
  for (int64_t d : shape) {
    if (d < 0) throw std::invalid_argument("safetensors: tensor '" + name + "' has a negative dimension");
    numel *= static_cast<std::size_t>(d);
  }
  if (numel * dtype_size(dtype) != nbytes)
    throw std::invalid_argument("safetensors: tensor '" + name + "' has " + std::to_string(nbytes) +
                                " bytes but its shape and dtype need " + std::to_string(numel * dtype_size(dtype)));
  const auto* p = static_cast<const std::uint8_t*>(data);
  entries_.push_back({name, dtype, std::move(shape), std::vector<std::uint8_t>(p, p + nbytes)});
}

void SafetensorsWriter::set_metadata(const std::string& key, const std::string& value) { metadata_[key] = value; }

std::string SafetensorsWriter::header_bytes() const {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata_.empty()) header["__metadata__"] = metadata_;
  std::size_t offset = 0;
  for (const auto& e : entries_) {
    nlohmann::ordered_json info;
    info["dtype"] = dtype_name(e.dtype);
    info["shape"] = e.shape;
    info["data_offsets"] = {offset, offset + e.bytes.size()};
    header[e.name] = std::move(info);
    offset += e.bytes.size();
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // keeps the data block 8-byte aligned in the file
  std::string out;
  const uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xffu));
  return out + json;
}

std::string SafetensorsWriter::serialize() const {
  std::string out = header_bytes();
  for (const auto& e : entries_) out.append(reinterpret_cast<const char*>(e.bytes.data()), e.bytes.size());
  return out;
}

// Streams header and tensors (no second in-memory copy of a large checkpoint).
void SafetensorsWriter::write(const std::string& path) const {
  write_atomically(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(path + ": cannot open for writing: " + std::strerror(errno));
    const std::string header = header_bytes();
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (const auto& e : entries_)
      out.write(reinterpret_cast<const char*>(e.bytes.data()), static_cast<std::streamsize>(e.bytes.size()));
    out.close();
    if (!out) throw std::runtime_error(path + ": write failed: " + std::strerror(errno));
  });
}

}  // namespace labkit::tensorio
