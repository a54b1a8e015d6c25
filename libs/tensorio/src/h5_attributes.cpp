// Attributes on groups and datasets: scalar strings/numbers and 1-D double arrays, as h5py writes them.
#include "h5_internal.h"
#include "labkit/core/error.h"

namespace labkit::tensorio {

using h5_internal::what;

namespace {

// Replaces attribute `name` on `object_path` with one of `type`/`space`, then lets `fill` write it.
template <class Fill>
void replace_attribute(H5File& file, const std::string& object_path, const std::string& name,
                       const H5::DataType& type, const H5::DataSpace& space, Fill fill) {
  auto object = h5_internal::open_object(file, object_path);
  try {
    if (object->attrExists(name)) object->removeAttr(name);
    H5::Attribute attr = object->createAttribute(name, type, space);
    fill(attr);
  } catch (const H5::Exception& e) {
    throw std::runtime_error(file.path() + ": cannot write attribute '" + name + "' of '" + object_path + "' (" +
                             what(e) + ")");
  }
}

H5::StrType utf8_vlen_string() {
  H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
  t.setCset(H5T_CSET_UTF8);
  return t;
}

// Opens attribute `name`, or nullopt when the object has none by that name.
std::optional<H5::Attribute> find_attribute(H5File& file, const std::string& object_path, const std::string& name) {
  auto object = h5_internal::open_object(file, object_path);
  try {
    if (!object->attrExists(name)) return std::nullopt;
    return object->openAttribute(name);
  } catch (const H5::Exception& e) {
    throw input_error(file.path(), "cannot open attribute '" + name + "' of '" + object_path + "' (" + what(e) + ")");
  }
}

std::string where(const std::string& object_path, const std::string& name) {
  return "attribute '" + name + "' of '" + object_path + "'";
}

bool is_numeric(H5T_class_t c) { return c == H5T_INTEGER || c == H5T_FLOAT; }

}  // namespace

void set_attribute(H5File& file, const std::string& object_path, const std::string& name, const std::string& value) {
  replace_attribute(file, object_path, name, utf8_vlen_string(), H5::DataSpace(H5S_SCALAR),
                    [&](H5::Attribute& a) { a.write(utf8_vlen_string(), value); });
}

void set_attribute(H5File& file, const std::string& object_path, const std::string& name, const char* value) {
  set_attribute(file, object_path, name, std::string(value));
}

void set_attribute(H5File& file, const std::string& object_path, const std::string& name, double value) {
  replace_attribute(file, object_path, name, H5::PredType::IEEE_F64LE, H5::DataSpace(H5S_SCALAR),
                    [&](H5::Attribute& a) { a.write(H5::PredType::NATIVE_DOUBLE, &value); });
}

void set_attribute(H5File& file, const std::string& object_path, const std::string& name, int64_t value) {
  replace_attribute(file, object_path, name, H5::PredType::STD_I64LE, H5::DataSpace(H5S_SCALAR),
                    [&](H5::Attribute& a) { a.write(H5::PredType::NATIVE_INT64, &value); });
}

void set_attribute(H5File& file, const std::string& object_path, const std::string& name, int value) {
  set_attribute(file, object_path, name, static_cast<int64_t>(value));
}

void set_attribute(H5File& file, const std::string& object_path, const std::string& name,
                   const std::vector<double>& value) {
  const hsize_t n = value.size();
  replace_attribute(file, object_path, name, H5::PredType::IEEE_F64LE, H5::DataSpace(1, &n),
                    [&](H5::Attribute& a) {
                      if (n > 0) a.write(H5::PredType::NATIVE_DOUBLE, value.data());
                    });
}

std::optional<std::string> attribute_string(H5File& file, const std::string& object_path, const std::string& name) {
  auto attr = find_attribute(file, object_path, name);
  if (!attr) return std::nullopt;
  try {
    if (attr->getTypeClass() != H5T_STRING || attr->getSpace().getSimpleExtentNpoints() != 1)
      throw input_error(file.path(), where(object_path, name) + " is not a single string");
    std::string value;
    attr->read(attr->getStrType(), value);  // handles variable- and fixed-length strings
    // Fixed-length strings may carry NUL padding.
    if (const auto nul = value.find('\0'); nul != std::string::npos) value.resize(nul);
    return value;
  } catch (const H5::Exception& e) {
    throw input_error(file.path(), "cannot read " + where(object_path, name) + " (" + what(e) + ")");
  }
}

std::optional<double> attribute_double(H5File& file, const std::string& object_path, const std::string& name) {
  auto attr = find_attribute(file, object_path, name);
  if (!attr) return std::nullopt;
  try {
    if (!is_numeric(attr->getTypeClass()) || attr->getSpace().getSimpleExtentNpoints() != 1)
      throw input_error(file.path(), where(object_path, name) + " is not a single number");
    double value = 0;
    attr->read(H5::PredType::NATIVE_DOUBLE, &value);
    return value;
  } catch (const H5::Exception& e) {
    throw input_error(file.path(), "cannot read " + where(object_path, name) + " (" + what(e) + ")");
  }
}

std::optional<int64_t> attribute_int64(H5File& file, const std::string& object_path, const std::string& name) {
  auto attr = find_attribute(file, object_path, name);
  if (!attr) return std::nullopt;
  try {
    if (attr->getTypeClass() != H5T_INTEGER || attr->getSpace().getSimpleExtentNpoints() != 1)
      throw input_error(file.path(), where(object_path, name) + " is not a single integer");
    int64_t value = 0;
    attr->read(H5::PredType::NATIVE_INT64, &value);
    return value;
  } catch (const H5::Exception& e) {
    throw input_error(file.path(), "cannot read " + where(object_path, name) + " (" + what(e) + ")");
  }
}

std::optional<std::vector<double>> attribute_doubles(H5File& file, const std::string& object_path,
                                                     const std::string& name) {
  auto attr = find_attribute(file, object_path, name);
  if (!attr) return std::nullopt;
  try {
    if (!is_numeric(attr->getTypeClass()))
      throw input_error(file.path(), where(object_path, name) + " is not numeric");
    std::vector<double> values(static_cast<size_t>(attr->getSpace().getSimpleExtentNpoints()));
    if (!values.empty()) attr->read(H5::PredType::NATIVE_DOUBLE, values.data());
    return values;
  } catch (const H5::Exception& e) {
    throw input_error(file.path(), "cannot read " + where(object_path, name) + " (" + what(e) + ")");
  }
}

}  // namespace labkit::tensorio
