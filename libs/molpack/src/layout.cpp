#include "labkit/molpack/layout.h"

namespace labkit::molpack {

const char* split_label_name(int label) {
  switch (label) {
    case kTrain: return "train";
    case kVal: return "val";
    case kTest: return "test";
    case kOod: return "ood";
    case kOodMedium: return "ood_medium";
    case kOodLarge: return "ood_large";
    case kUnlabelled: return "unlabelled";
    case kMixed: return "mixed";
  }
  return "?";
}

int split_label_from_name(const std::string& name) {
  for (int l = -2; l < 6; ++l)
    if (name == split_label_name(l)) return l;
  return -100;
}

}  // namespace labkit::molpack
