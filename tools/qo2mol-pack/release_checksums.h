// The MD5 checksums QO2Mol publishes for its release files (kzhoa/QO2Mol CHANGELOG, as
// listed in the reference note). Most QO2Mol support questions are corrupt downloads, so pack checks
// every input whose file name is in the table before reading it.
#pragma once

#include <string>

#include "digest.h"  // md5_file

namespace labkit::qo2mol_pack {

// The published MD5 for a release file name (e.g. "QO2Mol26_Test.pkl"), or "" if not a known file.
// Names shared by v1.0 and v1.2 (QO2Mol_main_chunk_N.pkl) match either release's sum.
std::string published_release_md5(const std::string& file_name, const std::string& md5);

}  // namespace labkit::qo2mol_pack
