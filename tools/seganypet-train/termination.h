// SIGTERM (SLURM pre-emption, scancel, kill) as a request to stop at the next safe point: the handler only
// sets a flag; training stops after the current step (every rank after the same one), keeping the last
// epoch checkpoint, and the run exits non-zero so that `--resume` continues it. (The same few lines exist
// in ostquant-calibrate; libs/core is the place for them once it has a signal API.)
#pragma once

#include <csignal>

namespace seganypet_train {

inline volatile std::sig_atomic_t g_sigterm = 0;

inline void install_sigterm_handler() {
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_sigterm = 1; };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
}

inline bool sigterm_received() { return g_sigterm != 0; }

}  // namespace seganypet_train
