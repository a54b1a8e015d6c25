// What the NPU executes: a list of ops (vector loads/stores and compute steps) plus, for sparse
// kernels, the loop descriptor that the NPU's loop instruction carries (array bases, tile shape) and
// the CSR matrix whose values the runahead prefetchers read from memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "settings.h"

namespace labkit::nvr_sim {

struct CsrMatrix {
  std::uint32_t rows = 0, cols = 0;
  std::vector<std::uint32_t> row_ptr;  // rows + 1
  std::vector<std::uint32_t> col_idx;  // nnz, sorted within a row, no duplicates
  std::uint64_t nnz() const { return col_idx.size(); }
};

// Build CSR from (row, col) pairs; sorts and drops duplicates.
CsrMatrix csr_from_coo(std::uint32_t rows, std::uint32_t cols,
                       std::vector<std::pair<std::uint32_t, std::uint32_t>> entries);

// kFetch: an instruction fetch from a trace ('I' lines); only program-order replay simulates it.
enum class OpKind : std::uint8_t { kLoad, kStore, kCompute, kFetch };

// "PC" of each op: which instruction stream it belongs to (prefetchers key tables on it).
// Two-sided kernels (spgemm) add the CSC chain of B: col_ptr -> row_idx -> values (gathered as kPcGather).
enum Pc : std::uint16_t {
  kPcRowPtr = 1, kPcColIdx = 2, kPcValues = 3, kPcGather = 4, kPcStore = 5, kPcDense = 6,
  kPcBColPtr = 7, kPcBRowIdx = 8
};

struct Op {
  std::uint64_t addr = 0;
  std::uint32_t size = 0;  // bytes (loads/stores) or cycles (compute)
  OpKind kind = OpKind::kLoad;
  std::uint64_t pc = 0;
  std::int32_t dep = -1;   // index of an earlier op this one waits for (-1 none)
  std::uint32_t aux = 0;   // gathers: position in col_idx (the index element feeding it); compute: step
};

// Loop descriptor of a tiled CSR x dense kernel (Gemmini-style loop instruction operands).
struct KernelDesc {
  bool valid = false;
  std::uint64_t row_ptr_base = 0, col_idx_base = 0, values_base = 0, b_base = 0, out_base = 0;
  std::uint32_t idx_bytes = 4, elem_bytes = 4;
  std::uint32_t b_row_bytes = 0;  // bytes between consecutive rows of the gathered operand
  std::uint32_t tile_bytes = 0;   // bytes gathered per nonzero per column tile
  std::uint32_t tile_rows = 16, n_col_tiles = 1;
  const CsrMatrix* a = nullptr;   // memory image of row_ptr / col_idx
  // Two-sided sparsity (CSR A x CSC B, kind spgemm): B's CSC arrays. values_base is A.values and
  // b_base is B.values; both are gathered only at positions the intersection keeps.
  bool two_sided = false;
  std::uint64_t b_col_ptr_base = 0, b_row_idx_base = 0;
  const CsrMatrix* b = nullptr;   // B in CSC, stored as the CSR of B^T (rows = B's columns)
};

struct Workload {
  std::string name;
  std::vector<Op> ops;
  KernelDesc desc;
  std::shared_ptr<CsrMatrix> matrix;
  std::shared_ptr<CsrMatrix> matrix_b;  // spgemm: B in CSC (CSR of B^T)
  std::uint64_t mem_ops = 0;

  // Appends an op (counting memory ops) and returns its index, for later ops' dependencies.
  std::int32_t emit(std::uint64_t addr, std::uint32_t size, OpKind k, std::uint64_t pc, std::int32_t dep,
                    std::uint32_t aux = 0) {
    ops.push_back(Op{addr, size, k, pc, dep, aux});
    if (k != OpKind::kCompute) ++mem_ops;
    return std::int32_t(ops.size() - 1);
  }
};

// Matrix Market reader (coordinate; real/integer/complex/pattern; general/symmetric/skew/hermitian).
// Throws InputError "<file>:<line>: <problem>".
CsrMatrix read_matrix_market(const std::string& path);

// Generators: uniform, rmat, banded, block, nm (see README).
CsrMatrix generate_matrix(const WorkloadConfig& w);

// Tiled kernels over A (see kernels.cpp for the loop nest).
Workload build_kernel(const WorkloadConfig& w, const NpuConfig& npu, std::shared_ptr<CsrMatrix> a);

// CSR of the transpose (= CSC of m).
CsrMatrix transpose(const CsrMatrix& m);

// Two-sided SpGEMM, inner product C = A x B with A in CSR and B in CSC (`bt` = CSR of B^T); see
// kernel_spgemm.cpp for the loop nest.
Workload build_spgemm(const NpuConfig& npu, std::shared_ptr<CsrMatrix> a, std::shared_ptr<CsrMatrix> bt);

// Memory-trace file: one access per line "R|W <addr> <size> [dep] [pc]" ('#' comments).
// dep: index of an earlier access line (0-based) this access waits for, -1 none.
Workload read_trace(const std::string& path);

// ChampSim binary trace (64-byte input_instr records; .xz/.gz decompressed by xz/gzip), at most
// max_records records (0 = all); see champsim_reader.cpp for the mapping to accesses.
Workload read_champsim_trace(const std::string& path, std::uint64_t max_records);

// The workload a config describes (matrix file / generator / trace).
Workload make_workload(const SimConfig& cfg);

}  // namespace labkit::nvr_sim
