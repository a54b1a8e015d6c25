/* CSR SpMV y = A x: A is N x N with NNZ_ROW pseudo-random columns per row. */
#include "common.h"
#define N 256
#define NNZ_ROW 6
int row_ptr[N + 1], col_idx[N * NNZ_ROW];
double vals[N * NNZ_ROW], x[N], y[N];
__attribute__((noinline)) void init(void) {
  unsigned s = 12345;
  for (int i = 0; i <= N; ++i) row_ptr[i] = i * NNZ_ROW;
  for (int k = 0; k < N * NNZ_ROW; ++k) { col_idx[k] = lcg(&s) % N; vals[k] = (double)(k & 7); }
  for (int i = 0; i < N; ++i) x[i] = i;
}
__attribute__((noinline)) void spmv(void) {
  for (int i = 0; i < N; ++i) {
    double acc = 0;
    for (int k = row_ptr[i]; k < row_ptr[i + 1]; ++k) acc += vals[k] * x[col_idx[k]];
    y[i] = acc;
  }
}
void _start(void) { init(); spmv(); EXIT(); }
