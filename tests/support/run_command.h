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

}  // namespace labkit::test
