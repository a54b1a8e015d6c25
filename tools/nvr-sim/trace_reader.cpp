// Plain memory-trace input: "R|W <addr> <size> [dep] [pc]" per line, '#' starts a comment.
// addr is decimal or 0x-hex; dep is the 0-based index of an earlier access (-1 none).
#include <fstream>
#include <sstream>

#include <labkit/core/error.h>

#include "workload.h"

namespace nvr {

Workload read_trace(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw labkit::input_error(path, "cannot open trace file");
  Workload w;
  w.name = path;
  std::string text;
  std::size_t lineno = 0;
  auto fail = [&](const std::string& what) {
    return labkit::InputError(path + ":" + std::to_string(lineno) + ": " + what + " in '" + text + "'");
  };
  while (std::getline(in, text)) {
    ++lineno;
    const auto hash = text.find('#');
    const std::string body = hash == std::string::npos ? text : text.substr(0, hash);
    std::istringstream ss(body);
    std::string rw, addr_s, size_s;
    if (!(ss >> rw)) continue;  // blank or comment
    if (rw != "R" && rw != "W" && rw != "r" && rw != "w") throw fail("first field must be R or W");
    if (!(ss >> addr_s >> size_s)) throw fail("expected: R|W <addr> <size> [dep] [pc]");
    Op op;
    op.kind = (rw == "W" || rw == "w") ? OpKind::kStore : OpKind::kLoad;
    try {
      std::size_t used = 0;
      op.addr = std::stoull(addr_s, &used, 0);
      if (used != addr_s.size()) throw std::invalid_argument("addr");
      long long size = std::stoll(size_s, &used, 0);
      if (used != size_s.size() || size <= 0 || size > (1 << 20)) throw std::invalid_argument("size");
      op.size = std::uint32_t(size);
    } catch (const std::exception&) {
      throw fail("bad address or size");
    }
    long long dep = -1, pc = 0;
    std::string tok;
    if (ss >> tok) {
      try {
        std::size_t used = 0;
        dep = std::stoll(tok, &used, 0);
        if (used != tok.size()) throw std::invalid_argument("dep");
      } catch (const std::exception&) {
        throw fail("bad dependency '" + tok + "'");
      }
      if (dep < -1 || dep >= static_cast<long long>(w.ops.size())) throw fail("dependency must name an earlier access");
      if (ss >> tok) {
        try {
          pc = std::stoll(tok, nullptr, 0);
        } catch (const std::exception&) {
          throw fail("bad pc '" + tok + "'");
        }
      }
    }
    op.dep = static_cast<std::int32_t>(dep);
    op.pc = static_cast<std::uint16_t>(pc);
    w.ops.push_back(op);
    ++w.mem_ops;
  }
  if (w.ops.empty()) throw labkit::input_error(path, "trace has no accesses");
  return w;
}

}  // namespace nvr
