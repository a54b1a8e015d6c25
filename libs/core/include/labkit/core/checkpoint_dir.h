// Checkpoint folders of a training tool: ROOT/<name>/ holds one checkpoint, ROOT/latest.json says which.
#pragma once

#include <string>

namespace labkit {

// Makes ROOT/<name> (already written) the current checkpoint: writes `index` (text, usually JSON naming
// the folder) to ROOT/latest.json atomically, the commit point, then removes every other folder under
// ROOT. A crash at any moment leaves the previous or the new checkpoint usable.
void commit_checkpoint(const std::string& root, const std::string& name, const std::string& index);

}  // namespace labkit
