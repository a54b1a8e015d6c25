// Error types and the exit codes every labkit tool uses.
#pragma once

#include <stdexcept>
#include <string>

namespace labkit {

// Documented exit codes (README "The tool contract").
enum ExitCode : int {
  kExitOk = 0,
  kExitRuntimeFailure = 1,  // the input was fine but the work failed (I/O error, numerical failure, bug)
  kExitBadInput = 2,        // usage error or bad input: missing file, wrong shape, corrupt header, bad key
};

// Bad input or usage: the message names the file (or key) and the problem, and the tool exits 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Convenience: InputError("<file>: <problem>").
inline InputError input_error(const std::string& file, const std::string& problem) {
  return InputError(file + ": " + problem);
}

}  // namespace labkit
