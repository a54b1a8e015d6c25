#include "dram.h"

#include <algorithm>

namespace nvr {

namespace {
int log2_exact(std::uint64_t v) {
  if (v == 0 || (v & (v - 1))) return -1;
  int s = 0;
  while ((1ull << s) < v) ++s;
  return s;
}
}  // namespace

Dram::Dram(const DramConfig& cfg, std::uint32_t line_bytes)
    : cfg_(cfg),
      line_bytes_(line_bytes),
      burst_cycles_(std::max<std::uint32_t>(1, (line_bytes + cfg.bytes_per_cycle - 1) / cfg.bytes_per_cycle)),
      banks_(cfg.banks),
      bus_(1u << 13, 0),
      bus_mask_((1u << 13) - 1),
      row_shift_(log2_exact(cfg.row_bytes)),
      bank_shift_(log2_exact(cfg.banks)) {}

std::uint64_t Dram::access(std::uint64_t addr, std::uint64_t t, bool write) {
  // Power-of-two geometry (the usual case) maps with shifts; divisions cost more than the rest.
  const std::uint64_t chunk = row_shift_ >= 0 ? addr >> row_shift_ : addr / cfg_.row_bytes;
  const std::uint64_t bank = bank_shift_ >= 0 ? chunk & (cfg_.banks - 1) : chunk % cfg_.banks;
  Bank& b = banks_[bank];
  const auto row = static_cast<std::int64_t>(bank_shift_ >= 0 ? chunk >> bank_shift_ : chunk / cfg_.banks);
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
