#include "surface.h"

#include <vtkFeatureEdges.h>
#include <vtkFlyingEdges3D.h>
#include <vtkImageData.h>
#include <vtkCell.h>
#include <vtkDelaunay3D.h>
#include <vtkMassProperties.h>
#include <vtkPoints.h>
#include <vtkUnstructuredGrid.h>
#include <vtkNew.h>
#include <vtkSTLWriter.h>
#include <vtkTriangleFilter.h>
#include <vtkWindowedSincPolyDataFilter.h>
#include <vtkXMLPolyDataWriter.h>

#include <cstdio>
#include <stdexcept>

namespace labkit::aneumo_build {

SurfaceStats mask_surface(const std::vector<std::uint8_t>& mask, const Grid& g, int smoothing_iterations, const std::string& path) {
  vtkNew<vtkImageData> img;
  img->SetDimensions(static_cast<int>(g.size[0] + 2), static_cast<int>(g.size[1] + 2), static_cast<int>(g.size[2] + 2));
  img->SetSpacing(g.spacing_mm, g.spacing_mm, g.spacing_mm);
  img->SetOrigin(g.origin_mm[0] - g.spacing_mm, g.origin_mm[1] - g.spacing_mm, g.origin_mm[2] - g.spacing_mm);
  img->AllocateScalars(VTK_FLOAT, 1);
  auto* px = static_cast<float*>(img->GetScalarPointer());
  const int64_t nx = g.size[0] + 2, ny = g.size[1] + 2;
  std::fill(px, px + nx * ny * (g.size[2] + 2), 0.f);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) px[(i + 1) + nx * ((j + 1) + ny * (k + 1))] = mask[g.index(i, j, k)];
  vtkNew<vtkFlyingEdges3D> mc;
  mc->SetInputData(img);
  mc->SetValue(0, 0.5);
  mc->ComputeNormalsOff();
  vtkNew<vtkWindowedSincPolyDataFilter> smooth;
  smooth->SetInputConnection(mc->GetOutputPort());
  smooth->SetNumberOfIterations(std::max(1, smoothing_iterations));
  smooth->SetPassBand(smoothing_iterations > 0 ? 0.1 : 2.0);  // 2.0 passes everything: no smoothing
  smooth->NonManifoldSmoothingOn();
  smooth->NormalizeCoordinatesOn();
  vtkNew<vtkTriangleFilter> tri;
  tri->SetInputConnection(smooth->GetOutputPort());
  tri->Update();
  vtkPolyData* surf = tri->GetOutput();
  SurfaceStats st;
  st.triangles = surf->GetNumberOfCells();
  if (st.triangles > 0) {
    vtkNew<vtkMassProperties> mp;
    mp->SetInputData(surf);
    mp->Update();
    st.area_mm2 = mp->GetSurfaceArea();
    st.volume_mm3 = mp->GetVolume();
    std::vector<double> pts(3 * surf->GetNumberOfPoints());
    for (vtkIdType p = 0; p < surf->GetNumberOfPoints(); ++p) surf->GetPoint(p, &pts[3 * p]);
    st.hull_volume_mm3 = convex_hull_volume_mm3(pts);
    vtkNew<vtkFeatureEdges> edges;
    edges->SetInputData(surf);
    edges->BoundaryEdgesOn();
    edges->NonManifoldEdgesOn();
    edges->FeatureEdgesOff();
    edges->ManifoldEdgesOff();
    edges->Update();
    st.closed = edges->GetOutput()->GetNumberOfCells() == 0;
  }
  if (!path.empty()) {
    const std::string tmp = path + ".tmp";
    int ok;
    if (path.size() > 4 && path.substr(path.size() - 4) == ".stl") {
      vtkNew<vtkSTLWriter> w;
      w->SetFileName(tmp.c_str());
      w->SetInputData(surf);
      w->SetFileTypeToBinary();
      ok = w->Write();
    } else {
      vtkNew<vtkXMLPolyDataWriter> w;
      w->SetFileName(tmp.c_str());
      w->SetInputData(surf);
      ok = w->Write();
    }
    if (ok != 1 || std::rename(tmp.c_str(), path.c_str()) != 0) {
      std::remove(tmp.c_str());
      throw std::runtime_error(path + ": cannot write the surface");
    }
  }
  return st;
}

double convex_hull_volume_mm3(const std::vector<double>& points) {
  if (points.size() < 12) return 0;
  vtkNew<vtkPoints> pts;
  pts->SetDataTypeToDouble();
  for (size_t p = 0; p < points.size(); p += 3) pts->InsertNextPoint(&points[p]);
  vtkNew<vtkPolyData> cloud;
  cloud->SetPoints(pts);
  vtkNew<vtkDelaunay3D> del;
  del->SetInputData(cloud);
  del->SetAlpha(0);  // no alpha shape: the triangulation fills the convex hull
  // Flat point sets make VTK warn ("Unable to factor linear system"); their hull volume is 0 anyway.
  const int warnings = vtkObject::GetGlobalWarningDisplay();
  vtkObject::GlobalWarningDisplayOff();
  del->Update();
  vtkObject::SetGlobalWarningDisplay(warnings);
  vtkUnstructuredGrid* grid = del->GetOutput();
  double v = 0;
  for (vtkIdType c = 0; c < grid->GetNumberOfCells(); ++c) {
    vtkCell* cell = grid->GetCell(c);
    if (cell->GetNumberOfPoints() != 4) continue;
    double a[4][3];
    for (int m = 0; m < 4; ++m) grid->GetPoint(cell->GetPointId(m), a[m]);
    double u[3], w[3], z[3];
    for (int k = 0; k < 3; ++k) u[k] = a[1][k] - a[0][k], w[k] = a[2][k] - a[0][k], z[k] = a[3][k] - a[0][k];
    v += std::abs(u[0] * (w[1] * z[2] - w[2] * z[1]) - u[1] * (w[0] * z[2] - w[2] * z[0]) + u[2] * (w[0] * z[1] - w[1] * z[0])) / 6;
  }
  return v;
}

}  // namespace labkit::aneumo_build
