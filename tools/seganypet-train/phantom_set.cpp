#include "phantom_set.h"

#include <cmath>

#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/core/progress.h"
#include "labkit/imageio/image.h"
#include "labkit/petseg/label_noise.h"
#include "labkit/petseg/phantom.h"

namespace labkit::seganypet_train {

namespace img = labkit::imageio;
namespace ps = labkit::petseg;

nlohmann::json write_phantom_set(const PhantomSetSettings& st, const nlohmann::json& phantom_spec,
                                 const nlohmann::json& noise_spec, labkit::Run& run) {
  if (st.cases < 1 || st.cases > 10000) throw labkit::InputError("phantoms: --cases must be in 1..10000");
  if (!(st.val_fraction >= 0 && st.val_fraction < 1)) throw labkit::InputError("phantoms: val_fraction must be in [0, 1)");
  if (!(st.lq_fraction >= 0 && st.lq_fraction <= 1)) throw labkit::InputError("phantoms: lq_fraction must be in [0, 1]");
  const auto spec = ps::PhantomSpec::from_json(phantom_spec, "config phantom");
  const auto noise = ps::LabelNoiseSpec::from_json(noise_spec, "config label_noise");
  const int n_val = static_cast<int>(std::lround(st.cases * st.val_fraction));
  const int n_train = st.cases - n_val;
  const int n_lq = static_cast<int>(std::lround(n_train * st.lq_fraction));
  nlohmann::json cases = nlohmann::json::array();
  std::map<std::string, int> kinds;
  int64_t lesions = 0;
  labkit::Progress progress("phantoms", st.cases, "case");
  for (int c = 0; c < st.cases; ++c) {
    const uint64_t seed = run.seed() * 100003ULL + static_cast<uint64_t>(c);
    auto p = ps::make_pet_phantom(spec, seed);
    char name[32];
    std::snprintf(name, sizeof name, "case%04d", c);
    const std::string base(name);
    img::write_volume(p.pet, run.out().file(base + "_pet.nii.gz"));
    img::write_volume(p.labels, run.out().file(base + "_label.nii.gz"), img::PixelType::kUInt8);
    nlohmann::json entry{{"name", base}, {"image", base + "_pet.nii.gz"}, {"split", c < n_train ? "train" : "val"}};
    nlohmann::json les = nlohmann::json::array();
    for (const auto& l : p.lesions)
      les.push_back({{"label", l.label}, {"site", l.site}, {"radius_mm", l.radius_mm}, {"suv", l.suv},
                     {"background_suv", l.background_suv}, {"voxels", l.voxels}});
    lesions += static_cast<int64_t>(p.lesions.size());
    entry["lesions"] = les;
    // The low-quality cases are the first n_lq training cases (the seed order is already random).
    if (c < n_lq) {
      std::vector<ps::LesionCorruption> log;
      auto noisy = ps::simulate_low_quality_labels(p.labels, noise, seed ^ 0x5bd1e995ULL, &log);
      img::write_volume(noisy, run.out().file(base + "_label_lq.nii.gz"), img::PixelType::kUInt8);
      entry["label"] = base + "_label_lq.nii.gz";
      entry["clean_label"] = base + "_label.nii.gz";
      entry["quality"] = "lq";
      nlohmann::json cj = nlohmann::json::array();
      for (const auto& k : log) {
        cj.push_back({{"label", k.label}, {"kind", k.kind}, {"voxels_before", k.voxels_before},
                      {"voxels_after", k.voxels_after}});
        kinds[k.kind]++;
      }
      entry["corruptions"] = cj;
    } else {
      entry["label"] = base + "_label.nii.gz";
      entry["quality"] = "hq";
    }
    cases.push_back(entry);
    progress.advance();
  }
  progress.finish();
  nlohmann::json manifest{{"description", "PET phantoms from seganypet-train phantoms (libs/petseg)"},
                          {"seed", run.seed()},
                          {"phantom", spec.to_json()},
                          {"label_noise", noise.to_json()},
                          {"cases", cases}};
  run.out().write("manifest.json", manifest.dump(2));
  labkit::log::info("wrote {} phantoms ({} train, {} of them low-quality; {} val), {} lesions", st.cases, n_train,
                    n_lq, n_val, lesions);
  return {{"cases", st.cases}, {"train", n_train}, {"val", n_val}, {"low_quality", n_lq}, {"lesions", lesions},
          {"corruptions", kinds}, {"manifest", run.out().file("manifest.json")}};
}

}  // namespace labkit::seganypet_train
