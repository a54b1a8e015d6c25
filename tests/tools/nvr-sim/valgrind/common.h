/* Kernels traced by valgrind_agreement.py: no libc (a tiny static binary whose whole trace is the
 * kernel), deterministic data, results kept live so the compiler cannot drop the loops. */
#pragma once
static inline unsigned lcg(unsigned* s) { *s = *s * 1103515245u + 12345u; return *s >> 8; }
#define EXIT() __asm__ volatile("mov $60, %%eax\n xor %%edi, %%edi\n syscall" ::: "memory")
