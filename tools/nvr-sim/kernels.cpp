// Tiled sparse kernels compiled to NPU ops (Gemmini-style, tile_rows = array_dim rows of A per tile):
//
//   for each row tile r (array_dim rows):                 step = one (r, c) pair
//     for each column tile c (array_dim columns of B):
//       if c == 0: load row_ptr[r rows + 1], col_idx[tile] and values[tile] in 16-element vectors
//       for p in row_ptr[first row] .. row_ptr[last row + 1]:
//         gather B[col_idx[p]][c tile]          (waits for the col_idx vector holding p when c == 0)
//       compute: nnz + 2*array_dim cycles on the systolic array (fill + drain)
//       store the C tile (one vector per row)
//
// The scratchpad double-buffers: loads of step s + 2 wait for compute of step s; the indices and
// values stay in the scratchpad across the column tiles of a row tile.
//   spmm / gnn:     C = A x B, B dense (cols x dense_cols)
//   spmv:           dense_cols = 1 (B is a vector; gathers are single elements)
//   embedding_bag:  rows are bags, col_idx the looked-up table rows, no per-entry weights loaded
//   sddmm:          out[p] = <X[i,:], Y[col_idx[p],:]>; loads X rows, gathers whole Y rows, stores out values
#include <algorithm>

#include "workload.h"

namespace labkit::nvr_sim {

namespace {
constexpr std::uint64_t kRowPtrBase = 0x10000000, kColIdxBase = 0x20000000, kValuesBase = 0x30000000,
                        kBBase = 0x40000000, kOutBase = 0x80000000, kXBase = 0xC0000000;
}

Workload build_kernel(const WorkloadConfig& w, const NpuConfig& npu, std::shared_ptr<CsrMatrix> a) {
  Workload wl;
  wl.matrix = std::move(a);
  const CsrMatrix& A = *wl.matrix;
  const bool sddmm = w.kind == "sddmm";
  const bool with_values = w.kind != "embedding_bag";
  const std::uint32_t elem = npu.elem_bytes, T = npu.array_dim, vec = 16;
  const std::uint32_t N = w.kind == "spmv" ? 1 : w.dense_cols;
  const std::uint32_t tile_cols = sddmm ? N : std::min(T, N);
  const std::uint32_t n_ct = (N + tile_cols - 1) / tile_cols;

  KernelDesc& d = wl.desc;
  d.valid = true;
  d.row_ptr_base = kRowPtrBase;
  d.col_idx_base = kColIdxBase;
  d.values_base = with_values && !sddmm ? kValuesBase : 0;
  d.b_base = kBBase;
  d.out_base = kOutBase;
  d.idx_bytes = 4;
  d.elem_bytes = elem;
  d.b_row_bytes = N * elem;
  d.tile_bytes = tile_cols * elem;
  d.tile_rows = T;
  d.n_col_tiles = n_ct;
  d.a = wl.matrix.get();

  auto& ops = wl.ops;
  ops.reserve(std::size_t(A.nnz()) * n_ct + std::size_t(A.rows) * n_ct * 2);
  std::vector<std::int32_t> compute_of_step;
  std::vector<std::int32_t> idx_op;
  auto add = [&](std::uint64_t addr, std::uint32_t size, OpKind k, std::uint64_t pc, std::int32_t dep,
                 std::uint32_t aux = 0) { return wl.emit(addr, size, k, pc, dep, aux); };
  std::uint32_t step = 0;
  for (std::uint32_t r0 = 0; r0 < A.rows; r0 += T) {
    const std::uint32_t r1 = std::min(A.rows, r0 + T);
    const std::uint32_t s = A.row_ptr[r0], e = A.row_ptr[r1];
    for (std::uint32_t c = 0; c < n_ct; ++c, ++step) {
      const std::int32_t barrier = step >= 2 ? compute_of_step[step - 2] : -1;
      const std::uint32_t col_off = c * tile_cols;
      const std::uint32_t width = std::min(tile_cols, N - col_off) * elem;
      if (c == 0) {
        add(kRowPtrBase + std::uint64_t(r0) * 4, (r1 - r0 + 1) * 4, OpKind::kLoad, kPcRowPtr, barrier);
        idx_op.clear();
        for (std::uint32_t p = s; p < e; p += vec) {
          const std::uint32_t n = std::min(vec, e - p);
          idx_op.push_back(add(kColIdxBase + std::uint64_t(p) * 4, n * 4, OpKind::kLoad, kPcColIdx, barrier));
          if (d.values_base) add(kValuesBase + std::uint64_t(p) * elem, n * elem, OpKind::kLoad, kPcValues, barrier);
        }
        if (sddmm)
          for (std::uint32_t r = r0; r < r1; ++r)
            add(kXBase + std::uint64_t(r) * N * elem, N * elem, OpKind::kLoad, kPcDense, barrier);
      }
      for (std::uint32_t p = s; p < e; ++p) {
        const std::int32_t dep = c == 0 ? idx_op[(p - s) / vec] : barrier;
        add(kBBase + std::uint64_t(A.col_idx[p]) * d.b_row_bytes + std::uint64_t(col_off) * elem, width,
            OpKind::kLoad, kPcGather, dep, p);
      }
      const std::int32_t comp = add(0, (e - s) + 2 * T, OpKind::kCompute, 0, -1, step);
      compute_of_step.push_back(comp);
      if (sddmm) {
        for (std::uint32_t p = s; p < e; p += vec)
          add(kOutBase + std::uint64_t(p) * elem, std::min(vec, e - p) * elem, OpKind::kStore, kPcStore, comp);
      } else {
        for (std::uint32_t r = r0; r < r1; ++r)
          add(kOutBase + (std::uint64_t(r) * N + col_off) * elem, width, OpKind::kStore, kPcStore, comp);
      }
    }
  }
  return wl;
}

}  // namespace labkit::nvr_sim
