// SHA-256 (FIPS 180-4) of a file, streamed in 1 MiB blocks, for the shard manifest and verify.
#pragma once

#include <cstdint>
#include <string>

namespace labkit::qo2mol {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t n);
  std::string hex();  // finalises

 private:
  void block(const unsigned char* p);
  std::uint32_t h_[8];
  unsigned char buf_[64];
  std::size_t used_ = 0;
  std::uint64_t bits_ = 0;
};

std::string sha256_hex(const std::string& bytes);
std::string sha256_file(const std::string& path);  // InputError if unreadable

}  // namespace labkit::qo2mol
