// Numerical parity of the C++ SAM-Med3D with an independent float64 Python reference
// (reference/sammed3d_reference.py -> data/parity_tiny.safetensors) on two reduced configs: one padded
// window (the vit_b_ori situation, 4^3 tokens padded to 6^3) and several windows (window 3 on 4^3).
#include <gtest/gtest.h>

#include "labkit/sammed3d/checkpoint.h"
#include "parity_data.h"
#include "labkit/torchutil/tensor_files.h"

namespace sm = labkit::sammed3d;

namespace {

const std::string kData = std::string(LABKIT_SOURCE_DIR) + "/tests/libs/sammed3d/data/parity_tiny.safetensors";

using parity::max_abs;
parity::Case load_case(const std::string& key, torch::ScalarType dtype) { return parity::load_case(kData, key, dtype); }

void check_case(const std::string& key, torch::ScalarType dtype, double tol) {
  torch::NoGradGuard ng;
  auto c = load_case(key, dtype);
  auto& m = *c.model;
  auto e = [&](const std::string& n) { return c.t.at("expected/" + n); };
  auto image = c.t.at("image").to(dtype);
  auto emb = m.encode(image);
  EXPECT_LT(max_abs(emb, e("embedding")), tol) << key;
  EXPECT_LT(max_abs(m.prompt_encoder->dense_pe(), e("dense_pe")), tol) << key;
  auto pts = c.t.at("points"), lab = c.t.at("labels");
  EXPECT_LT(max_abs(m.prompt_encoder->embed_points(pts, lab), e("sparse")), tol) << key;
  auto mp = c.t.at("mask_prompt").to(dtype);
  auto p = m.decode(emb, pts, lab, mp);
  EXPECT_LT(max_abs(p.low_res_logits, e("low_res")), tol) << key;
  EXPECT_LT(max_abs(p.iou, e("iou")), tol) << key;
  auto p0 = m.decode(emb, pts.slice(1, 0, 1), lab.slice(1, 0, 1), torch::zeros_like(mp));
  EXPECT_LT(max_abs(p0.low_res_logits, e("low_res_first_click")), tol) << key;
  EXPECT_LT(max_abs(p0.iou, e("iou_first_click")), tol) << key;
  auto pm = m.decode(emb, pts, lab, mp, /*multimask=*/true);
  EXPECT_LT(max_abs(pm.low_res_logits, e("low_res_multi")), tol) << key;
  EXPECT_LT(max_abs(pm.iou, e("iou_multi")), tol) << key;
  // The logits are not trivially small: the tolerance means something.
  EXPECT_GT(e("low_res").abs().max().item<double>(), 0.5);
}

}  // namespace

TEST(SamParity, SingleWindowFloat32) { check_case("single_window", torch::kFloat32, 2e-4); }
TEST(SamParity, MultiWindowFloat32) { check_case("multi_window", torch::kFloat32, 2e-4); }
TEST(SamParity, SingleWindowFloat64) { check_case("single_window", torch::kFloat64, 1e-9); }
TEST(SamParity, MultiWindowFloat64) { check_case("multi_window", torch::kFloat64, 1e-9); }

// The real-query-rows shortcut of the padded window equals the full upstream computation.
TEST(SamParity, RealRowsShortcutIsExact) {
  torch::NoGradGuard ng;
  auto c = load_case("single_window", torch::kFloat64);
  auto image = c.t.at("image").to(torch::kFloat64);
  auto fast = c.model->encode(image);
  c.model->image_encoder->set_real_rows_only(false);
  auto full = c.model->encode(image);
  EXPECT_LT(max_abs(fast, full), 1e-12);
}

// C++ float32 against C++ float64 on the same weights: float32 rounding stays small through the model.
TEST(SamParity, Float32AgainstFloat64) {
  torch::NoGradGuard ng;
  auto c32 = load_case("single_window", torch::kFloat32);
  auto c64 = load_case("single_window", torch::kFloat64);
  auto img = c32.t.at("image");
  auto e32 = c32.model->encode(img), e64 = c64.model->encode(img.to(torch::kFloat64));
  EXPECT_LT(max_abs(e32, e64), 1e-4);
  auto pts = c32.t.at("points"), lab = c32.t.at("labels"), mp = c32.t.at("mask_prompt");
  auto l32 = c32.model->decode(e32, pts, lab, mp).low_res_logits;
  auto l64 = c64.model->decode(e64, pts, lab, mp.to(torch::kFloat64)).low_res_logits;
  EXPECT_LT(max_abs(l32, l64), 2e-4);
  EXPECT_GT(max_abs(l32, l64), 0.0);  // really two precisions
}
