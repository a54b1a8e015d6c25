#include "flow_output.h"

#include <vtkDoubleArray.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkVertexGlyphFilter.h>
#include <vtkXMLPolyDataWriter.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "labkit/tensorio/h5.h"

namespace labkit::aneumo_build {

namespace tio = labkit::tensorio;

void write_flow_h5(const FlowField& f, double mdot, const Fluid& fluid, const std::string& path) {
  auto h5 = tio::H5File::create(path);
  const int64_t N = static_cast<int64_t>(f.pressure_pa.size()), M = static_cast<int64_t>(f.wss_pa.size() / 3);
  auto put = [&](const std::string& name, const std::vector<double>& v, std::vector<int64_t> shape, const char* units) {
    tio::write_array(h5, name, v, shape);
    tio::set_units(h5, name, units);
  };
  put("/points/coords", f.coords_m, {N, 3}, "m");
  put("/points/velocity", f.velocity_m_s, {N, 3}, "m/s");
  put("/points/pressure", f.pressure_pa, {N}, "Pa");
  put("/wall/coords", f.wall_coords_m, {M, 3}, "m");
  put("/wall/normal", f.wall_normal, {M, 3}, "1");
  put("/wall/wss", f.wss_pa, {M, 3}, "Pa");
  tio::set_attribute(h5, "/", "solver", f.solver);
  tio::set_attribute(h5, "/", "mass_flow_kg_s", mdot);
  tio::set_attribute(h5, "/", "density_kg_m3", fluid.density_kg_m3);
  tio::set_attribute(h5, "/", "viscosity_pa_s", fluid.viscosity_pa_s);
  tio::set_attribute(h5, "/", "converged", int64_t(f.converged));
  tio::set_attribute(h5, "/", "iterations", f.iterations);
  tio::set_attribute(h5, "/", "final_change", f.final_change);
  tio::set_attribute(h5, "/", "averaged_checks", f.averaged_checks);
  tio::set_attribute(h5, "/", "inlet_mass_flow_kg_s", f.inlet_mass_flow_kg_s);
  tio::set_attribute(h5, "/", "outlet_mass_flow_kg_s", f.outlet_mass_flow_kg_s);
  tio::set_attribute(h5, "/", "seconds", f.seconds);
  tio::set_attribute(h5, "/", "pressure_reference", "gauge: 0 Pa at the outlets");
  h5.commit();
}

FlowField read_flow_h5(const std::string& path) {
  auto h5 = tio::H5File::open_read(path);
  FlowField f;
  f.coords_m = tio::read_array<double>(h5, "/points/coords");
  f.velocity_m_s = tio::read_array<double>(h5, "/points/velocity");
  f.pressure_pa = tio::read_array<double>(h5, "/points/pressure");
  f.wall_coords_m = tio::read_array<double>(h5, "/wall/coords");
  f.wall_normal = tio::read_array<double>(h5, "/wall/normal");
  f.wss_pa = tio::read_array<double>(h5, "/wall/wss");
  f.solver = tio::attribute_string(h5, "/", "solver").value_or("");
  f.converged = tio::attribute_int64(h5, "/", "converged").value_or(0) != 0;
  f.iterations = tio::attribute_int64(h5, "/", "iterations").value_or(0);
  f.inlet_mass_flow_kg_s = tio::attribute_double(h5, "/", "inlet_mass_flow_kg_s").value_or(0);
  f.outlet_mass_flow_kg_s = tio::attribute_double(h5, "/", "outlet_mass_flow_kg_s").value_or(0);
  f.seconds = tio::attribute_double(h5, "/", "seconds").value_or(0);
  return f;
}

namespace {

void add_array(vtkPolyData* pd, const char* name, const std::vector<double>& v, int components) {
  vtkNew<vtkDoubleArray> a;
  a->SetName(name);
  a->SetNumberOfComponents(components);
  a->SetNumberOfTuples(static_cast<vtkIdType>(v.size() / components));
  for (size_t i = 0; i < v.size(); ++i) a->SetValue(static_cast<vtkIdType>(i), v[i]);
  pd->GetPointData()->AddArray(a);
}

void write_cloud(const std::vector<double>& coords, const std::vector<std::pair<const char*, const std::vector<double>*>>& arrays,
                 const std::vector<int>& components, const std::string& path) {
  vtkNew<vtkPoints> pts;
  for (size_t i = 0; i < coords.size() / 3; ++i) pts->InsertNextPoint(coords[3 * i], coords[3 * i + 1], coords[3 * i + 2]);
  vtkNew<vtkPolyData> cloud;
  cloud->SetPoints(pts);
  vtkNew<vtkVertexGlyphFilter> verts;
  verts->SetInputData(cloud);
  verts->Update();
  vtkPolyData* pd = verts->GetOutput();
  for (size_t a = 0; a < arrays.size(); ++a) add_array(pd, arrays[a].first, *arrays[a].second, components[a]);
  const std::string tmp = path + ".tmp.vtp";
  vtkNew<vtkXMLPolyDataWriter> w;
  w->SetFileName(tmp.c_str());
  w->SetInputData(pd);
  w->SetDataModeToAppended();
  if (w->Write() != 1 || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": cannot write the VTK file");
  }
}

}  // namespace

void write_flow_vtk(const FlowField& f, const std::string& points_path, const std::string& wall_path) {
  write_cloud(f.coords_m, {{"velocity_m_s", &f.velocity_m_s}, {"pressure_pa", &f.pressure_pa}}, {3, 1}, points_path);
  std::vector<double> mag(f.wss_pa.size() / 3);
  for (size_t i = 0; i < mag.size(); ++i)
    mag[i] = std::sqrt(f.wss_pa[3 * i] * f.wss_pa[3 * i] + f.wss_pa[3 * i + 1] * f.wss_pa[3 * i + 1] + f.wss_pa[3 * i + 2] * f.wss_pa[3 * i + 2]);
  write_cloud(f.wall_coords_m, {{"wss_pa", &f.wss_pa}, {"wss_magnitude_pa", &mag}, {"normal", &f.wall_normal}}, {3, 1, 3}, wall_path);
}

}  // namespace labkit::aneumo_build
