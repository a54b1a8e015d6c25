// `puir-train phantom`: a multi-modal phantom set as NIfTI files and a Decathlon-style dataset.json.
#include <fmt/format.h>

#include <filesystem>

#include "commands.h"
#include "labkit/core/error.h"
#include "labkit/core/progress.h"
#include "labkit/core/settings.h"
#include "pet_ct.h"
#include "phantom.h"
#include "settings.h"
#include "labkit/core/seeds.h"

namespace labkit::puir_train {

namespace fs = std::filesystem;

void phantom_command(const PhantomArgs& args, labkit::Run& run) {
  if (args.cases < 1 || args.cases > 10000) throw labkit::InputError("--cases: must be in [1, 10000]");
  if (args.val < 0 || args.val >= args.cases) throw labkit::InputError("--val: must be in [0, cases - 1]");
  const auto p = PhantomSettings::from_config(run.config());
  const auto s = Settings::from_config(run.config());
  for (const auto& m : s.modalities)
    if (m != "t1n" && m != "t1c" && m != "t2w" && m != "t2f" && !is_pet_or_ct(m))
      throw labkit::config_error("modalities", "the phantom renders t1n, t1c, t2w, t2f, pet and ct only, not '" + m + "'");
  nlohmann::json training = nlohmann::json::array(), validation = nlohmann::json::array();
  int lesions = 0;
  labkit::Progress progress("phantoms", args.cases, "case");
  for (int i = 0; i < args.cases; ++i) {
    std::mt19937_64 rng(labkit::mix_seed(run.seed(), 0xfa7 + static_cast<uint64_t>(i)));
    const auto patient = make_patient(p, rng);
    lesions += patient.lesion;
    const std::string name = fmt::format("phantom{:03d}", i);
    fs::create_directories(run.out().file(name));
    nlohmann::json c{{"name", name}};
    for (const auto& m : s.modalities) {
      const std::string rel = name + "/" + name + "-" + m + ".nii.gz";
      const auto image = is_pet_or_ct(m) ? acquire_pet_ct(patient, m, p, rng) : acquire(patient, m, p, rng);
      imageio::write_volume(image, run.out().file(rel), imageio::PixelType::kFloat32);
      c[m] = rel;
    }
    const std::string seg = name + "/" + name + "-seg.nii.gz";
    imageio::write_volume(segmentation(patient), run.out().file(seg), imageio::PixelType::kUInt8);
    c["seg"] = seg;
    (i < args.cases - args.val ? training : validation).push_back(c);
    progress.advance();
  }
  progress.finish();
  const nlohmann::json manifest{{"name", "puir-train phantoms"}, {"modality", s.modalities},
                                {"training", training}, {"validation", validation}};
  run.out().write("dataset.json", manifest.dump(2));
  auto& m = run.metrics();
  m = {{"cases", args.cases}, {"validation", args.val}, {"with_lesion", lesions},
       {"manifest", run.out().file("dataset.json")}, {"size", p.size}, {"spacing_mm", p.spacing_mm}};
  run.summary().add("cases (training / validation)", fmt::format("{} / {}", args.cases - args.val, args.val));
  run.summary().add("with a lesion", lesions).add("manifest", run.out().file("dataset.json"));
}

}  // namespace labkit::puir_train
