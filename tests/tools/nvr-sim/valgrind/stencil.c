/* 2D 5-point Jacobi stencil on an H x W grid of doubles, two sweeps; byte-sized mask array read too
 * (1-byte loads) and short counters written (2-byte stores). */
#include "common.h"
#define H 24
#define W 40
double a[H * W], b[H * W];
unsigned char mask[H * W];
short touched[H];
__attribute__((noinline)) void init(void) {
  unsigned s = 99;
  for (int i = 0; i < H * W; ++i) { a[i] = (double)(lcg(&s) & 255); mask[i] = (unsigned char)(lcg(&s) & 1); }
}
__attribute__((noinline)) void sweep(double* dst, const double* src) {
  for (int i = 1; i < H - 1; ++i)
    for (int j = 1; j < W - 1; ++j) {
      const int p = i * W + j;
      dst[p] = mask[p] ? 0.2 * (src[p] + src[p - 1] + src[p + 1] + src[p - W] + src[p + W]) : src[p];
      touched[i] += mask[p];
    }
}
void _start(void) { init(); sweep(b, a); sweep(a, b); EXIT(); }
