#include "surface_io.h"

#include <vtkCellArray.h>
#include <vtkCleanPolyData.h>
#include <vtkIdList.h>
#include <vtkImplicitPolyDataDistance.h>
#include <vtkNew.h>
#include <vtkObject.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkSTLReader.h>
#include <vtkSmartPointer.h>
#include <vtkTriangleFilter.h>
#include <vtkXMLPolyDataReader.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <utility>

#include "labkit/core/error.h"

namespace labkit::aneumo_build {

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  if (s.size() < tail.size()) return false;
  std::string end = s.substr(s.size() - tail.size());
  std::transform(end.begin(), end.end(), end.begin(), [](unsigned char c) { return std::tolower(c); });
  return end == tail;
}

// Every undirected edge must belong to exactly two triangles.
void require_closed_manifold(const TriangleSurface& s, const std::string& path) {
  std::map<std::pair<int64_t, int64_t>, int> uses;
  for (size_t t = 0; t < s.triangles.size(); t += 3)
    for (int e = 0; e < 3; ++e) {
      const int64_t a = s.triangles[t + e], b = s.triangles[t + (e + 1) % 3];
      ++uses[{std::min(a, b), std::max(a, b)}];
    }
  int64_t open = 0, non_manifold = 0;
  for (const auto& [edge, n] : uses) open += n == 1, non_manifold += n > 2;
  if (open || non_manifold)
    throw input_error(path, "the surface is not closed and manifold: " + std::to_string(open) + " boundary edges, " +
                                std::to_string(non_manifold) + " non-manifold edges (repair it, e.g. fill holes)");
}

vtkSmartPointer<vtkPolyData> to_vtk(const TriangleSurface& s) {
  vtkNew<vtkPoints> pts;
  for (size_t p = 0; p < s.points.size(); p += 3) pts->InsertNextPoint(s.points[p], s.points[p + 1], s.points[p + 2]);
  vtkNew<vtkCellArray> tris;
  for (size_t t = 0; t < s.triangles.size(); t += 3) {
    const vtkIdType ids[3] = {s.triangles[t], s.triangles[t + 1], s.triangles[t + 2]};
    tris->InsertNextCell(3, ids);
  }
  auto pd = vtkSmartPointer<vtkPolyData>::New();
  pd->SetPoints(pts);
  pd->SetPolys(tris);
  return pd;
}

// VTK's STL reader trusts a binary file's facet count and allocates for it before reading (a 200-byte
// file claiming 2e9 facets took gigabytes: found by fuzz/aneumo_surface_fuzz.cpp). So the file must be
// either binary with at least 84 + 50 N bytes, or text that starts with "solid" (text bytes at offset 80
// read as a count of at least 0x20202020 facets, so no text file passes as binary).
void require_consistent_stl(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() >= 84) {
    std::uint32_t n = 0;
    for (int b = 3; b >= 0; --b) n = n << 8 | static_cast<unsigned char>(bytes[80 + b]);
    if (bytes.size() >= 84 + 50ull * n) return;  // exporters may append bytes after the facets
  }
  const auto first = bytes.find_first_not_of(" \t\r\n");
  const bool text = std::all_of(bytes.begin(), bytes.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return u == '\n' || u == '\r' || u == '\t' || (u >= 32 && u < 127);
  });
  if (text && first != std::string::npos && bytes.compare(first, 5, "solid") == 0) return;
  throw input_error(path, "not an STL file: neither binary with at least 84 + 50 x (facet count) bytes (" + std::to_string(bytes.size()) +
                              " bytes) nor ASCII text starting with 'solid'");
}

TriangleSurface read_surface_quietly(const std::string& path) {
  vtkSmartPointer<vtkPolyData> raw;
  unsigned long error = 0;
  if (ends_with(path, ".stl")) {
    require_consistent_stl(path);
    vtkNew<vtkSTLReader> r;
    r->SetFileName(path.c_str());
    r->Update();
    error = r->GetErrorCode();
    raw = r->GetOutput();
  } else if (ends_with(path, ".vtp")) {
    vtkNew<vtkXMLPolyDataReader> r;
    r->SetFileName(path.c_str());
    r->Update();
    error = r->GetErrorCode();
    raw = r->GetOutput();
  } else {
    throw input_error(path, "unknown surface format (expected .stl or .vtp)");
  }
  TriangleSurface s;
  if (!error && raw && raw->GetNumberOfPolys() > 0) {
    // Polygons to triangles, then exact duplicate points merged (STL repeats every vertex per facet).
    vtkNew<vtkTriangleFilter> tri;
    tri->SetInputData(raw);
    tri->PassLinesOff();
    tri->PassVertsOff();
    vtkNew<vtkCleanPolyData> clean;
    clean->SetInputConnection(tri->GetOutputPort());
    clean->ToleranceIsAbsoluteOn();
    clean->SetAbsoluteTolerance(0.0);
    clean->Update();
    vtkPolyData* pd = clean->GetOutput();
    for (vtkIdType p = 0; p < pd->GetNumberOfPoints(); ++p) {
      double x[3];
      pd->GetPoint(p, x);
      if (!std::isfinite(x[0]) || !std::isfinite(x[1]) || !std::isfinite(x[2]))
        throw input_error(path, "point " + std::to_string(p) + " is not finite");
      s.points.insert(s.points.end(), x, x + 3);
    }
    vtkNew<vtkIdList> ids;
    vtkCellArray* polys = pd->GetPolys();
    polys->InitTraversal();
    while (polys->GetNextCell(ids))
      if (ids->GetNumberOfIds() == 3)
        for (int m = 0; m < 3; ++m) s.triangles.push_back(ids->GetId(m));
  }
  if (error) throw input_error(path, "not a readable surface file (the VTK reader failed)");
  if (s.triangles.empty()) throw input_error(path, "the surface has no triangles");
  require_closed_manifold(s, path);
  return s;
}

}  // namespace

TriangleSurface read_surface(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw input_error(path, "no such surface file");
  // VTK reports bad files on its own output window; the answer here is the InputError below.
  struct QuietVtk {
    int before = vtkObject::GetGlobalWarningDisplay();
    QuietVtk() { vtkObject::GlobalWarningDisplayOff(); }
    ~QuietVtk() { vtkObject::SetGlobalWarningDisplay(before); }
  } quiet;
  try {
    return read_surface_quietly(path);
  } catch (const std::bad_alloc&) {
    throw input_error(path, "sizes in the file need more memory than there is (corrupt counts?)");
  } catch (const std::length_error&) {
    throw input_error(path, "sizes in the file are out of range (corrupt counts?)");
  }
}

double enclosed_volume_mm3(const TriangleSurface& s) {
  double v = 0;
  for (size_t t = 0; t < s.triangles.size(); t += 3) {
    const double* a = &s.points[3 * s.triangles[t]];
    const double* b = &s.points[3 * s.triangles[t + 1]];
    const double* c = &s.points[3 * s.triangles[t + 2]];
    v += a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
  }
  return v / 6;
}

Domain voxelise_surface(const TriangleSurface& s, double h, const std::array<double, 6>& clip) {
  double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
  for (size_t p = 0; p < s.points.size(); p += 3)
    for (int a = 0; a < 3; ++a) lo[a] = std::min(lo[a], s.points[p + a]), hi[a] = std::max(hi[a], s.points[p + a]);
  Domain d;
  d.grid.spacing_mm = h;
  for (int a = 0; a < 3; ++a) {
    const double from = lo[a] + clip[2 * a], to = hi[a] - clip[2 * a + 1];
    if (!(to > from)) throw InputError("config surface.clip_mm: the clipped box is empty along axis " + std::to_string(a));
    d.grid.size[a] = std::max<int64_t>(1, static_cast<int64_t>(std::ceil((to - from) / h)));
    d.grid.origin_mm[a] = from + 0.5 * h;
  }
  const Grid& g = d.grid;
  d.mask.assign(g.count(), 0);
  // Rays along x through the voxel centres of each (j, k) row, nudged off the grid by irrational fractions
  // of a voxel so that they never pass exactly through an edge or a vertex.
  const double ny = 1.2345678e-6 * h, nz = 2.7182818e-6 * h;
  std::vector<std::vector<int64_t>> rows(g.size[1] * g.size[2]);
  for (size_t t = 0; t < s.triangles.size(); t += 3) {
    double ylo = INFINITY, yhi = -INFINITY, zlo = INFINITY, zhi = -INFINITY;
    for (int m = 0; m < 3; ++m) {
      const double* p = &s.points[3 * s.triangles[t + m]];
      ylo = std::min(ylo, p[1]), yhi = std::max(yhi, p[1]), zlo = std::min(zlo, p[2]), zhi = std::max(zhi, p[2]);
    }
    const int64_t j0 = std::max<int64_t>(0, std::ceil((ylo - g.origin_mm[1] - ny) / h));
    const int64_t j1 = std::min<int64_t>(g.size[1] - 1, std::floor((yhi - g.origin_mm[1] - ny) / h));
    const int64_t k0 = std::max<int64_t>(0, std::ceil((zlo - g.origin_mm[2] - nz) / h));
    const int64_t k1 = std::min<int64_t>(g.size[2] - 1, std::floor((zhi - g.origin_mm[2] - nz) / h));
    for (int64_t k = k0; k <= k1; ++k)
      for (int64_t j = j0; j <= j1; ++j) rows[j + g.size[1] * k].push_back(static_cast<int64_t>(t));
  }
  std::vector<double> hits;
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j) {
      const double y = g.origin_mm[1] + j * h + ny, z = g.origin_mm[2] + k * h + nz;
      hits.clear();
      for (int64_t t : rows[j + g.size[1] * k]) {
        const double* a = &s.points[3 * s.triangles[t]];
        const double* b = &s.points[3 * s.triangles[t + 1]];
        const double* c = &s.points[3 * s.triangles[t + 2]];
        // Barycentric coordinates of (y, z) in the triangle's y-z projection.
        const double det = (b[1] - a[1]) * (c[2] - a[2]) - (c[1] - a[1]) * (b[2] - a[2]);
        if (det == 0) continue;  // edge-on to the ray
        const double u = ((y - a[1]) * (c[2] - a[2]) - (c[1] - a[1]) * (z - a[2])) / det;
        const double v = ((b[1] - a[1]) * (z - a[2]) - (y - a[1]) * (b[2] - a[2])) / det;
        if (u < 0 || v < 0 || u + v > 1) continue;
        hits.push_back(a[0] + u * (b[0] - a[0]) + v * (c[0] - a[0]));
      }
      std::sort(hits.begin(), hits.end());
      size_t crossed = 0;
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const double x = g.origin_mm[0] + i * h;
        while (crossed < hits.size() && hits[crossed] < x) ++crossed;
        d.mask[g.index(i, j, k)] = crossed % 2;
      }
    }
  // Signed distance (negative inside) where the solvers read it: within 3 voxels of the wall (cut-link
  // fractions, wall normals) and of the grid faces (the inlet profile's distance to the rim; a wall
  // beyond a face). Elsewhere it is +-3 voxels, which nothing reads.
  vtkNew<vtkImplicitPolyDataDistance> distance;
  distance->SetInput(to_vtk(s));
  d.sdf_mm.assign(g.count(), 0.f);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const int64_t idx = g.index(i, j, k);
        const bool inside = d.mask[idx];
        bool near = std::min({i, j, k, g.size[0] - 1 - i, g.size[1] - 1 - j, g.size[2] - 1 - k}) < 3;
        for (int64_t dk = -3; dk <= 3 && !near; ++dk)
          for (int64_t dj = -3; dj <= 3 && !near; ++dj)
            for (int64_t di = -3; di <= 3 && !near; ++di) {
              const int64_t a = i + di, b = j + dj, c = k + dk;
              if (a < 0 || b < 0 || c < 0 || a >= g.size[0] || b >= g.size[1] || c >= g.size[2]) continue;
              near = d.mask[g.index(a, b, c)] != inside;
            }
        double dist = 3 * h;
        if (near) {
          const auto x = g.centre_mm(i, j, k);
          dist = std::abs(distance->EvaluateFunction(x[0], x[1], x[2]));
        }
        d.sdf_mm[idx] = static_cast<float>(inside ? -dist : dist);
      }
  return d;
}

}  // namespace labkit::aneumo_build
