// Parity of the C++ SAM-Med3D with the UPSTREAM code itself: data/parity_upstream.safetensors holds weights,
// inputs and the float32 outputs of uni-medical/SAM-Med3D's own modules (image_encoder3D, prompt_encoder3D,
// mask_decoder3D) for the two reduced configs of parity_test.cpp, written by
// reference/make_upstream_vectors.py from a local upstream checkout (upstream code is not in labkit).
#include <gtest/gtest.h>

#include <cstdio>

#include "labkit/sammed3d/checkpoint.h"
#include "parity_data.h"
#include "labkit/tensorio/safetensors.h"
#include "labkit/torchutil/tensor_files.h"

namespace sm = labkit::sammed3d;

namespace {

const std::string kData =
    std::string(LABKIT_SOURCE_DIR) + "/tests/libs/sammed3d/data/parity_upstream.safetensors";

using parity::max_abs;
parity::Case load_case(const std::string& key, torch::ScalarType dtype) { return parity::load_case(kData, key, dtype); }

// Every stored upstream output against the C++ model run in `dtype` on the same weights and prompts.
void check_case(const std::string& key, torch::ScalarType dtype, double tol) {
  torch::NoGradGuard ng;
  auto c = load_case(key, dtype);
  auto& m = *c.model;
  auto up = [&](const std::string& n) { return c.t.at("upstream/" + n); };
  // Prints each measured difference (the numbers quoted in reports) and holds it to tol.
  auto check = [&](const std::string& n, const torch::Tensor& got) {
    double d = max_abs(got, up(n));
    std::printf("[%s %s] %-20s max|C++ - upstream| = %.3e\n", key.c_str(), torch::toString(dtype), n.c_str(), d);
    EXPECT_LT(d, tol) << key << " " << n;
  };
  auto emb = m.encode(c.t.at("image").to(dtype));
  check("embedding", emb);
  check("dense_pe", m.prompt_encoder->dense_pe());
  auto pts = c.t.at("points"), lab = c.t.at("labels");
  check("sparse", m.prompt_encoder->embed_points(pts, lab));
  auto mp = c.t.at("mask_prompt").to(dtype);
  auto p = m.decode(emb, pts, lab, mp);
  check("low_res", p.low_res_logits);
  check("iou", p.iou);
  auto p0 = m.decode(emb, pts.slice(1, 0, 1), lab.slice(1, 0, 1), torch::zeros_like(mp));
  check("low_res_first_click", p0.low_res_logits);
  check("iou_first_click", p0.iou);
  auto pm = m.decode(emb, pts, lab, mp, /*multimask=*/true);
  check("low_res_multi", pm.low_res_logits);
  check("iou_multi", pm.iou);
  // Non-trivial outputs, so the tolerance means something.
  EXPECT_GT(up("low_res").abs().max().item<double>(), 0.5) << key;
  EXPECT_GT(up("low_res_multi").std().item<double>(), 0.05) << key;
}

}  // namespace

TEST(SamUpstreamParity, FileNamesItsSource) {
  auto file = labkit::tensorio::SafetensorsFile::open(kData);
  EXPECT_EQ(file->metadata().at("upstream").rfind("uni-medical/SAM-Med3D@", 0), 0u);
}

TEST(SamUpstreamParity, SingleWindowFloat32) { check_case("single_window", torch::kFloat32, 2e-4); }
TEST(SamUpstreamParity, MultiWindowFloat32) { check_case("multi_window", torch::kFloat32, 2e-4); }
// Upstream ran in float32, so the float64 C++ model is held to the same float32-rounding tolerance.
TEST(SamUpstreamParity, SingleWindowFloat64) { check_case("single_window", torch::kFloat64, 2e-4); }
TEST(SamUpstreamParity, MultiWindowFloat64) { check_case("multi_window", torch::kFloat64, 2e-4); }
