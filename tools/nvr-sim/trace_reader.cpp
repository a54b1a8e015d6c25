// Plain memory-trace input: "R|W|I <addr> <size> [dep] [pc]" per line, '#' starts a comment.
// addr is decimal or 0x-hex; dep is the 0-based index of an earlier access (-1 none); I lines are
// instruction fetches (simulated by program-order replay only). Every field is checked: an address
// must be below 2^57 (the widest x86-64/AArch64 virtual address) together with its size, a pc is an
// unsigned 64-bit number, and nothing may follow the fields.
#include <fstream>
#include <sstream>

#include <labkit/core/error.h>

#include "workload.h"

namespace labkit::nvr_sim {

namespace {

constexpr std::uint64_t kMaxAddr = 1ull << 57;

// Unsigned number, decimal or 0x-hex, the whole token; false when it is not one or does not fit.
bool parse_u64(const std::string& tok, std::uint64_t& v) {
  if (tok.empty() || tok[0] == '-' || tok[0] == '+') return false;
  try {
    std::size_t used = 0;
    v = std::stoull(tok, &used, 0);
    return used == tok.size();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

Workload read_trace(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw labkit::input_error(path, "cannot open trace file");
  Workload w;
  w.name = path;
  std::string text;
  std::size_t lineno = 0;
  auto fail = [&](const std::string& what) {
    std::string shown = text.size() > 80 ? text.substr(0, 80) + "..." : text;
    for (char& c : shown)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
    return labkit::InputError(path + ":" + std::to_string(lineno) + ": " + what + " in '" + shown + "'");
  };
  std::uint64_t data_ops = 0;
  while (std::getline(in, text)) {
    ++lineno;
    const auto hash = text.find('#');
    const std::string body = hash == std::string::npos ? text : text.substr(0, hash);
    std::istringstream ss(body);
    std::string rw, addr_s, size_s;
    if (!(ss >> rw)) continue;  // blank or comment
    if (rw != "R" && rw != "W" && rw != "I" && rw != "r" && rw != "w" && rw != "i")
      throw fail("first field must be R, W or I");
    if (!(ss >> addr_s >> size_s)) throw fail("expected: R|W|I <addr> <size> [dep] [pc]");
    Op op;
    op.kind = (rw == "W" || rw == "w") ? OpKind::kStore : (rw == "I" || rw == "i") ? OpKind::kFetch : OpKind::kLoad;
    std::uint64_t addr = 0, size = 0;
    if (!parse_u64(addr_s, addr)) throw fail("bad address '" + addr_s + "' (an unsigned decimal or 0x-hex number)");
    if (!parse_u64(size_s, size) || size == 0 || size > (1u << 20))
      throw fail("bad size '" + size_s + "' (1..1048576 bytes)");
    if (addr >= kMaxAddr || addr + size > kMaxAddr) throw fail("address + size beyond 2^57");
    op.addr = addr;
    op.size = std::uint32_t(size);
    std::string tok;
    long long dep = -1;
    if (ss >> tok) {
      try {
        std::size_t used = 0;
        dep = std::stoll(tok, &used, 0);
        if (used != tok.size()) throw std::invalid_argument("dep");
      } catch (const std::exception&) {
        throw fail("bad dependency '" + tok + "'");
      }
      if (dep < -1 || dep >= static_cast<long long>(w.ops.size())) throw fail("dependency must name an earlier access");
      if (ss >> tok && !parse_u64(tok, op.pc)) throw fail("bad pc '" + tok + "' (an unsigned 64-bit number)");
      if (ss >> tok) throw fail("unexpected '" + tok + "' after the pc");
    }
    op.dep = static_cast<std::int32_t>(dep);
    w.ops.push_back(op);
    ++w.mem_ops;
    data_ops += op.kind != OpKind::kFetch;
  }
  if (in.bad()) throw labkit::input_error(path, "read error");
  if (data_ops == 0) throw labkit::input_error(path, "trace has no data accesses");
  return w;
}

}  // namespace labkit::nvr_sim
