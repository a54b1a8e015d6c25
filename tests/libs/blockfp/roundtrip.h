// Shared by the blockfp format tests: one block encoded and decoded again.
#pragma once

#include <vector>

#include "labkit/blockfp/format.h"

namespace labkit::test {

// x encoded as one block of `f` and decoded; the encoded block goes to *enc when given.
inline std::vector<float> roundtrip(const blockfp::Format& f, const std::vector<float>& x,
                                    blockfp::EncodedBlock* enc = nullptr) {
  auto b = blockfp::encode_block(f, x.data(), static_cast<int>(x.size()));
  std::vector<float> out(x.size());
  blockfp::decode_block(f, b, out.data());
  if (enc) *enc = b;
  return out;
}

}  // namespace labkit::test
