// Regression tests for what the fuzz harnesses (fuzz/*_fuzz.cpp) found in qo2mol-pack's readers, each
// from its reproducer (committed under fuzz/corpus/<harness>/crash_*, which ctest fuzz_replay.* also
// replays): the reader now answers with one InputError naming the file and the problem.
#include <gtest/gtest.h>

#include <string>

#include "labkit/core/error.h"
#include "readers.h"

namespace q = labkit::qo2mol_pack;

namespace {

const std::string kCorpus = std::string(LABKIT_SOURCE_DIR) + "/fuzz/corpus/";

// The InputError message the reader gives for `file` (fails the test if it gives none).
std::string input_error_of(void (*reader)(const std::string&, const q::ReaderOptions&, q::SourceUnits&, const q::Sink&),
                           const std::string& file) {
  q::SourceUnits units;
  try {
    reader(kCorpus + file, {}, units, [](q::Conformer&&) {});
  } catch (const labkit::InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << file << ": read without an error";
  return "";
}

}  // namespace

// A numpy dtype 'f7' (no such float) sent NdArray::as_double and as_int into each other until the stack
// overflowed.
TEST(FuzzFindings, PickleWithAnImpossibleDtypeIsRefused) {
  const auto msg = input_error_of(q::read_qo2mol_pickle, "qo2mol_pickle/crash_dtype_f7_recursion.pkl");
  EXPECT_NE(msg.find("crash_dtype_f7_recursion.pkl"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unsupported numpy dtype 'f7'"), std::string::npos) << msg;
}

// charge=x0 in an extxyz comment escaped as std::invalid_argument (terminate, not exit 2).
TEST(FuzzFindings, ExtxyzChargeThatIsNotANumberIsRefused) {
  const auto msg = input_error_of(q::read_extxyz, "extxyz/crash_charge_not_a_number.extxyz");
  EXPECT_NE(msg.find("frame 0 (line 1): charge: 'x0' is not a number"), std::string::npos) << msg;
}

// An ASE row whose numbers blob is empty reached memcpy with a null destination (UBSan: null pointer
// passed as argument 1).
TEST(FuzzFindings, AseRowWithoutAtomsIsRefused) {
  const auto msg = input_error_of(q::read_ase_sqlite, "ase_sqlite/crash_empty_numbers_blob.db");
  EXPECT_NE(msg.find("no atoms (empty numbers blob)"), std::string::npos) << msg;
}
