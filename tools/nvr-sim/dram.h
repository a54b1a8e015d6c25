// DRAM: one channel, `banks` banks with an open-row policy, one shared data bus.
// Address map: row-interleaved (consecutive row_bytes chunks go to consecutive banks).
// An access at cycle t to bank b starts at max(t, bank b free); row hit costs tCAS, an idle bank
// tRCD + tCAS, a row conflict tRP + tRCD + tCAS. Data then takes the first free bus slot of
// line/bytes_per_cycle cycles at or after that (the controller fills bus gaps out of order, so a
// request stuck behind a busy bank does not hold up requests to idle banks), and a fixed
// controller/interconnect latency is added. Banks serve their own requests in order.
#pragma once

#include <cstdint>
#include <vector>

#include "config.h"

namespace nvr {

struct DramStats {
  std::uint64_t reads = 0, writes = 0, bytes = 0;
  std::uint64_t row_hits = 0, row_empty = 0, row_conflicts = 0;
  std::uint64_t total_read_latency = 0;  // sum over reads of (done - request)
  std::uint64_t bank_wait = 0, bus_wait = 0;  // cycles spent queued for a busy bank / the data bus
};

class Dram {
 public:
  Dram(const DramConfig& cfg, std::uint32_t line_bytes);
  // Returns the cycle the line's data has arrived.
  std::uint64_t access(std::uint64_t addr, std::uint64_t t, bool write);
  const DramStats& stats() const { return st_; }

 private:
  struct Bank {
    std::uint64_t free = 0;
    std::int64_t open_row = -1;
  };
  DramConfig cfg_;
  std::uint32_t line_bytes_, burst_cycles_;
  std::vector<Bank> banks_;
  // Bus calendar: cycle c is taken iff bus_[c & mask] == c + 1 (no clearing needed; requests are
  // never more than the calendar length ahead of each other).
  std::vector<std::uint64_t> bus_;
  std::uint64_t bus_mask_;
  int row_shift_, bank_shift_;  // log2 of row_bytes / banks, -1 if not a power of two
  DramStats st_;
};

}  // namespace nvr
