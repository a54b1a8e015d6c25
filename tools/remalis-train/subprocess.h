// Child processes for the SUMO binaries: run to completion, or start and keep (sumo as a TraCI server),
// stdout and stderr to a log file the error messages name. Torch-free; POSIX fork/exec.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace labkit::remalis_train {

// The full path of `name` (a path is returned as is when it is executable), or "" when not found.
std::string find_executable(const std::string& name);

// Runs args[0] with the arguments, output to `log`; returns its exit code (128 + signal when killed).
int run_to_log(const std::vector<std::string>& args, const std::string& log);

// A started child: killed (SIGKILL) and reaped on destruction unless it exited already.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& args, const std::string& log);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  pid_t pid() const { return pid_; }
  // Whether it is still running; when it has exited, its exit code is kept for exit_code().
  bool running();
  int exit_code() const { return code_; }
  // Waits up to `seconds` for it to exit on its own; true when it did.
  bool wait_for(double seconds);
  void kill_now();

 private:
  pid_t pid_ = -1;
  int code_ = -1;
  bool reaped_ = false;
};

}  // namespace labkit::remalis_train
