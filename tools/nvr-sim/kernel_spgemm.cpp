// Two-sided sparse kernel: inner-product SpGEMM C = A x B, A (M x K) in CSR, B (K x N) in CSC.
// Two indirect chains meet at the intersection A.col_idx[p] == B.row_idx[q]:
//   chain A: A.row_ptr -> A.col_idx -> A.values[p]
//   chain B: B.col_ptr -> B.row_idx -> B.values[q]
// Loop nest (tile_rows = array_dim rows of A, array_dim columns of B; C tiles are dense):
//
//   for each row tile r:                                     step = one (r, c) pair
//     for each column tile c:
//       if c == 0: load A.row_ptr[r rows + 1] and A.col_idx[s..e) in 16-element vectors
//       load B.col_ptr[c cols + 1], then B.row_idx[bs..be) in 16-element vectors (wait for col_ptr)
//       intersect: K_A = {A.col_idx[s..e)}, K_B = {B.row_idx[bs..be)}
//       gather A.values[p] for p in [s, e) with A.col_idx[p] in K_B       (ascending p)
//       gather B.values[q] for q in [bs, be) with B.row_idx[q] in K_A     (ascending q)
//         (both wait for the last B.row_idx vector: the intersection needs every index of the tile)
//       compute: ceil((e - s) / array_dim) + ceil((be - bs) / array_dim) + 2 * array_dim cycles (both
//                index lists stream once through array_dim comparator lanes, one index vector per
//                cycle as the loads deliver them, plus fill and drain)
//       store the C tile (one vector per row)
//
// Each needed operand element is fetched once per step, so the kernel performs exactly the
// intersection; a prefetcher that does not intersect fetches the whole [s, e) and [bs, be) ranges.
// Loads of step s + 2 wait for compute of step s (double-buffered scratchpad), as in the other kernels.
#include <algorithm>

#include "workload.h"

namespace labkit::nvr_sim {

namespace {
constexpr std::uint64_t kARowPtr = 0x10000000, kAColIdx = 0x20000000, kAValues = 0x30000000,
                        kBValues = 0x40000000, kBColPtr = 0x50000000, kBRowIdx = 0x60000000,
                        kOut = 0x80000000;
}

CsrMatrix transpose(const CsrMatrix& m) {
  CsrMatrix t;
  t.rows = m.cols;
  t.cols = m.rows;
  t.row_ptr.assign(std::size_t(m.cols) + 1, 0);
  for (auto c : m.col_idx) ++t.row_ptr[c + 1];
  for (std::size_t i = 0; i < m.cols; ++i) t.row_ptr[i + 1] += t.row_ptr[i];
  t.col_idx.resize(m.col_idx.size());
  std::vector<std::uint32_t> next(t.row_ptr.begin(), t.row_ptr.end() - 1);
  for (std::uint32_t r = 0; r < m.rows; ++r)  // rows in order, so each transposed row stays sorted
    for (std::uint32_t p = m.row_ptr[r]; p < m.row_ptr[r + 1]; ++p) t.col_idx[next[m.col_idx[p]]++] = r;
  return t;
}

Workload build_spgemm(const NpuConfig& npu, std::shared_ptr<CsrMatrix> a, std::shared_ptr<CsrMatrix> bt) {
  Workload wl;
  wl.matrix = std::move(a);
  wl.matrix_b = std::move(bt);
  const CsrMatrix& A = *wl.matrix;
  const CsrMatrix& B = *wl.matrix_b;  // row j of B = column j of the CSC operand
  const std::uint32_t elem = npu.elem_bytes, T = npu.array_dim, vec = 16;
  const std::uint32_t N = B.rows;
  const std::uint32_t n_ct = (N + T - 1) / T;

  KernelDesc& d = wl.desc;
  d.valid = true;
  d.two_sided = true;
  d.row_ptr_base = kARowPtr;
  d.col_idx_base = kAColIdx;
  d.values_base = kAValues;
  d.b_base = kBValues;
  d.b_col_ptr_base = kBColPtr;
  d.b_row_idx_base = kBRowIdx;
  d.out_base = kOut;
  d.idx_bytes = 4;
  d.elem_bytes = elem;
  d.b_row_bytes = elem;  // B.values is a flat array of elements
  d.tile_bytes = elem;
  d.tile_rows = T;
  d.n_col_tiles = n_ct;
  d.a = wl.matrix.get();
  d.b = wl.matrix_b.get();

  auto& ops = wl.ops;
  std::vector<std::int32_t> compute_of_step;
  auto add = [&](std::uint64_t addr, std::uint32_t size, OpKind k, std::uint64_t pc, std::int32_t dep,
                 std::uint32_t aux = 0) { return wl.emit(addr, size, k, pc, dep, aux); };
  // Membership marks for the intersection, stamped with the step number (no clearing between steps).
  std::vector<std::uint32_t> in_a(A.cols, ~0u), in_b(std::max(A.cols, B.cols), ~0u);
  std::uint32_t step = 0;
  for (std::uint32_t r0 = 0; r0 < A.rows; r0 += T) {
    const std::uint32_t r1 = std::min(A.rows, r0 + T);
    const std::uint32_t s = A.row_ptr[r0], e = A.row_ptr[r1];
    for (std::uint32_t c = 0; c < n_ct; ++c, ++step) {
      const std::int32_t barrier = step >= 2 ? compute_of_step[step - 2] : -1;
      const std::uint32_t c0 = c * T, c1 = std::min(N, c0 + T);
      const std::uint32_t bs = B.row_ptr[c0], be = B.row_ptr[c1];
      if (c == 0) {
        add(kARowPtr + std::uint64_t(r0) * 4, (r1 - r0 + 1) * 4, OpKind::kLoad, kPcRowPtr, barrier);
        for (std::uint32_t p = s; p < e; p += vec)
          add(kAColIdx + std::uint64_t(p) * 4, std::min(vec, e - p) * 4, OpKind::kLoad, kPcColIdx, barrier);
      }
      const std::int32_t cp = add(kBColPtr + std::uint64_t(c0) * 4, (c1 - c0 + 1) * 4, OpKind::kLoad, kPcBColPtr,
                                  barrier);
      std::int32_t last_idx = cp;
      for (std::uint32_t q = bs; q < be; q += vec)
        last_idx = add(kBRowIdx + std::uint64_t(q) * 4, std::min(vec, be - q) * 4, OpKind::kLoad, kPcBRowIdx, cp);
      for (std::uint32_t p = s; p < e; ++p) in_a[A.col_idx[p]] = step;
      for (std::uint32_t q = bs; q < be; ++q) in_b[B.col_idx[q]] = step;
      for (std::uint32_t p = s; p < e; ++p)
        if (in_b[A.col_idx[p]] == step)
          add(kAValues + std::uint64_t(p) * elem, elem, OpKind::kLoad, kPcValues, last_idx, p);
      for (std::uint32_t q = bs; q < be; ++q)
        if (B.col_idx[q] < A.cols && in_a[B.col_idx[q]] == step)
          add(kBValues + std::uint64_t(q) * elem, elem, OpKind::kLoad, kPcGather, last_idx, q);
      const std::int32_t comp = add(0, (e - s + T - 1) / T + (be - bs + T - 1) / T + 2 * T, OpKind::kCompute, 0, -1, step);
      compute_of_step.push_back(comp);
      for (std::uint32_t r = r0; r < r1; ++r)
        add(kOut + (std::uint64_t(r) * N + c0) * elem, (c1 - c0) * elem, OpKind::kStore, kPcStore, comp);
    }
  }
  return wl;
}

}  // namespace labkit::nvr_sim
