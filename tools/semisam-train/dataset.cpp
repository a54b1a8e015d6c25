#include "dataset.h"

#include <filesystem>
#include <fstream>

#include "labkit/core/error.h"
#include "labkit/imageio/image.h"
#include "labkit/tensorio/h5.h"
#include "labkit/torchutil/tensor_files.h"
#include "manifest.h"

namespace labkit::semisam_train {

namespace fs = std::filesystem;
namespace img = labkit::imageio;

torch::Tensor volume_to_tensor(const img::Volume& v) {
  const auto& s = v.geometry.size;
  return torch::from_blob(const_cast<float*>(v.voxels.data()), {s[2], s[1], s[0]}, torch::kFloat32).clone();
}

namespace {

void z_score(torch::Tensor& image) {
  const auto std = image.std().item<double>();
  image = (image - image.mean()) / (std > 0 ? std : 1.0);
}

void check_label(const torch::Tensor& label, const std::string& path) {
  if (label.sum().item<int64_t>() == 0) throw labkit::input_error(path, "label has no foreground voxel");
}

Case read_case(const std::string& name, const std::string& image, const std::string& label) {
  Case c;
  c.name = name;
  c.image_path = image;
  c.label_path = label;
  if (!fs::exists(image)) throw labkit::input_error(image, "does not exist");
  const auto nonfinite = img::nifti_nonfinite_voxels(image);
  if (nonfinite.count > 0) throw labkit::input_error(image, std::to_string(nonfinite.count) + " NaN or inf voxels");
  const auto v = img::read_volume(image);
  c.geometry = v.geometry;
  c.spacing = {v.geometry.spacing[2], v.geometry.spacing[1], v.geometry.spacing[0]};
  c.image = volume_to_tensor(v);
  if (!torch::isfinite(c.image).all().item<bool>()) throw labkit::input_error(image, "NaN or inf voxels");
  z_score(c.image);
  if (!label.empty()) {
    if (!fs::exists(label)) throw labkit::input_error(label, "does not exist");
    const auto l = img::read_volume(label);
    if (!img::same_geometry(l.geometry, v.geometry, 1e-4))
      throw labkit::input_error(label, "label grid differs from its image's (" + image + "): size, spacing, origin or direction");
    c.label = (volume_to_tensor(l) > 0.5).to(torch::kUInt8);
    check_label(c.label, label);
  }
  return c;
}

std::vector<std::string> read_list(const fs::path& path, bool required) {
  std::vector<std::string> names;
  std::ifstream in(path);
  if (!in) {
    if (required) throw labkit::input_error(path.string(), "cannot open the case list");
    return names;
  }
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    if (line.size() > 3 && line.compare(line.size() - 3, 3, ".h5") == 0) line.resize(line.size() - 3);  // RAOS test.txt
    names.push_back(line);
  }
  return names;
}

Case read_h5_case(const fs::path& root, const std::string& name) {
  fs::path file = root / "data" / (name + ".h5");                      // BraTS layout
  if (!fs::exists(file)) file = root / "data" / name / "mri_norm2.h5";  // LA layout
  if (!fs::exists(file))
    throw labkit::input_error((root / "data" / (name + ".h5")).string(), "does not exist (nor data/" + name + "/mri_norm2.h5)");
  Case c;
  c.name = name;
  c.image_path = c.label_path = file.string();
  auto h5 = tensorio::H5File::open_read(file.string());
  const auto image = torchutil::read_tensor(h5, "image");
  const auto label = torchutil::read_tensor(h5, "label");
  if (image.dim() != 3) throw labkit::input_error(file.string(), "dataset image must be 3D");
  if (label.sizes() != image.sizes()) throw labkit::input_error(file.string(), "datasets image and label differ in shape");
  // Stored (w, h, d) as upstream's numpy arrays; held as (d, h, w) like the NIfTI volumes.
  c.image = image.to(torch::kFloat32).permute({2, 1, 0}).contiguous();
  if (!torch::isfinite(c.image).all().item<bool>()) throw labkit::input_error(file.string(), "image holds NaN or inf");
  c.label = (label.to(torch::kFloat32) > 0.5).to(torch::kUInt8).permute({2, 1, 0}).contiguous();
  check_label(c.label, file.string());
  for (int a = 0; a < 3; ++a) c.geometry.size[a] = c.image.size(2 - a);
  return c;
}

}  // namespace

Dataset read_manifest_dataset(const std::string& path) {
  // Every entry is checked before the first image is read: a bad last line fails in milliseconds.
  Dataset d;
  for (const auto& e : read_manifest(path)) {
    auto& dst = e.split == "train" ? d.train : e.split == "val" ? d.val : d.test;
    dst.push_back(read_case(e.name, e.image, e.label));
  }
  return d;
}

Dataset read_h5_dataset(const std::string& root) {
  Dataset d;
  for (const auto& n : read_list(fs::path(root) / "train.txt", true)) d.train.push_back(read_h5_case(root, n));
  for (const auto& n : read_list(fs::path(root) / "val.txt", false)) d.val.push_back(read_h5_case(root, n));
  for (const auto& n : read_list(fs::path(root) / "test.txt", false)) d.test.push_back(read_h5_case(root, n));
  if (d.train.empty()) throw labkit::input_error(root + "/train.txt", "lists no case");
  return d;
}

Case read_image_case(const std::string& path) { return read_case(fs::path(path).filename().string(), path, ""); }

void check_labeled(const Dataset& d, int labeled_num, const std::string& source) {
  if (labeled_num > static_cast<int>(d.train.size()))
    throw labkit::input_error(source, "labeled_num " + std::to_string(labeled_num) + " is larger than the " +
                                          std::to_string(d.train.size()) + " training cases");
  for (int i = 0; i < labeled_num; ++i)
    if (!d.train[i].label.defined())
      throw labkit::input_error(source, "training case '" + d.train[i].name + "' is among the first labeled_num=" +
                                            std::to_string(labeled_num) + " but has no label");
}

}  // namespace labkit::semisam_train
