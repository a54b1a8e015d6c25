// ASE SQLite databases (ase.db format version 9 and earlier) read with SQLite's C library, no Python.
// Columns follow ASE's schema: numbers (int32 blob), positions (float64 blob, N x 3), energy/forces
// columns in ASE units (eV, eV/Ang) when a calculator stored them, free-form key_value_pairs (JSON) and
// data (JSON, or ASE's binary form: int64 offset of a JSON trailer whose arrays point into the blob).
// schnetpack keeps its properties in `data` and their units in the `metadata` row of `information`.
#include <sqlite3.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>

#include "labkit/core/error.h"
#include "readers.h"
#include "units.h"

namespace labkit::qo2mol_pack {
namespace {

using nlohmann::json;

struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close(db); }
};
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

std::string column_text(sqlite3_stmt* s, int col) {
  const auto* t = sqlite3_column_text(s, col);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(s, col)))
           : std::string();
}
std::string column_blob(sqlite3_stmt* s, int col) {
  const void* b = sqlite3_column_blob(s, col);
  return b ? std::string(static_cast<const char*>(b), static_cast<std::size_t>(sqlite3_column_bytes(s, col)))
           : std::string();
}

template <class T>
std::vector<double> blob_values(const std::string& blob, std::size_t offset, std::size_t n) {
  std::vector<double> out(n);
  for (std::size_t k = 0; k < n; ++k) {
    T v;
    std::memcpy(&v, blob.data() + offset + k * sizeof(T), sizeof(T));
    out[k] = static_cast<double>(v);
  }
  return out;
}

struct Row {
  const std::string& path;
  std::string record;
  [[noreturn]] void fail(const std::string& what) const { throw input_error(path, record + ": " + what); }
};

// One value of ASE's `data` JSON as doubles: numbers, nested lists, or {"__ndarray__": [shape, dtype, x]}
// where x is a flat list (text form) or a byte offset into the blob (binary form).
std::vector<double> values_of(const json& v, const std::string& blob, const Row& row, const std::string& key,
                              int depth = 0) {
  // Nested lists deeper than any array a conformer has are refused, not recursed into (untrusted bytes).
  if (depth > 8) row.fail("'" + key + "' is nested deeper than 8 lists");
  std::vector<double> out;
  if (v.is_number()) {
    out.push_back(v.get<double>());
  } else if (v.is_array()) {
    for (const auto& e : v) {
      auto sub = values_of(e, blob, row, key, depth + 1);
      out.insert(out.end(), sub.begin(), sub.end());
    }
  } else if (v.is_object() && v.contains("__ndarray__")) {
    const auto& nd = v["__ndarray__"];
    if (!nd.is_array() || nd.size() != 3) row.fail("'" + key + "' has a malformed __ndarray__");
    std::size_t n = 1;
    for (const auto& d : nd[0]) n *= d.get<std::size_t>();
    const std::string dtype = nd[1].get<std::string>();
    if (nd[2].is_array()) return values_of(nd[2], blob, row, key, depth + 1);
    const auto off = nd[2].get<std::size_t>();
    std::size_t item = dtype == "float64" || dtype == "int64" ? 8 : dtype == "float32" || dtype == "int32" ? 4 : 0;
    if (item == 0) row.fail("'" + key + "' has unsupported dtype " + dtype);
    if (off + n * item > blob.size()) row.fail("'" + key + "' points past the end of the data blob");
    if (dtype == "float64") return blob_values<double>(blob, off, n);
    if (dtype == "float32") return blob_values<float>(blob, off, n);
    if (dtype == "int64") return blob_values<std::int64_t>(blob, off, n);
    return blob_values<std::int32_t>(blob, off, n);
  } else {
    row.fail("'" + key + "' is not numeric");
  }
  return out;
}

json parse_data(const std::string& raw, const Row& row) {
  if (raw.empty()) return json::object();
  try {
    if (raw[0] == '{') return json::parse(raw);
    if (raw.size() < 8) row.fail("data blob shorter than its 8-byte header");
    std::int64_t off = 0;
    std::memcpy(&off, raw.data(), 8);
    if (off < 8 || static_cast<std::size_t>(off) > raw.size()) row.fail("data blob header points outside the blob");
    return json::parse(raw.begin() + off, raw.end());
  } catch (const json::exception& e) {
    row.fail(std::string("data is not valid JSON: ") + e.what());
  }
}

// Units stated by schnetpack-style metadata: per property, and the positions' length unit.
struct Metadata {
  json unit_dict = json::object();
  std::string length;
};

Metadata read_metadata(sqlite3* db, const std::string& path) {
  Metadata m;
  std::string distance_unit = "Ang";
  Stmt st;
  if (sqlite3_prepare_v2(db, "SELECT value FROM information WHERE name='metadata'", -1, &st.s, nullptr) == SQLITE_OK &&
      sqlite3_step(st.s) == SQLITE_ROW) {
    try {
      const json meta = json::parse(column_text(st.s, 0));
      if (meta.contains("_property_unit_dict")) m.unit_dict = meta["_property_unit_dict"];
      if (meta.contains("_distance_unit")) distance_unit = meta["_distance_unit"].get<std::string>();
    } catch (const json::exception& e) {
      throw input_error(path, std::string("metadata is not valid JSON: ") + e.what());
    }
  }
  m.length = canonical_length_unit(distance_unit);
  if (m.length.empty()) throw input_error(path, "metadata _distance_unit '" + distance_unit + "' is not a length unit");
  return m;
}

// The columns of the systems query below.
enum SystemsColumn { kId, kUniqueId, kNumbers, kPositions, kEnergy, kForces, kCharge, kKeyValuePairs, kData };

// A row's JSON side: `data` (text or binary form, raw kept for __ndarray__ offsets) and key_value_pairs.
struct RowJson {
  std::string data_raw;
  json data;
  json kvp = json::object();
};

RowJson read_row_json(sqlite3_stmt* st, const Row& row) {
  RowJson r;
  r.data_raw = column_blob(st, kData);
  r.data = parse_data(r.data_raw, row);
  if (const std::string t = column_text(st, kKeyValuePairs); !t.empty()) {
    try {
      r.kvp = json::parse(t);
    } catch (const json::exception&) {
      row.fail("key_value_pairs is not valid JSON");
    }
  }
  return r;
}

// Energy: the ASE column holds calculator results in eV; otherwise data/key_value_pairs in the unit
// the metadata states for that property (or unknown: then the unit check decides). Returns the unit.
std::string read_energy(sqlite3_stmt* st, const RowJson& j, const Metadata& meta, const std::string& ekey,
                        const Row& row, Conformer& c) {
  if (ekey == "energy" && sqlite3_column_type(st, kEnergy) != SQLITE_NULL) {
    c.energy = sqlite3_column_double(st, kEnergy);
    return "eV";
  }
  const json* src = j.data.contains(ekey) ? &j.data[ekey] : j.kvp.contains(ekey) ? &j.kvp[ekey] : nullptr;
  if (!src) row.fail("has no energy ('" + ekey + "' is neither a column, a data key nor a key-value pair)");
  auto v = values_of(*src, j.data_raw, row, ekey);
  if (v.size() != 1) row.fail("'" + ekey + "' has " + std::to_string(v.size()) + " values, expected 1");
  c.energy = v[0];
  return meta.unit_dict.contains(ekey) ? canonical_energy_unit(meta.unit_dict[ekey].get<std::string>()) : "";
}

// Forces from the ASE column (eV/Ang) or a data key (unit from the metadata); returns the unit.
std::string read_forces(sqlite3_stmt* st, const RowJson& j, const Metadata& meta, const std::string& fkey,
                        std::size_t n, const Row& row, Conformer& c) {
  if (fkey == "forces" && sqlite3_column_type(st, kForces) != SQLITE_NULL) {
    const std::string fb = column_blob(st, kForces);
    if (fb.size() != n * 24) row.fail("forces blob has " + std::to_string(fb.size()) + " bytes for " + std::to_string(n) + " atoms");
    c.forces = blob_values<double>(fb, 0, 3 * n);
    return "eV/Ang";
  }
  if (!j.data.contains(fkey)) return "";
  c.forces = values_of(j.data[fkey], j.data_raw, row, fkey);
  return meta.unit_dict.contains(fkey) ? meta.unit_dict[fkey].get<std::string>() : "";
}

}  // namespace

void read_ase_sqlite(const std::string& path, const ReaderOptions& opt, SourceUnits& units, const Sink& sink) {
  Db db;
  if (sqlite3_open_v2(path.c_str(), &db.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    throw input_error(path, std::string("cannot open as SQLite: ") + sqlite3_errmsg(db.db));
  const Metadata meta = read_metadata(db.db, path);
  units.length = meta.length;

  Stmt st;
  if (sqlite3_prepare_v2(db.db,
                         "SELECT id, unique_id, numbers, positions, energy, forces, charge, key_value_pairs, data "
                         "FROM systems ORDER BY id",
                         -1, &st.s, nullptr) != SQLITE_OK)
    throw input_error(path, std::string("not an ASE database (no systems table): ") + sqlite3_errmsg(db.db));

  const std::string ekey = opt.energy_key_or("energy");
  const std::string fkey = opt.forces_key_or("forces");
  bool units_fixed = false;
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    Row row{path, "row id " + std::to_string(sqlite3_column_int64(st.s, kId))};
    Conformer c;
    c.record = row.record;
    c.conformer_id = column_text(st.s, kUniqueId);
    const std::string numbers = column_blob(st.s, kNumbers), positions = column_blob(st.s, kPositions);
    if (numbers.size() % 4) row.fail("numbers blob is not int32");
    // An empty blob once reached memcpy with a null destination (UB; found by fuzz/ase_sqlite_fuzz).
    if (numbers.empty()) row.fail("no atoms (empty numbers blob)");
    const std::size_t n = numbers.size() / 4;
    c.z.resize(n);
    std::memcpy(c.z.data(), numbers.data(), numbers.size());
    if (positions.size() != n * 24)
      row.fail("positions blob has " + std::to_string(positions.size()) + " bytes for " + std::to_string(n) + " atoms");
    c.positions = blob_values<double>(positions, 0, 3 * n);

    const RowJson j = read_row_json(st.s, row);
    for (const char* k : {"inchikey", "InChIKey", "inchi_key"})
      if (j.kvp.contains(k) && j.kvp[k].is_string()) c.molecule_key = j.kvp[k].get<std::string>();
    const std::string energy_unit = read_energy(st.s, j, meta, ekey, row, c);
    const std::string force_unit = read_forces(st.s, j, meta, fkey, n, row, c);
    if (sqlite3_column_type(st.s, kCharge) != SQLITE_NULL) c.net_charge = sqlite3_column_double(st.s, kCharge);

    if (!units_fixed) {
      units.energy = energy_unit;
      units.force = force_unit;
      units_fixed = true;
    }
    sink(std::move(c));
  }
  if (rc != SQLITE_DONE) throw input_error(path, std::string("SQLite read failed: ") + sqlite3_errmsg(db.db));
}

}  // namespace labkit::qo2mol_pack
