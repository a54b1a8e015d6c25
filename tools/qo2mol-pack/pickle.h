// A Python pickle reader for the subset that QO2Mol releases use: protocol 2-5 containers, strings,
// numbers and numpy arrays/scalars rebuilt through numpy.core.* (numpy 1) or numpy._core.* (numpy 2).
// No Python needed. Only a fixed list of globals is accepted; anything else is an InputError, which
// also keeps a crafted pickle from "calling" arbitrary code (there is none to call here).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace labkit::qo2mol_pack::pickle {

// A decoded numpy array: raw little- or big-endian bytes plus the numpy type string (e.g. "<f8", "|u1").
struct NdArray {
  std::string descr;  // byte order char + kind + itemsize, e.g. "<f8"
  std::vector<std::int64_t> shape;
  bool fortran = false;
  std::string data;
  std::int64_t size() const;
  // Element k converted to double / int64 (handles f2/f4/f8, i1..i8, u1..u8, b1, either byte order).
  double as_double(std::int64_t k) const;
  std::int64_t as_int(std::int64_t k) const;
};

struct Object;
using Ref = std::shared_ptr<Object>;

struct Object {
  enum class Kind { kNone, kBool, kInt, kFloat, kStr, kBytes, kList, kTuple, kDict, kSet, kGlobal, kArray, kDType,
                    kPending };
  Kind kind = Kind::kNone;
  bool b = false;
  std::int64_t i = 0;
  double f = 0.0;
  std::string s;  // str (UTF-8), bytes, global "module.name", dtype descr
  std::vector<Ref> items;                      // list, tuple, set
  std::vector<std::pair<Ref, Ref>> dict;       // insertion order kept
  std::shared_ptr<NdArray> array;              // kArray
  std::uint32_t depth = 0;                     // nesting height: 0 for scalars, 1 + deepest item for containers

  Object() = default;
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  ~Object();  // iterative: a pickle of a million nested lists must not recurse once per level

  const Object* get(const std::string& key) const;  // dict lookup by str key, nullptr if absent
  std::string kind_name() const;
};

// Containers nested deeper than this are refused (QO2Mol records are 4 deep; Python's own pickler stops
// near 1000 with RecursionError).
constexpr std::uint32_t kMaxDepth = 200;

// Decodes a whole pickle held in `bytes`. `where` names the file in error messages.
// When `on_item` is set and the pickle's outermost object is a list, each element is handed to it as
// soon as it is appended (index = position in the list) and not kept in the list, so a caller can
// convert records while the rest of the file is still being decoded.
// `on_consumed(n)` (streaming only) says that bytes [0, n) will not be looked at again.
Ref load(std::string_view bytes, const std::string& where,
         const std::function<void(const Ref& item, std::int64_t index)>& on_item = {},
         const std::function<void(std::size_t)>& on_consumed = {});

}  // namespace labkit::qo2mol_pack::pickle
