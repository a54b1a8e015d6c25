// Memory-mapped safetensors reader: validates the header completely before handing out views.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "labkit/core/error.h"
#include "labkit/tensorio/safetensors.h"

namespace labkit::tensorio {
namespace {

// Header values are checked as unsigned integers that fit int64 (JSON numbers may be anything).
uint64_t as_count(const nlohmann::ordered_json& v, const std::string& path, const std::string& what) {
  if (!v.is_number_unsigned() || v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    throw input_error(path, what + " must be a non-negative integer, got " + v.dump());
  return v.get<uint64_t>();
}

// One tensor's header entry checked against the data block (`data`, `data_size` bytes, in a file of
// `size` bytes): dtype, shape, and data_offsets spanning exactly shape x dtype bytes.
TensorView read_entry(const std::string& name, const nlohmann::ordered_json& info, const std::string& path,
                      uint64_t size, const std::uint8_t* data, uint64_t data_size) {
  const std::string where = "tensor '" + name + "'";
  if (!info.is_object()) throw input_error(path, where + ": entry is not a JSON object");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!info.contains(key)) throw input_error(path, where + ": missing \"" + key + "\"");
  if (!info["dtype"].is_string()) throw input_error(path, where + ": dtype is not a string");
  TensorView view{name, DType::kU8, {}, nullptr, 0};
  try {
    view.dtype = parse_dtype(info["dtype"].get<std::string>());
  } catch (const InputError& e) {
    throw input_error(path, where + ": " + e.what());
  }
  if (!info["shape"].is_array()) throw input_error(path, where + ": shape is not an array");
  // Element count in 128 bits would be overkill: stop as soon as it exceeds the file.
  uint64_t numel = 1;
  for (const auto& d : info["shape"]) {
    const uint64_t dim = as_count(d, path, where + ": shape entry");
    view.shape.push_back(static_cast<int64_t>(dim));
    if (dim != 0 && numel > size / dim) numel = size + 1;  // saturate: certainly larger than the data
    else numel *= dim;
  }
  const auto& offsets = info["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2)
    throw input_error(path, where + ": data_offsets must be [begin, end]");
  const uint64_t begin = as_count(offsets[0], path, where + ": data_offsets");
  const uint64_t end = as_count(offsets[1], path, where + ": data_offsets");
  if (begin > end || end > data_size)
    throw input_error(path, where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                                "] out of range of the " + std::to_string(data_size) + "-byte data block");
  const uint64_t expected = numel > size ? std::numeric_limits<uint64_t>::max() : numel * dtype_size(view.dtype);
  if (end - begin != expected)
    throw input_error(path, where + ": shape and dtype need " +
                                (numel > size ? std::string("more bytes than the file has")
                                              : std::to_string(expected) + " bytes") +
                                " but data_offsets span " + std::to_string(end - begin));
  view.data = data + begin;
  view.nbytes = static_cast<std::size_t>(end - begin);
  return view;
}

}  // namespace

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

SafetensorsFile::~SafetensorsFile() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
}

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw input_error(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    throw input_error(path, "cannot stat: " + why);
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size < 8) {
    ::close(fd);
    throw input_error(path, "file is " + std::to_string(size) + " bytes, shorter than the 8-byte header size");
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int map_errno = errno;
  ::close(fd);  // the mapping keeps the file alive
  if (map == MAP_FAILED) throw input_error(path, std::string("cannot mmap: ") + std::strerror(map_errno));
  file->map_ = map;
  file->map_size_ = size;
  const auto* bytes = static_cast<const std::uint8_t*>(map);

  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];  // little-endian
  if (header_len > size - 8)
    throw input_error(path, "header length " + std::to_string(header_len) + " exceeds the file size " +
                                std::to_string(size));
  nlohmann::ordered_json header;
  try {
    header = nlohmann::ordered_json::parse(bytes + 8, bytes + 8 + header_len);
  } catch (const nlohmann::json::exception& e) {
    throw input_error(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) throw input_error(path, "header is not a JSON object");

  const std::uint8_t* data = bytes + 8 + header_len;
  const uint64_t data_size = size - 8 - header_len;
  struct Span {
    uint64_t begin, end;
    std::size_t order;
  };
  std::vector<Span> spans;
  std::vector<TensorView> views;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      if (!info.is_object()) throw input_error(path, "__metadata__ is not a JSON object");
      for (const auto& [key, value] : info.items()) {
        if (!value.is_string())
          throw input_error(path, "__metadata__ value for '" + key + "' is not a string: " + value.dump());
        file->metadata_[key] = value.get<std::string>();
      }
      continue;
    }
    TensorView view = read_entry(name, info, path, size, data, data_size);
    const auto begin = static_cast<uint64_t>(view.data - data);
    const uint64_t end = begin + view.nbytes;
    spans.push_back({begin, end, views.size()});
    views.push_back(std::move(view));
  }
  std::stable_sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  for (std::size_t i = 1; i < spans.size(); ++i) {
    const Span& prev = spans[i - 1];
    const Span& cur = spans[i];
    if (cur.begin < prev.end)
      throw input_error(path, "tensor '" + views[cur.order].name + "' overlaps tensor '" + views[prev.order].name +
                                  "' in the data block");
  }
  for (const Span& s : spans) {
    file->index_[views[s.order].name] = file->tensors_.size();
    file->tensors_.push_back(std::move(views[s.order]));
  }
  return file;
}

const TensorView& SafetensorsFile::at(const std::string& name) const {
  const auto it = index_.find(name);
  if (it == index_.end()) throw input_error(path_, "no tensor '" + name + "'");
  return tensors_[it->second];
}

bool SafetensorsFile::contains(const std::string& name) const { return index_.count(name) != 0; }

}  // namespace labkit::tensorio
