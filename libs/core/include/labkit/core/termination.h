// SIGTERM (SLURM pre-emption, scancel, kill) as a request to stop at the next safe point. The handler
// only sets a flag; a long job polls sigterm_received() at its safe points, writes its checkpoint and
// fails (exit 1) so that `--resume` continues it. Header-only: a flag and two calls.
#pragma once

#include <csignal>

namespace labkit {

inline volatile std::sig_atomic_t g_sigterm_received = 0;

inline void install_sigterm_handler() {
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_sigterm_received = 1; };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
}

inline bool sigterm_received() { return g_sigterm_received != 0; }

}  // namespace labkit
