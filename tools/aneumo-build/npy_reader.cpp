#include "npy_reader.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "labkit/core/error.h"

namespace labkit::aneumo_build {

namespace {

std::string value_of(const std::string& header, const std::string& key, const std::string& source) {
  const auto at = header.find("'" + key + "'");
  if (at == std::string::npos) throw input_error(source, "npy header has no '" + key + "' entry");
  const auto colon = header.find(':', at);
  if (colon == std::string::npos) throw input_error(source, "npy header entry '" + key + "' has no value");
  return header.substr(colon + 1);
}

std::vector<int64_t> parse_shape(const std::string& rest, const std::string& source) {
  const auto open = rest.find('('), close = rest.find(')');
  if (open == std::string::npos || close == std::string::npos || close < open)
    throw input_error(source, "npy header 'shape' is not a tuple");
  std::vector<int64_t> shape;
  std::string item;
  std::stringstream ss(rest.substr(open + 1, close - open - 1));
  while (std::getline(ss, item, ',')) {
    const auto first = item.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    const auto digits = item.substr(first, item.find_last_not_of(" \tL") - first + 1);
    if (digits.empty() || digits.size() > 12 || digits.find_first_not_of("0123456789") != std::string::npos)
      throw input_error(source, "npy header 'shape' has a non-integer dimension");
    shape.push_back(std::stoll(digits));
  }
  if (shape.size() > 8) throw input_error(source, "npy array has more than 8 dimensions");
  return shape;
}

template <class T>
void convert(const char* p, int64_t n, std::vector<float>& out) {
  out.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, p + i * sizeof(T), sizeof(T));
    out[i] = static_cast<float>(v);
  }
}

}  // namespace

NpyArray parse_npy(const std::string& b, const std::string& source) {
  if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0) throw input_error(source, "not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(b[6]);
  size_t header_len, start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(b[8]) | (static_cast<unsigned char>(b[9]) << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (b.size() < 12) throw input_error(source, "truncated .npy header");
    header_len = 0;
    for (int k = 0; k < 4; ++k) header_len |= size_t(static_cast<unsigned char>(b[8 + k])) << (8 * k);
    start = 12;
  } else {
    throw input_error(source, "unsupported .npy format version " + std::to_string(major));
  }
  if (header_len > b.size() - start) throw input_error(source, "npy header is longer than the file");
  const std::string header = b.substr(start, header_len);
  NpyArray a;
  const std::string descr = value_of(header, "descr", source);
  const auto q1 = descr.find('\''), q2 = q1 == std::string::npos ? q1 : descr.find('\'', q1 + 1);
  if (q2 == std::string::npos || q2 - q1 > 8) throw input_error(source, "npy header 'descr' is not a short string");
  a.dtype = descr.substr(q1 + 1, q2 - q1 - 1);
  a.fortran_order = value_of(header, "fortran_order", source).find("True") < value_of(header, "fortran_order", source).find(',');
  a.shape = parse_shape(value_of(header, "shape", source), source);
  int64_t n = 1;
  for (int64_t d : a.shape) {
    if (d > 0 && n > (int64_t(1) << 40) / d) throw input_error(source, "npy shape is implausibly large");
    n *= d;
  }
  static const struct {
    const char* name;
    int size;
  } kTypes[] = {{"<f4", 4}, {"<f8", 8}, {"|u1", 1}, {"|i1", 1}, {"|b1", 1}, {"<i2", 2}, {"<i4", 4}, {"<i8", 8}, {"<u2", 2}};
  int size = 0;
  for (const auto& t : kTypes) size = a.dtype == t.name ? t.size : size;
  if (size == 0) throw input_error(source, "npy dtype '" + a.dtype + "' is not supported (little-endian numbers or bool)");
  const size_t data_at = start + header_len;
  if (static_cast<uint64_t>(n) * size != b.size() - data_at)
    throw input_error(source, "npy data holds " + std::to_string(b.size() - data_at) + " bytes, the header's shape needs " +
                                  std::to_string(n * size));
  const char* p = b.data() + data_at;
  if (a.dtype == "<f4") convert<float>(p, n, a.data);
  else if (a.dtype == "<f8") convert<double>(p, n, a.data);
  else if (a.dtype == "|u1" || a.dtype == "|b1") convert<uint8_t>(p, n, a.data);
  else if (a.dtype == "|i1") convert<int8_t>(p, n, a.data);
  else if (a.dtype == "<i2") convert<int16_t>(p, n, a.data);
  else if (a.dtype == "<u2") convert<uint16_t>(p, n, a.data);
  else if (a.dtype == "<i4") convert<int32_t>(p, n, a.data);
  else convert<int64_t>(p, n, a.data);
  return a;
}

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(path, "cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_npy(ss.str(), path);
}

}  // namespace labkit::aneumo_build
