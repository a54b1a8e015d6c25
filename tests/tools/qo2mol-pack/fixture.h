// Shared test inputs: generated once per build tree by make_fixtures.py (Debian python3 + numpy, ase,
// h5py) under a file lock, so parallel ctest processes reuse one copy.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "run_command.h"  // labkit::test::fresh_temp_dir for each test's folder, run_command

namespace qo2test {

// Directory with the generated inputs, or "" if /usr/bin/python3 with numpy is unavailable.
const std::string& fixture_dir();
// GFN2-xTB extxyz fixture (make_xtb_fixture.py), or "" without xtb / chemical-structures-data / ase.
const std::string& xtb_fixture_dir();
// expected.json / ase_expected.json parsed (empty object if absent).
const nlohmann::json& expected();
const nlohmann::json& ase_expected();
std::string molecules_dir();  // ../shared/data/molecules
std::string tool();           // path of the qo2mol-pack binary
// Runs a shell command (tests/support/run_command.h), returns its exit status; its stdout then its
// stderr go to `output` when given.
int run(const std::string& cmd, std::string* output = nullptr);
// A merged dataset of every fixture input plus the schnetpack databases (built once, shared).
const std::string& packed_dataset();

}  // namespace qo2test

#define QO2_REQUIRE_FIXTURES()                                                       \
  do {                                                                               \
    if (qo2test::fixture_dir().empty()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy"; \
  } while (0)
