#include "run_command.h"

#include <execinfo.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace labkit::test {
namespace fs = std::filesystem;

namespace {

// A crashing test prints where it crashed (function names need -rdynamic, set on test binaries):
// ctest on a machine without a debugger then still says something useful.
void print_backtrace_and_die(int sig) {
  void* frames[64];
  const int n = backtrace(frames, 64);
  const char msg[] = "\n*** labkit test crashed; backtrace:\n";
  (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
  backtrace_symbols_fd(frames, n, STDERR_FILENO);
  signal(sig, SIG_DFL);
  raise(sig);
}

const bool kCrashHandlerInstalled = [] {
  signal(SIGSEGV, print_backtrace_and_die);
  signal(SIGABRT, print_backtrace_and_die);
  signal(SIGBUS, print_backtrace_and_die);
  return true;
}();

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

CommandResult run_command(const std::string& command) {
  (void)kCrashHandlerInstalled;
  static int counter = 0;
  const fs::path dir = fresh_temp_dir("cmd" + std::to_string(counter++));
  const fs::path out = dir / "stdout", err = dir / "stderr";
  const std::string full = command + " >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string()) + " </dev/null";
  const int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out);
  r.err = slurp(err);
  fs::remove_all(dir);
  return r;
}

int run_and_signal_when(const std::string& command, const std::string& file, int signal, double timeout_s) {
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto start = std::chrono::steady_clock::now();
  while (!fs::exists(file) &&
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < timeout_s)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  kill(pid, signal);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace labkit::test
