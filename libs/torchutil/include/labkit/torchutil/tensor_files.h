// torch::Tensor to and from the file formats of labkit::tensorio (safetensors, HDF5 datasets).
#pragma once

#include <torch/types.h>

#include <map>
#include <memory>
#include <string>

#include "labkit/tensorio/dtype.h"
#include "labkit/tensorio/h5.h"
#include "labkit/tensorio/safetensors.h"

namespace labkit::torchutil {

torch::ScalarType to_scalar_type(tensorio::DType dtype);
tensorio::DType to_dtype(torch::ScalarType type);  // throws InputError for types the formats cannot hold

// A tensor over the mapped bytes (no copy); the tensor keeps the mapping alive.
torch::Tensor view_tensor(const std::shared_ptr<tensorio::SafetensorsFile>& file, const tensorio::TensorView& view);
// All tensors of a safetensors file, as views over the mapping (clone() them to modify).
std::map<std::string, torch::Tensor> load_safetensors(const std::string& path);
// Writes tensors (moved to CPU, made contiguous) atomically, in name order.
void save_safetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

void write_tensor(tensorio::H5File& file, const std::string& dataset, const torch::Tensor& tensor,
                  const tensorio::DatasetOptions& options = {});
torch::Tensor read_tensor(tensorio::H5File& file, const std::string& dataset);
// Partial read: offset/count per dimension.
torch::Tensor read_tensor_slab(tensorio::H5File& file, const std::string& dataset, const std::vector<int64_t>& offset,
                               const std::vector<int64_t>& count);

}  // namespace labkit::torchutil
