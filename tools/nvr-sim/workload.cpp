#include <labkit/core/error.h>

#include "workload.h"

namespace nvr {

Workload make_workload(const SimConfig& cfg) {
  const auto& w = cfg.workload;
  if (w.kind == "trace") return read_trace(w.trace);
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
  Workload wl = build_kernel(w, cfg.npu, a);
  wl.name = w.kind + ":" + source;
  return wl;
}

}  // namespace nvr
