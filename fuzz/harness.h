// What every fuzz harness shares. A harness hands the fuzzer's bytes to one reader of user files, the way
// the tools call it. InputError is the reader's promised answer to bad input (one line naming the file,
// exit 2) and is swallowed; any other exception escapes, so libFuzzer reports it as a finding (a tool
// would print a traceback-like "internal error" and exit 1), as it does crashes, leaks, UB and timeouts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "labkit/core/error.h"

namespace labkit::fuzz {

// Readers that take a path: the bytes go to <private temp dir>/<name> (the name keeps the suffix the
// reader dispatches on, e.g. "input.nii"). One directory per process, rewritten per input, removed at exit.
std::string write_input(const std::uint8_t* data, std::size_t size, const std::string& name);
// The process's private temp directory (created on first use).
const std::string& work_dir();

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs f; bad input (InputError) is the expected answer and ends the case quietly.
template <class F>
void expect_input_error_only(F&& f) {
  try {
    f();
  } catch (const labkit::InputError&) {
  }
}

}  // namespace labkit::fuzz

// libFuzzer's entry point; fuzz/replay_main.cpp calls the same function in the ordinary (gcc) build.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
