// remalis-train's TraCI reply parser (tools/remalis-train/traci_wire.cpp): bytes that come from a sumo
// socket. The first byte picks how many request commands the reply answers (1-8), the next ones their
// kinds (get, set, subscribe, step, close, version); the rest is the reply body. TraciError is the
// parser's promised answer to malformed bytes (the episode is then reported lost); anything else escapes.
#include <vector>

#include "harness.h"
#include "traci_wire.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using labkit::remalis_train::TraciRequest;
  if (size < 1) return 0;
  const std::size_t n = 1 + data[0] % 8;
  if (size < 1 + n) return 0;
  std::vector<TraciRequest::Kind> kinds;
  std::vector<std::uint8_t> ids;
  const std::uint8_t id_of[6] = {0xa2, 0xc2, 0xd3, 0x02, 0x7f, 0x00};
  for (std::size_t i = 0; i < n; ++i) {
    const int k = data[1 + i] % 6;
    kinds.push_back(static_cast<TraciRequest::Kind>(k));
    ids.push_back(id_of[k]);
  }
  const std::string body(reinterpret_cast<const char*>(data + 1 + n), size - 1 - n);
  try {
    labkit::remalis_train::parse_reply(body, kinds, ids);
  } catch (const labkit::remalis_train::TraciError&) {
  }
  return 0;
}
