#include "dram.h"

#include <algorithm>

namespace nvr {

Dram::Dram(const DramConfig& cfg, std::uint32_t line_bytes)
    : cfg_(cfg),
      line_bytes_(line_bytes),
      burst_cycles_(std::max<std::uint32_t>(1, (line_bytes + cfg.bytes_per_cycle - 1) / cfg.bytes_per_cycle)),
      banks_(cfg.banks),
      bus_(1u << 18, 0),
      bus_mask_((1u << 18) - 1) {}

std::uint64_t Dram::access(std::uint64_t addr, std::uint64_t t, bool write) {
  const std::uint64_t chunk = addr / cfg_.row_bytes;
  Bank& b = banks_[chunk % cfg_.banks];
  const auto row = static_cast<std::int64_t>(chunk / cfg_.banks);
  const std::uint64_t start = std::max(t, b.free);
  std::uint64_t lat;
  if (b.open_row == row) {
    lat = cfg_.t_cas;
    ++st_.row_hits;
  } else if (b.open_row < 0) {
    lat = cfg_.t_rcd + cfg_.t_cas;
    ++st_.row_empty;
  } else {
    lat = cfg_.t_rp + cfg_.t_rcd + cfg_.t_cas;
    ++st_.row_conflicts;
  }
  b.open_row = row;
  std::uint64_t data = start + lat;
  for (std::uint32_t k = 0; k < burst_cycles_;) {  // first gap of burst_cycles free bus cycles
    if (bus_[(data + k) & bus_mask_] == data + k + 1) {
      data += k + 1;
      k = 0;
    } else {
      ++k;
    }
  }
  for (std::uint32_t k = 0; k < burst_cycles_; ++k) bus_[(data + k) & bus_mask_] = data + k + 1;
  st_.bank_wait += start - t;
  st_.bus_wait += data - (start + lat);
  b.free = data;  // the bank can take its next column command once this burst starts
  const std::uint64_t done = data + burst_cycles_ + cfg_.latency;
  st_.bytes += line_bytes_;
  if (write) {
    ++st_.writes;
  } else {
    ++st_.reads;
    st_.total_read_latency += done - t;
  }
  return done;
}

}  // namespace nvr
