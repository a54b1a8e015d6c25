// MSE, PSNR and SSIM with scikit-image's definitions (reference puir.md "skimage metrics"; checked against
// python3-skimage in tests): data_range given explicitly. No torch; float64 arithmetic throughout.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace labkit::puir_train {

double mean_squared_error(const std::vector<float>& a, const std::vector<float>& b);
// 10 log10(R^2 / MSE); +inf for identical inputs (as skimage).
double psnr(const std::vector<float>& truth, const std::vector<float>& test, double data_range);
// structural_similarity(truth, test, data_range=R) on a 3-D volume of `dims` (any order; x fastest
// last): 7^3 uniform window (scipy uniform_filter, mode reflect), K1 0.01, K2 0.03, sample covariance,
// mean over the volume without a 3-voxel border. std::invalid_argument if an axis is shorter than 7.
double ssim(const std::vector<float>& truth, const std::vector<float>& test, const std::array<int64_t, 3>& dims,
            double data_range);
// max(max - min of a, max - min of b): upstream's data_range.
double joint_data_range(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace labkit::puir_train
