// DRAM: `channels` independent channels, each with `banks` banks (open-row policy) and its own data bus.
// Address map: consecutive interleave_bytes chunks go to consecutive channels; inside a channel the
// channel-local address is row-interleaved (consecutive row_bytes chunks go to consecutive banks).
// An access at cycle t to bank b starts at max(t, bank b free); row hit costs tCAS, an idle bank
// tRCD + tCAS, a row conflict tRP + tRCD + tCAS. Data then takes the first free slot of the channel's
// bus of line/bytes_per_cycle cycles at or after that (the controller fills bus gaps out of order, so
// a request stuck behind a busy bank does not hold up requests to idle banks), and a fixed
// controller/interconnect latency is added. Banks serve their own requests in order.
// Refresh (t_refi > 0): every channel refreshes all banks in [k t_refi, k t_refi + t_rfc), k >= 1. A
// command that would start inside a refresh waits for its end, and a refresh closes every open row
// (the next access to the bank is a row-empty one). Bursts already scheduled are not moved.
#pragma once

#include <cstdint>
#include <vector>

#include "settings.h"

namespace labkit::nvr_sim {

struct DramStats {
  std::uint64_t reads = 0, writes = 0, bytes = 0;
  std::uint64_t row_hits = 0, row_empty = 0, row_conflicts = 0;
  std::uint64_t total_read_latency = 0;  // sum over reads of (done - request)
  std::uint64_t bank_wait = 0, bus_wait = 0;  // cycles spent queued for a busy bank / the data bus
  std::uint64_t refresh_stalls = 0, refresh_wait = 0;  // accesses delayed by a refresh, and the cycles
};

class Dram {
 public:
  Dram(const DramConfig& cfg, std::uint32_t line_bytes);
  // Returns the cycle the line's data has arrived.
  std::uint64_t access(std::uint64_t addr, std::uint64_t t, bool write);
  const DramStats& stats() const { return st_; }
  // Channel and channel-local address of a byte address (exposed for tests).
  std::uint32_t channel_of(std::uint64_t addr) const;
  std::uint64_t local_addr(std::uint64_t addr) const;

 private:
  struct Bank {
    std::uint64_t free = 0;
    std::int64_t open_row = -1;
    std::uint64_t epoch = 0;  // refresh interval of the bank's last command
  };
  struct Channel {
    std::vector<Bank> banks;
    // Bus calendar: cycle c is taken iff bus[c & mask] == c + 1 (no clearing needed; requests are
    // never more than the calendar length ahead of each other).
    std::vector<std::uint64_t> bus;
  };
  DramConfig cfg_;
  std::uint32_t line_bytes_, burst_cycles_;
  std::vector<Channel> ch_;
  std::uint64_t bus_mask_;
  int row_shift_, bank_shift_, il_shift_, ch_shift_;  // log2 of row_bytes / banks / interleave / channels, -1 if not a power of two
  std::uint64_t refi_k_ = 0, refi_begin_ = 0;  // last refresh interval looked up, and its first cycle
  DramStats st_;
};

}  // namespace labkit::nvr_sim
