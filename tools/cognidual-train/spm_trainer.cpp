#include "spm_trainer.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace labkit::cognidual_train {

namespace fs = std::filesystem;

bool program_available(const std::string& program) {
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string d; std::getline(dirs, d, ':');)
    if (!d.empty() && access((d + "/" + program).c_str(), X_OK) == 0) return true;
  return false;
}

namespace {

// Runs argv (no shell) with stdout and stderr appended to `log`; returns the exit status (-1: not run).
int run_program(const std::vector<std::string>& args, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string last_line(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}

}  // namespace

std::string train_spm_tokenizer(const std::vector<std::string>& texts, const SpmTrainOptions& o, const std::string& dir) {
  fs::create_directories(dir);
  const std::string corpus = dir + "/corpus.txt", prefix = dir + "/tokenizer", log = dir + "/spm_train.log";
  {
    std::ofstream out(corpus, std::ios::binary);
    for (const auto& t : texts) {
      std::stringstream lines(t);
      for (std::string line; std::getline(lines, line);)
        if (!line.empty()) out << line << '\n';
    }
  }
  fs::remove(log);
  const std::vector<std::string> args = {
      o.spm_train, "--input=" + corpus, "--model_prefix=" + prefix, "--model_type=bpe",
      "--vocab_size=" + std::to_string(o.vocab_size), "--character_coverage=1.0", "--byte_fallback=true",
      "--normalization_rule_name=identity", "--add_dummy_prefix=false", "--remove_extra_whitespaces=false",
      // split_by_number=false lets BPE merge digits ("12", "=>"): the point of a trained vocabulary here
      "--split_by_number=false", "--unk_id=0", "--bos_id=1", "--eos_id=2", "--pad_id=-1", "--num_threads=1",
      "--minloglevel=1"};
  const int rc = run_program(args, log);
  if (rc == -1) throw std::runtime_error("cannot run " + o.spm_train + " (Debian package sentencepiece)");
  if (rc != 0)
    throw std::runtime_error(o.spm_train + " failed (exit " + std::to_string(rc) + "): " + last_line(log) + " (log " +
                             log + ")");
  fs::remove(prefix + ".vocab");
  return prefix + ".model";
}

}  // namespace labkit::cognidual_train
