// Test helper: the message of the labkit::InputError a call throws, to assert the one-line message.
#pragma once

#include <functional>
#include <string>

#include "labkit/core/error.h"

namespace labkit::test {

// e.what() of the InputError `f` throws, or "(no InputError)" when it throws none (other exceptions
// propagate and fail the test).
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const labkit::InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

}  // namespace labkit::test
