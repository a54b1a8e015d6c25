#include "surface.h"

#include <vtkFeatureEdges.h>
#include <vtkFlyingEdges3D.h>
#include <vtkImageData.h>
#include <vtkMassProperties.h>
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

}  // namespace labkit::aneumo_build
