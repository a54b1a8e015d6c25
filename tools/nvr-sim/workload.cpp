#include <labkit/core/error.h>

#include "workload.h"

namespace labkit::nvr_sim {

Workload make_workload(const SimConfig& cfg) {
  const auto& w = cfg.workload;
  if (w.kind == "trace") return read_trace(w.trace);
  if (w.kind == "champsim") return read_champsim_trace(w.trace, w.trace_limit);
  std::shared_ptr<CsrMatrix> a;
  std::string source;
  if (!w.matrix.empty()) {
    a = std::make_shared<CsrMatrix>(read_matrix_market(w.matrix));
    source = w.matrix.substr(w.matrix.find_last_of('/') + 1);
  } else {
    a = std::make_shared<CsrMatrix>(generate_matrix(w));
    source = w.generator + "-" + std::to_string(w.rows) + "x" + std::to_string(w.cols);
  }
  if (a->nnz() == 0) throw labkit::InputError("workload " + source + ": matrix has no nonzeros");
  if (w.kind != "spmv" && w.kind != "sddmm" && a->cols == 0) throw labkit::InputError("workload: empty matrix");
  if (w.kind == "spgemm") {
    // B (A.cols x dense_cols) from its own .mtx or the uniform generator, then stored CSC.
    CsrMatrix b;
    if (!w.b_matrix.empty()) {
      b = read_matrix_market(w.b_matrix);
      if (b.rows != a->cols)
        throw labkit::InputError("workload " + w.b_matrix + ": B has " + std::to_string(b.rows) +
                                 " rows, A has " + std::to_string(a->cols) + " columns");
    } else {
      WorkloadConfig g = w;
      g.generator = "uniform";
      g.rows = a->cols;
      g.cols = w.dense_cols;
      g.density = w.b_density;
      g.seed = w.seed + 1;
      b = generate_matrix(g);
    }
    Workload wl = build_spgemm(cfg.npu, a, std::make_shared<CsrMatrix>(transpose(b)));
    wl.name = "spgemm:" + source;
    return wl;
  }
  Workload wl = build_kernel(w, cfg.npu, a);
  wl.name = w.kind + ":" + source;
  return wl;
}

}  // namespace labkit::nvr_sim
