// Test helper: run a command line through /bin/sh and capture exit code, stdout and stderr.
#pragma once

#include <string>

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
// A fresh, empty temporary directory unique to this test process and `name`.
std::string fresh_temp_dir(const std::string& name);

}  // namespace labkit::test
