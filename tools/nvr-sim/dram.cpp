#include "dram.h"

#include <algorithm>

namespace labkit::nvr_sim {

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
      ch_(cfg.channels, Channel{std::vector<Bank>(cfg.banks), std::vector<std::uint64_t>(1u << 13, 0)}),
      bus_mask_((1u << 13) - 1),
      row_shift_(log2_exact(cfg.row_bytes)),
      bank_shift_(log2_exact(cfg.banks)),
      il_shift_(log2_exact(cfg.interleave_bytes)),
      ch_shift_(log2_exact(cfg.channels)) {}

std::uint32_t Dram::channel_of(std::uint64_t addr) const {
  if (cfg_.channels == 1) return 0;
  const std::uint64_t chunk = il_shift_ >= 0 ? addr >> il_shift_ : addr / cfg_.interleave_bytes;
  return static_cast<std::uint32_t>(ch_shift_ >= 0 ? chunk & (cfg_.channels - 1) : chunk % cfg_.channels);
}

std::uint64_t Dram::local_addr(std::uint64_t addr) const {
  if (cfg_.channels == 1) return addr;
  const std::uint64_t il = cfg_.interleave_bytes;
  const std::uint64_t chunk = il_shift_ >= 0 ? addr >> il_shift_ : addr / il;
  const std::uint64_t slot = ch_shift_ >= 0 ? chunk >> ch_shift_ : chunk / cfg_.channels;
  return slot * il + (addr - chunk * il);
}

std::uint64_t Dram::access(std::uint64_t addr, std::uint64_t t, bool write) {
  Channel& ch = ch_[channel_of(addr)];
  const std::uint64_t local = local_addr(addr);
  // Power-of-two geometry (the usual case) maps with shifts; divisions cost more than the rest.
  const std::uint64_t chunk = row_shift_ >= 0 ? local >> row_shift_ : local / cfg_.row_bytes;
  const std::uint64_t bank = bank_shift_ >= 0 ? chunk & (cfg_.banks - 1) : chunk % cfg_.banks;
  Bank& b = ch.banks[bank];
  const auto row = static_cast<std::int64_t>(bank_shift_ >= 0 ? chunk >> bank_shift_ : chunk / cfg_.banks);
  std::uint64_t start = std::max(t, b.free);
  if (cfg_.t_refi) {
    // Refresh interval of `start`; cached, since a 64-bit division costs more than the rest here.
    if (start < refi_begin_ || start - refi_begin_ >= cfg_.t_refi) {
      refi_k_ = start / cfg_.t_refi;
      refi_begin_ = refi_k_ * cfg_.t_refi;
    }
    const std::uint64_t k = refi_k_;
    if (k >= 1 && start < k * cfg_.t_refi + cfg_.t_rfc) {
      const std::uint64_t end = k * cfg_.t_refi + cfg_.t_rfc;
      ++st_.refresh_stalls;
      st_.refresh_wait += end - start;
      start = end;
    }
    if (k != b.epoch) {  // a refresh since the bank's last command precharged it
      b.open_row = -1;
      b.epoch = k;
    }
  }
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
  auto& bus = ch.bus;
  for (std::uint32_t k = 0; k < burst_cycles_;) {  // first gap of burst_cycles free bus cycles
    if (bus[(data + k) & bus_mask_] == data + k + 1) {
      data += k + 1;
      k = 0;
    } else {
      ++k;
    }
  }
  for (std::uint32_t k = 0; k < burst_cycles_; ++k) bus[(data + k) & bus_mask_] = data + k + 1;
  st_.bank_wait += std::max(t, b.free) - t;
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

}  // namespace labkit::nvr_sim
