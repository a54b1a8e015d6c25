/* CSR SpMM C = A B: A is N x N (NNZ_ROW pseudo-random columns per row), B dense N x M (row-major). */
#include "common.h"
#define N 128
#define M 8
#define NNZ_ROW 4
int row_ptr[N + 1], col_idx[N * NNZ_ROW];
float vals[N * NNZ_ROW], B[N * M], C[N * M];
__attribute__((noinline)) void init(void) {
  unsigned s = 777;
  for (int i = 0; i <= N; ++i) row_ptr[i] = i * NNZ_ROW;
  for (int k = 0; k < N * NNZ_ROW; ++k) { col_idx[k] = lcg(&s) % N; vals[k] = (float)(k & 3); }
  for (int i = 0; i < N * M; ++i) B[i] = (float)(i & 15);
}
__attribute__((noinline)) void spmm(void) {
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < M; ++j) {
      float acc = 0;
      for (int k = row_ptr[i]; k < row_ptr[i + 1]; ++k) acc += vals[k] * B[col_idx[k] * M + j];
      C[i * M + j] = acc;
    }
}
void _start(void) { init(); spmm(); EXIT(); }
