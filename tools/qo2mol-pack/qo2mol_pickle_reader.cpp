// QO2Mol pickles -> Conformers. The file is memory-mapped and decoded record by record (pickle.h streams
// the outer list), so memory holds one batch of records, not the whole chunk.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>

#include "elements.h"
#include "labkit/core/error.h"
#include "pickle.h"
#include "readers.h"

namespace labkit::qo2mol_pack {
namespace {

using pickle::Object;
using Kind = Object::Kind;

class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY);
    if (fd_ < 0) throw input_error(path, "cannot open");
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw input_error(path, "cannot stat");
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {
      data_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
      if (data_ == MAP_FAILED) throw input_error(path, "cannot map");
      ::madvise(data_, size_, MADV_SEQUENTIAL);
    }
  }
  ~MappedFile() {
    if (data_ && data_ != MAP_FAILED) ::munmap(data_, size_);
    if (fd_ >= 0) ::close(fd_);
  }
  std::string_view view() const { return {static_cast<const char*>(data_), size_}; }
  // Drops the pages before `offset` from this process (they are re-read from the file if touched),
  // so a multi-GB chunk does not stay resident while it is decoded.
  void release_before(std::size_t offset) {
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t end = offset / page * page;
    if (end > released_) {
      ::madvise(static_cast<char*>(data_) + released_, end - released_, MADV_DONTNEED);
      released_ = end;
    }
  }

 private:
  int fd_ = -1;
  void* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t released_ = 0;
};

struct Ctx {
  const std::string& path;
  std::string record;
  [[noreturn]] void fail(const std::string& what) const { throw input_error(path, record + ": " + what); }
};

// Flattens numbers, lists/tuples of numbers (up to 8 deep) or an ndarray into doubles.
void flatten(const Object& o, std::vector<double>& out, const Ctx& c, const char* key, int depth = 0) {
  if (depth > 8) c.fail(std::string("'") + key + "' nests lists more than 8 deep, expected numbers");
  switch (o.kind) {
    case Kind::kInt: out.push_back(static_cast<double>(o.i)); return;
    case Kind::kFloat: out.push_back(o.f); return;
    case Kind::kBool: out.push_back(o.b ? 1.0 : 0.0); return;
    case Kind::kList:
    case Kind::kTuple:
      for (const auto& v : o.items) flatten(*v, out, c, key, depth + 1);
      return;
    case Kind::kArray: {
      const auto& a = *o.array;
      if (a.fortran && a.shape.size() > 1) c.fail(std::string("'") + key + "' is a Fortran-ordered array");
      const auto n = a.size();
      for (std::int64_t k = 0; k < n; ++k) out.push_back(a.as_double(k));
      return;
    }
    default: c.fail(std::string("'") + key + "' holds a " + o.kind_name() + ", expected numbers");
  }
}

std::vector<std::int32_t> elements_of(const Object& o, const Ctx& c) {
  std::vector<std::int32_t> z;
  auto one = [&](const Object& v) {
    if (v.kind == Kind::kStr || v.kind == Kind::kBytes) {
      const int n = atomic_number(v.s);
      if (n == 0) c.fail("'elements' holds unknown symbol '" + v.s + "'");
      z.push_back(n);
    } else {
      std::vector<double> d;
      flatten(v, d, c, "elements");
      for (double x : d) {
        if (x != std::floor(x)) c.fail("'elements' holds a non-integer " + std::to_string(x));
        z.push_back(static_cast<std::int32_t>(x));
      }
    }
  };
  if (o.kind == Kind::kList || o.kind == Kind::kTuple) {
    for (const auto& v : o.items) one(*v);
  } else {
    one(o);
  }
  return z;
}

std::string text_of(const Object& o) {
  if (o.kind == Kind::kStr || o.kind == Kind::kBytes) return o.s;
  if (o.kind == Kind::kInt) return std::to_string(o.i);
  return "";
}

Conformer convert(const Object& rec, std::int64_t index, const std::string& path, const ReaderOptions& opt) {
  Ctx c{path, "record " + std::to_string(index)};
  if (rec.kind != Kind::kDict) c.fail("is a " + rec.kind_name() + ", expected a dict");
  Conformer out;
  out.record = c.record;
  if (const auto* k = rec.get("inchikey")) out.molecule_key = text_of(*k);
  if (const auto* k = rec.get("confid")) out.conformer_id = text_of(*k);
  const auto* el = rec.get("elements");
  if (!el) c.fail("has no 'elements'");
  out.z = elements_of(*el, c);
  const auto* xyz = rec.get("coordinates");
  if (!xyz) xyz = rec.get("position");
  if (!xyz) c.fail("has neither 'coordinates' nor 'position'");
  flatten(*xyz, out.positions, c, "coordinates");
  const std::string ekey = opt.energy_key_or("energy");
  const auto* e = rec.get(ekey);
  if (!e) c.fail("has no '" + ekey + "'");
  std::vector<double> ev;
  flatten(*e, ev, c, ekey.c_str());
  if (ev.size() != 1) c.fail("'" + ekey + "' has " + std::to_string(ev.size()) + " values, expected 1");
  out.energy = ev[0];
  const std::string fkey = opt.forces_key_or("force");
  if (const auto* f = rec.get(fkey); f && f->kind != Kind::kNone) {
    flatten(*f, out.forces, c, fkey.c_str());
    // The upstream loader substitutes zeros(1,3) for missing forces: treat that as "no forces".
    if (out.forces.size() == 3 && out.z.size() != 1 && out.forces[0] == 0 && out.forces[1] == 0 && out.forces[2] == 0)
      out.forces.clear();
  }
  if (const auto* q = rec.get("net_charge"); q && q->kind != Kind::kNone) {
    std::vector<double> qv;
    flatten(*q, qv, c, "net_charge");
    if (qv.size() == 1) out.net_charge = qv[0];
  }
  if (const auto* fc = rec.get("formal_charge"); fc && fc->kind != Kind::kNone) {
    std::vector<double> fv;
    flatten(*fc, fv, c, "formal_charge");
    for (double v : fv) out.formal_charges.push_back(static_cast<std::int32_t>(std::lround(v)));
  }
  // QO2Mol lists bonds as directed pairs (i, j) and (j, i): keep each once. Used for the molecule key
  // only when the record has no InChIKey.
  if (const auto* el = rec.get("edge_list"); el && el->kind != Kind::kNone) {
    std::vector<double> flat;
    flatten(*el, flat, c, "edge_list");
    if (flat.size() % 2) c.fail("'edge_list' has an odd number of atom indices");
    for (std::size_t k = 0; k + 1 < flat.size(); k += 2) {
      const int i = static_cast<int>(flat[k]), j = static_cast<int>(flat[k + 1]);
      if (i < 0 || j < 0 || i >= static_cast<int>(out.z.size()) || j >= static_cast<int>(out.z.size()))
        c.fail("'edge_list' names atom " + std::to_string(std::max(i, j)) + " of " + std::to_string(out.z.size()));
      if (i < j) out.bonds.emplace_back(i, j);
    }
  }
  if (const auto* n = rec.get("atom_count"); n && n->kind == Kind::kInt && n->i != static_cast<std::int64_t>(out.z.size()))
    c.fail("'atom_count' is " + std::to_string(n->i) + " but 'elements' has " + std::to_string(out.z.size()));
  return out;
}

}  // namespace

void read_qo2mol_pickle(const std::string& path, const ReaderOptions& opt, SourceUnits& units, const Sink& sink) {
  // Coordinates are Angstrom and forces are per Angstrom in every release; the energy unit changed
  // between releases (see the reference note), so it is left for the unit check to establish.
  units.length = "Ang";
  MappedFile file(path);
  bool streamed = false;
  auto root = pickle::load(
      file.view(), path,
      [&](const pickle::Ref& item, std::int64_t index) {
        streamed = true;
        sink(convert(*item, index, path, opt));
      },
      [&](std::size_t consumed) { file.release_before(consumed); });
  if (root->kind != Kind::kList)
    throw input_error(path, "pickle holds a " + root->kind_name() + ", expected a list of per-conformer dicts");
  (void)streamed;
}

}  // namespace labkit::qo2mol_pack
