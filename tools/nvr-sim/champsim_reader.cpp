// ChampSim binary traces (workload.kind=champsim): a stream of 64-byte `input_instr` records, raw or
// as distributed (.xz, .gz: decompressed through `xz -dc` / `gzip -dc`).
//   offset 0  ip                          u64
//          8  is_branch, 9 branch_taken   u8
//         10  destination_registers[2]    u8
//         12  source_registers[4]         u8
//         16  destination_memory[2]       u64
//         32  source_memory[4]            u64
// Little-endian (x86-64 Pin traces). A zero entry means "none". Per record, in ChampSim's own dispatch
// order: every source_memory operand (a load), then every destination_memory operand (a store), each
// a 1-byte access to the line holding the address (the format carries no sizes). The record's ip is
// the access's pc. A trailing partial record is refused (ChampSim drops it silently).
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <labkit/core/error.h>

#include "workload.h"

namespace labkit::nvr_sim {

namespace {

constexpr std::size_t kRecord = 64;
constexpr std::uint64_t kMaxAddr = 1ull << 57;

std::uint64_t le64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// An open trace stream: the file itself, or a decompressor's stdout.
struct Stream {
  FILE* f = nullptr;
  bool piped = false;
  ~Stream() {
    if (f) piped ? pclose(f) : std::fclose(f);
  }
  int close() {
    const int rc = piped ? pclose(f) : std::fclose(f);
    f = nullptr;
    return rc;
  }
};

}  // namespace

Workload read_champsim_trace(const std::string& path, std::uint64_t max_records) {
  if (FILE* probe = std::fopen(path.c_str(), "rb")) std::fclose(probe);
  else throw labkit::input_error(path, std::string("cannot open trace file: ") + std::strerror(errno));
  Stream s;
  std::string tool;
  if (ends_with(path, ".xz")) tool = "xz -dc ";
  else if (ends_with(path, ".gz")) tool = "gzip -dc ";
  if (!tool.empty()) {
    s.f = popen((tool + "-- " + shell_quote(path) + " 2>/dev/null").c_str(), "r");
    s.piped = true;
  } else {
    s.f = std::fopen(path.c_str(), "rb");
  }
  if (!s.f) throw labkit::input_error(path, "cannot open trace stream");
  Workload w;
  w.name = "champsim:" + path.substr(path.find_last_of('/') + 1);
  std::array<unsigned char, kRecord> rec{};
  std::uint64_t index = 0;
  for (; max_records == 0 || index < max_records; ++index) {
    const std::size_t got = std::fread(rec.data(), 1, kRecord, s.f);
    if (got == 0) break;
    if (got < kRecord)
      throw labkit::input_error(path, "record " + std::to_string(index) + " truncated (" + std::to_string(got) +
                                          " of 64 bytes): the trace is cut short");
    const std::uint64_t ip = le64(rec.data());
    auto emit = [&](std::uint64_t addr, OpKind kind) {
      if (addr == 0) return;
      if (addr >= kMaxAddr)
        throw labkit::input_error(path, "record " + std::to_string(index) + ": address " + std::to_string(addr) +
                                            " beyond 2^57 (not a ChampSim input_instr trace?)");
      w.emit(addr, 1, kind, ip, -1);
    };
    for (int k = 0; k < 4; ++k) emit(le64(rec.data() + 32 + 8 * k), OpKind::kLoad);
    for (int k = 0; k < 2; ++k) emit(le64(rec.data() + 16 + 8 * k), OpKind::kStore);
  }
  const bool stopped_early = max_records != 0 && index == max_records;
  // Stopping early closes the pipe under the decompressor (SIGPIPE): its status then says nothing.
  const int rc = s.close();
  if (!tool.empty() && !stopped_early && rc != 0)
    throw labkit::input_error(path, tool.substr(0, tool.size() - 1) + " failed: not a valid or a truncated " +
                                        tool.substr(0, tool.find(' ')) + " stream");
  if (index == 0) throw labkit::input_error(path, "trace has no records");
  if (w.ops.empty()) throw labkit::input_error(path, "trace has no memory accesses");
  return w;
}

}  // namespace labkit::nvr_sim
