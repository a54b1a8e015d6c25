#include "foam_mesh.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "foam_dict.h"
#include "labkit/core/error.h"

namespace labkit::aneumo_build {

namespace {

// The file's text after its FoamFile header, comments removed.
std::string body_of(const std::string& path) {
  const std::string t = foam_read_without_comments(path);
  const auto head = t.find("FoamFile");
  if (head == std::string::npos) throw input_error(path, "no FoamFile header");
  const auto close = t.find('}', head);
  if (close == std::string::npos) throw input_error(path, "unterminated FoamFile header");
  if (t.find("binary", head) < close) throw input_error(path, "binary mesh files are not read (set writeFormat ascii)");
  return t.substr(close + 1);
}

// "N ( item item ... )": the count and the position just after '('.
size_t list_start(const std::string& t, const std::string& path, size_t& count) {
  char* end = nullptr;
  const size_t first = t.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) throw input_error(path, "empty list");
  count = std::strtoull(t.c_str() + first, &end, 10);
  const size_t open = t.find('(', end - t.c_str());
  if (end == t.c_str() + first || open == std::string::npos) throw input_error(path, "expected 'N (' at the list start");
  return open + 1;
}

std::vector<double> read_points(const std::string& path) {
  std::string t = body_of(path);
  size_t n = 0;
  const size_t at = list_start(t, path, n);
  for (size_t i = at; i < t.size(); ++i)
    if (t[i] == '(' || t[i] == ')') t[i] = ' ';
  std::istringstream ss(t.substr(at));
  std::vector<double> p(3 * n);
  for (double& x : p)
    if (!(ss >> x)) throw input_error(path, "fewer point coordinates than the count " + std::to_string(n));
  return p;
}

// Faces [first, first + count) of the faceList: each as its point indices.
std::vector<std::vector<long>> read_faces(const std::string& path, size_t first, size_t count) {
  const std::string t = body_of(path);
  size_t n = 0;
  size_t at = list_start(t, path, n);
  if (first + count > n) throw input_error(path, "the boundary's faces run past the face count " + std::to_string(n));
  std::vector<std::vector<long>> out;
  const char* s = t.c_str();
  for (size_t f = 0; f < first + count; ++f) {
    char* end = nullptr;
    const long k = std::strtol(s + at, &end, 10);
    const size_t open = t.find('(', end - s), close = t.find(')', end - s);
    if (end == s + at || k < 3 || open == std::string::npos || close == std::string::npos || close < open)
      throw input_error(path, "face " + std::to_string(f) + " is not 'k(i j ...)' with k >= 3");
    if (f >= first) {
      std::vector<long> idx;
      std::istringstream ss(t.substr(open + 1, close - open - 1));
      long v;
      while (ss >> v) idx.push_back(v);
      if (static_cast<long>(idx.size()) != k) throw input_error(path, "face " + std::to_string(f) + " has the wrong point count");
      out.push_back(std::move(idx));
    }
    at = close + 1;
  }
  return out;
}

// The patch's startFace and nFaces from the boundary file.
void patch_range(const std::string& path, const std::string& patch, size_t& start, size_t& count) {
  const std::string t = body_of(path);
  size_t at = 0;
  for (;;) {
    at = t.find(patch, at);
    if (at == std::string::npos) throw input_error(path, "no patch '" + patch + "'");
    const auto next = t.find_first_not_of(" \t\r\n", at + patch.size());
    const bool word_start = at > 0 && std::isspace(static_cast<unsigned char>(t[at - 1]));
    if (word_start && next != std::string::npos && t[next] == '{') break;
    ++at;
  }
  const auto close = t.find('}', at);
  auto number = [&](const char* key) {
    const auto k = t.find(key, at);
    if (k == std::string::npos || k > close) throw input_error(path, std::string("patch '") + patch + "' has no " + key);
    return std::strtoull(t.c_str() + k + std::string(key).size(), nullptr, 10);
  };
  start = number("startFace");
  count = number("nFaces");
}

}  // namespace

std::vector<double> foam_patch_normals(const std::string& dir, const std::string& patch) {
  size_t start = 0, count = 0;
  patch_range(dir + "/boundary", patch, start, count);
  const auto points = read_points(dir + "/points");
  const auto faces = read_faces(dir + "/faces", start, count);
  const long P = static_cast<long>(points.size() / 3);
  std::vector<double> normals;
  normals.reserve(3 * faces.size());
  for (size_t f = 0; f < faces.size(); ++f) {
    // Area vector of a (possibly non-planar) polygon: triangles fanned from its point average.
    double c[3] = {0, 0, 0}, s[3] = {0, 0, 0};
    for (long v : faces[f]) {
      if (v < 0 || v >= P) throw input_error(dir + "/faces", "face " + std::to_string(start + f) + " names point " + std::to_string(v) + " of " + std::to_string(P));
      for (int a = 0; a < 3; ++a) c[a] += points[3 * v + a] / faces[f].size();
    }
    for (size_t m = 0; m < faces[f].size(); ++m) {
      const double* p = &points[3 * faces[f][m]];
      const double* q = &points[3 * faces[f][(m + 1) % faces[f].size()]];
      const double u[3] = {p[0] - c[0], p[1] - c[1], p[2] - c[2]}, w[3] = {q[0] - c[0], q[1] - c[1], q[2] - c[2]};
      s[0] += u[1] * w[2] - u[2] * w[1], s[1] += u[2] * w[0] - u[0] * w[2], s[2] += u[0] * w[1] - u[1] * w[0];
    }
    const double len = std::sqrt(s[0] * s[0] + s[1] * s[1] + s[2] * s[2]);
    if (!(len > 0)) throw input_error(dir + "/faces", "face " + std::to_string(start + f) + " has zero area");
    for (int a = 0; a < 3; ++a) normals.push_back(s[a] / len);
  }
  return normals;
}

}  // namespace labkit::aneumo_build
