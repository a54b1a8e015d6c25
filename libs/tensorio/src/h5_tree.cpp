// describe_tree: a JSON listing of every group and dataset (for labkit-info and reports).
#include <algorithm>

#include "h5_internal.h"
#include "labkit/core/error.h"

namespace labkit::tensorio {

using h5_internal::what;

namespace {

// Attribute values as JSON; types labkit does not model are described instead of failing.
nlohmann::json attribute_json(H5::Attribute& attr) {
  const H5T_class_t cls = attr.getTypeClass();
  const auto n = static_cast<size_t>(attr.getSpace().getSimpleExtentNpoints());
  if (cls == H5T_STRING && n == 1) {
    std::string s;
    attr.read(attr.getStrType(), s);
    if (const auto nul = s.find('\0'); nul != std::string::npos) s.resize(nul);
    return s;
  }
  if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
    std::vector<double> v(n);
    if (n > 0) attr.read(H5::PredType::NATIVE_DOUBLE, v.data());
    nlohmann::json values = nlohmann::json::array();
    for (double x : v) {
      if (cls == H5T_INTEGER) values.push_back(static_cast<int64_t>(x));
      else values.push_back(x);
    }
    if (attr.getSpace().getSimpleExtentNdims() == 0 && n == 1) return values[0];
    return values;
  }
  return "<" + h5_internal::h5_class_name(cls) + " attribute>";
}

nlohmann::json attributes_json(H5::H5Object& object) {
  nlohmann::json attrs = nlohmann::json::object();
  const int n = object.getNumAttrs();
  for (int i = 0; i < n; ++i) {
    H5::Attribute attr = object.openAttribute(static_cast<unsigned>(i));
    attrs[attr.getName()] = attribute_json(attr);
  }
  return attrs;
}

std::string join(const std::string& group, const std::string& name) {
  return group == "/" ? "/" + name : group + "/" + name;
}

void visit(H5File& file, H5::Group& group, const std::string& path, nlohmann::json& out) {
  out.push_back({{"path", path}, {"kind", "group"}, {"attributes", attributes_json(group)}});
  const hsize_t n = group.getNumObjs();
  std::vector<std::string> names;
  for (hsize_t i = 0; i < n; ++i) names.push_back(group.getObjnameByIdx(i));
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    const std::string child = join(path, name);
    const H5O_type_t type = group.childObjType(name);
    if (type == H5O_TYPE_GROUP) {
      H5::Group g = group.openGroup(name);
      visit(file, g, child, out);
    } else if (type == H5O_TYPE_DATASET) {
      H5::DataSet ds = group.openDataSet(name);
      nlohmann::json entry = {{"path", child}, {"kind", "dataset"}};
      if (const auto dtype = h5_internal::dtype_of_h5(ds.getDataType())) {
        const ArrayInfo info = array_info(file, child);
        entry["dtype"] = dtype_name(info.dtype);
        entry["shape"] = info.shape;
        entry["chunk"] = info.chunk;
        entry["compression"] = info.compression;
      } else {
        entry["dtype"] = "unsupported: " + h5_internal::h5_class_name(ds.getTypeClass());
        entry["shape"] = h5_internal::dataspace_shape(ds.getSpace());
      }
      entry["attributes"] = attributes_json(ds);
      out.push_back(std::move(entry));
    } else {
      out.push_back({{"path", child}, {"kind", "other"}});
    }
  }
}

}  // namespace

nlohmann::json describe_tree(H5File& file) {
  nlohmann::json objects = nlohmann::json::array();
  try {
    H5::Group root = file.handle().openGroup("/");
    visit(file, root, "/", objects);
  } catch (const H5::Exception& e) {
    throw input_error(file.path(), "cannot list the file's contents (" + what(e) + ")");
  }
  return {{"file", file.path()}, {"objects", objects}};
}

}  // namespace labkit::tensorio
