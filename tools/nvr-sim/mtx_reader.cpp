// Matrix Market coordinate reader. Only the sparsity pattern matters to the simulator, so values are
// parsed for validation and dropped. Symmetric/skew/hermitian files store one triangle: mirrored here.
#include <cctype>
#include <fstream>
#include <sstream>

#include <labkit/core/error.h>

#include "workload.h"

namespace labkit::nvr_sim {

namespace {
constexpr long long kMaxDim = 1ll << 27;
std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}
// The banner line: how many numbers follow each row/col pair, and whether entries are mirrored.
struct Banner {
  int values_per_entry;
  bool mirror;
};

template <class Fail>
Banner read_banner(const std::string& text, const Fail& fail) {
  std::istringstream hs(text);
  std::string banner, object, format, field, symmetry;
  hs >> banner >> object >> format >> field >> symmetry;
  if (banner != "%%MatrixMarket") throw fail("missing %%MatrixMarket header");
  object = lower(object), format = lower(format), field = lower(field), symmetry = lower(symmetry);
  if (object != "matrix") throw fail("object '" + object + "' is not 'matrix'");
  if (format != "coordinate") throw fail("format '" + format + "' not supported (only coordinate)");
  Banner b{};
  if (field == "pattern") b.values_per_entry = 0;
  else if (field == "real" || field == "integer" || field == "double") b.values_per_entry = 1;
  else if (field == "complex") b.values_per_entry = 2;
  else throw fail("unknown field '" + field + "'");
  b.mirror = symmetry == "symmetric" || symmetry == "skew-symmetric" || symmetry == "hermitian";
  if (!b.mirror && symmetry != "general") throw fail("unknown symmetry '" + symmetry + "'");
  return b;
}

}  // namespace

CsrMatrix read_matrix_market(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw labkit::input_error(path, "cannot open Matrix Market file");
  in.seekg(0, std::ios::end);
  const std::uint64_t file_bytes = in.tellg() > 0 ? std::uint64_t(in.tellg()) : 0;
  in.seekg(0, std::ios::beg);
  auto fail = [&](std::size_t line, const std::string& what) {
    return labkit::InputError(path + ":" + std::to_string(line) + ": " + what);
  };
  std::string text;
  std::size_t lineno = 1;
  if (!std::getline(in, text)) throw fail(1, "empty file");
  const auto [values_per_entry, mirror] = read_banner(text, [&](const std::string& what) { return fail(1, what); });

  // Size line: first non-comment line.
  std::uint64_t rows = 0, cols = 0, declared = 0;
  while (std::getline(in, text)) {
    ++lineno;
    if (text.empty() || text[0] == '%') continue;
    std::istringstream ss(text);
    long long r, c, n;
    std::string extra;
    if (!(ss >> r >> c >> n) || (ss >> extra) || r <= 0 || c <= 0 || n < 0)
      throw fail(lineno, "bad size line '" + text + "' (expected: rows cols entries)");
    // Bound what the header may claim (issue 14: 4294967295 x 4294967295 grew past 4.7 GB, 1e15
    // entries ended in bad_alloc): the row pointers are held in memory (4 bytes a row), and every
    // entry needs at least 4 bytes of the file ("1 1\n").
    if (r > kMaxDim || c > kMaxDim)
      throw fail(lineno, "declares " + std::to_string(r) + " x " + std::to_string(c) +
                             ": more than 2^27 rows or columns is beyond this simulator");
    const std::streamoff here = in.tellg();
    const std::uint64_t left = here >= 0 && file_bytes > std::uint64_t(here) ? file_bytes - std::uint64_t(here) : 0;
    if (std::uint64_t(n) > left / 4)
      throw fail(lineno, "declares " + std::to_string(n) + " entries, but the " + std::to_string(left) +
                             " bytes after the header hold at most " + std::to_string(left / 4));
    rows = std::uint64_t(r), cols = std::uint64_t(c), declared = std::uint64_t(n);
    break;
  }
  if (rows == 0) throw fail(lineno, "missing size line");

  std::vector<std::pair<std::uint32_t, std::uint32_t>> e;
  e.reserve(mirror ? 2 * declared : declared);
  std::uint64_t seen = 0;
  while (std::getline(in, text)) {
    ++lineno;
    if (text.empty() || text[0] == '%') continue;
    bool blank = true;
    for (char ch : text) blank &= std::isspace(static_cast<unsigned char>(ch)) != 0;
    if (blank) continue;
    if (seen == declared) throw fail(lineno, "more entries than the " + std::to_string(declared) + " declared");
    std::istringstream ss(text);
    long long r, c;
    if (!(ss >> r >> c)) throw fail(lineno, "bad entry '" + text + "' (expected: row col" +
                                                 std::string(values_per_entry ? " value" : "") + ")");
    for (int k = 0; k < values_per_entry; ++k) {
      double v;
      if (!(ss >> v)) throw fail(lineno, "bad entry '" + text + "': missing or non-numeric value");
    }
    std::string extra;
    if (ss >> extra) throw fail(lineno, "bad entry '" + text + "': unexpected '" + extra + "'");
    if (r < 1 || std::uint64_t(r) > rows || c < 1 || std::uint64_t(c) > cols)
      throw fail(lineno, "index (" + std::to_string(r) + ", " + std::to_string(c) + ") outside " +
                             std::to_string(rows) + " x " + std::to_string(cols));
    e.emplace_back(std::uint32_t(r - 1), std::uint32_t(c - 1));
    if (mirror && r != c) e.emplace_back(std::uint32_t(c - 1), std::uint32_t(r - 1));
    ++seen;
  }
  if (seen != declared)
    throw fail(lineno, "file ends after " + std::to_string(seen) + " of " + std::to_string(declared) + " entries");
  return csr_from_coo(std::uint32_t(rows), std::uint32_t(cols), std::move(e));
}

}  // namespace labkit::nvr_sim
