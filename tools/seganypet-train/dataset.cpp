#include "dataset.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "labkit/core/case_manifest.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/imageio/image.h"
#include "labkit/petseg/volume_space.h"

namespace labkit::seganypet_train {

namespace fs = std::filesystem;
namespace img = labkit::imageio;
namespace ps = labkit::petseg;

std::vector<CaseEntry> read_manifest(const std::string& path) {
  const auto manifest = labkit::CaseManifest::read(path);
  auto resolve = [&](const std::string& p) { return manifest.resolve(p); };
  std::vector<CaseEntry> out;
  std::set<std::string> names;
  for (size_t i = 0; i < manifest.size(); ++i) {
    const auto& c = manifest[i];
    const std::string where = "case " + std::to_string(i);
    for (auto it = c.begin(); it != c.end(); ++it) {
      static const std::set<std::string> known{"name", "image", "label", "quality", "split", "clean_label", "lesions",
                                               "corruptions"};
      if (!known.count(it.key())) throw labkit::input_error(path, where + ": unknown key '" + it.key() + "'");
    }
    CaseEntry e;
    try {
      e.name = c.value("name", "case" + std::to_string(i));
      e.image = resolve(c.at("image").get<std::string>());
      e.label = resolve(c.at("label").get<std::string>());
      if (c.contains("clean_label")) e.clean_label = resolve(c["clean_label"].get<std::string>());
      const std::string q = c.value("quality", "hq");
      if (q != "hq" && q != "lq") throw labkit::input_error(path, where + ": quality must be \"hq\" or \"lq\", got \"" + q + "\"");
      e.high_quality = q == "hq";
      e.split = c.value("split", "train");
      if (e.split != "train" && e.split != "val")
        throw labkit::input_error(path, where + ": split must be \"train\" or \"val\", got \"" + e.split + "\"");
    } catch (const nlohmann::json::exception& ex) {
      throw labkit::input_error(path, where + ": " + ex.what() + " (needs \"image\" and \"label\" strings)");
    }
    if (e.image.empty() || e.label.empty()) throw labkit::input_error(path, where + ": \"image\" and \"label\" must not be empty");
    if (!names.insert(e.name).second) throw labkit::input_error(path, "duplicate case name '" + e.name + "'");
    for (const auto* f : {&e.image, &e.label, &e.clean_label})
      if (!f->empty() && !fs::exists(*f))
        throw labkit::input_error(path, "case '" + e.name + "': file " + *f + " does not exist");
    out.push_back(e);
  }
  return out;
}

namespace {

img::Volume read_label(const std::string& path, const img::Volume& image, const std::string& image_path,
                       double spacing) {
  auto v = img::read_volume(path);
  ps::check_for_model_space(v, spacing, path);
  if (!img::same_geometry(v.geometry, image.geometry, 1e-3))
    throw labkit::input_error(path, "label grid differs from the image " + image_path +
                                        " (size, spacing, origin or direction); resample the label first");
  return v;
}

std::set<int> nonzero_labels(const img::Volume& v) {
  std::set<int> s;
  for (float x : v.voxels)
    if (std::lround(x) != 0) s.insert(static_cast<int>(std::lround(x)));
  return s;
}

}  // namespace

std::vector<Sample> load_samples(const std::vector<CaseEntry>& cases, const std::string& split,
                                 const DataSettings& settings) {
  std::vector<Sample> out;
  int64_t skipped = 0;
  for (const auto& c : cases) {
    if (c.split != split) continue;
    const auto image = img::read_volume(c.image);
    ps::check_for_model_space(image, settings.spacing_mm, c.image);  // NaN/inf voxels, absurd spacings
    const auto label = read_label(c.label, image, c.image, settings.spacing_mm);
    const auto clean = c.clean_label.empty() ? label : read_label(c.clean_label, image, c.image, settings.spacing_mm);
    // Targets come from the training label, as a user's data would: a lesion a low-quality annotation
    // missed is no target (it only appears as background in other crops).
    const auto values = nonzero_labels(label);
    if (values.empty()) throw labkit::input_error(c.label, "label map has no nonzero voxel (empty label)");
    const auto m_image = ps::to_model_space(image, settings.spacing_mm);
    const auto m_label = ps::to_model_space(label, settings.spacing_mm, true);
    const auto m_clean = ps::to_model_space(clean, settings.spacing_mm, true);
    for (int v : values) {
      // Bounding-box centre of the target in model space (upstream CropOrPad on the label).
      auto where = torch::nonzero(m_label.tensor.round() == v);
      if (where.size(0) == 0) { ++skipped; continue; }
      auto lo = std::get<0>(where.min(0)), hi = std::get<0>(where.max(0));
      std::array<double, 3> centre{};
      for (int a = 0; a < 3; ++a) centre[a] = 0.5 * double(lo[a].item<int64_t>() + hi[a].item<int64_t>());
      const auto crop = ps::crop_around(m_image, centre, settings.crop_size);
      Sample s;
      s.case_name = c.name;
      s.label_value = v;
      s.high_quality = c.high_quality;
      s.exact_known = !c.clean_label.empty();
      s.label = (ps::extract(m_label, crop).round() == v).to(torch::kFloat32).unsqueeze(0);
      if (s.label.sum().item<double>() < double(settings.min_target_voxels)) { ++skipped; continue; }
      s.clean = (ps::extract(m_clean, crop).round() == v).to(torch::kFloat32).unsqueeze(0);
      s.image = ps::z_normalise(ps::extract(m_image, crop)).unsqueeze(0).contiguous();
      out.push_back(std::move(s));
    }
  }
  if (skipped) labkit::log::info("{} split: skipped {} targets under {} voxels", split, skipped, settings.min_target_voxels);
  return out;
}

}  // namespace labkit::seganypet_train
