#include "labkit/torchutil/tensor_files.h"

#include <torch/torch.h>

#include "labkit/core/error.h"

namespace labkit::torchutil {
using namespace tensorio;  // H5File, safetensors and dtypes (libs/tensorio)

torch::ScalarType to_scalar_type(DType dtype) {
  switch (dtype) {
    case DType::kBool: return torch::kBool;
    case DType::kU8: return torch::kUInt8;
    case DType::kI8: return torch::kInt8;
    case DType::kI16: return torch::kInt16;
    case DType::kI32: return torch::kInt32;
    case DType::kI64: return torch::kInt64;
    case DType::kF16: return torch::kHalf;
    case DType::kBF16: return torch::kBFloat16;
    case DType::kF32: return torch::kFloat32;
    case DType::kF64: return torch::kFloat64;
    case DType::kU16:
    case DType::kU32:
    case DType::kU64:
      break;
  }
  // LibTorch 1.13 has no uint16/32/64 tensors.
  throw InputError(std::string("dtype ") + dtype_name(dtype) + " has no torch tensor type in this LibTorch");
}

DType to_dtype(torch::ScalarType type) {
  switch (type) {
    case torch::kBool: return DType::kBool;
    case torch::kUInt8: return DType::kU8;
    case torch::kInt8: return DType::kI8;
    case torch::kInt16: return DType::kI16;
    case torch::kInt32: return DType::kI32;
    case torch::kInt64: return DType::kI64;
    case torch::kHalf: return DType::kF16;
    case torch::kBFloat16: return DType::kBF16;
    case torch::kFloat32: return DType::kF32;
    case torch::kFloat64: return DType::kF64;
    default:
      throw InputError(std::string("torch dtype ") + c10::toString(type) + " cannot be stored");
  }
}

torch::Tensor view_tensor(const std::shared_ptr<SafetensorsFile>& file, const TensorView& view) {
  auto keep_alive = file;  // captured by the deleter: the mapping lives as long as the tensor
  // from_blob takes a non-const pointer; the mapping is read-only, so writes would fault: clone to modify.
  void* data = const_cast<std::uint8_t*>(view.data);
  return torch::from_blob(data, view.shape, [keep_alive](void*) {},
                          torch::TensorOptions().dtype(to_scalar_type(view.dtype)));
}

std::map<std::string, torch::Tensor> load_safetensors(const std::string& path) {
  auto file = SafetensorsFile::open(path);
  std::map<std::string, torch::Tensor> out;
  for (const auto& view : file->tensors()) out.emplace(view.name, view_tensor(file, view));
  return out;
}

void save_safetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  SafetensorsWriter writer;
  for (const auto& [key, value] : metadata) writer.set_metadata(key, value);
  for (const auto& [name, tensor] : tensors) {
    const torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
    writer.add(name, to_dtype(t.scalar_type()), t.sizes().vec(), t.data_ptr(), t.nbytes());
  }
  writer.write(path);
}

void write_tensor(H5File& file, const std::string& dataset, const torch::Tensor& tensor,
                  const DatasetOptions& options) {
  const torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
  write_array(file, dataset, to_dtype(t.scalar_type()), t.data_ptr(), t.sizes().vec(), options);
}

torch::Tensor read_tensor(H5File& file, const std::string& dataset) {
  const ArrayInfo info = array_info(file, dataset);
  torch::Tensor t = torch::empty(info.shape, torch::TensorOptions().dtype(to_scalar_type(info.dtype)));
  read_array(file, dataset, info.dtype, t.data_ptr());
  return t;
}

torch::Tensor read_tensor_slab(H5File& file, const std::string& dataset, const std::vector<int64_t>& offset,
                               const std::vector<int64_t>& count) {
  const ArrayInfo info = array_info(file, dataset);
  torch::Tensor t = torch::empty(count, torch::TensorOptions().dtype(to_scalar_type(info.dtype)));
  read_slab(file, dataset, offset, count, info.dtype, t.data_ptr());
  return t;
}

}  // namespace labkit::torchutil
