// Leftovers of killed runs: every file is written under a hidden temporary name (`.NAME.tmp.PID`, the
// duplicate spill `.NAME.fingerprints.PID`) and renamed or removed when done, but SIGKILL or a node
// failure leaves them (tens of MB each). pack and merge remove those whose process is no longer running
// before they start. One writer per --out directory is assumed (as the README says for SLURM arrays): a
// PID is only meaningful on the machine that wrote it.
#pragma once

#include <string>
#include <vector>

namespace labkit::qo2mol_pack {

// Removes `.*.tmp.PID` / `.*.fingerprints.PID` files in `dir` whose PID is not a running process;
// returns their names.
std::vector<std::string> remove_stale_temporaries(const std::string& dir);

}  // namespace labkit::qo2mol_pack
