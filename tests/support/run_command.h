// Test helper: run a command line through /bin/sh and capture exit code, stdout and stderr.
#pragma once

#include <string>

#include "temp_dir.h"  // end-to-end tests need both: a folder for --out, a command

namespace labkit::test {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `command` (a shell command line) with stdout/stderr captured to temporary files.
CommandResult run_command(const std::string& command);
// Single-quote `s` for the shell.
std::string shell_quote(const std::string& s);
// Starts `command` (through /bin/sh, exec'd so the pid is the tool's), waits until `file` exists (at most
// `timeout_s`), sends `signal`, and returns the exit code, or 128 + the signal when it died of one. For
// SIGTERM-then-resume tests: the file is the first checkpoint.
int run_and_signal_when(const std::string& command, const std::string& file, int signal, double timeout_s = 120);

}  // namespace labkit::test
