#!/usr/bin/python3
"""Test inputs for qo2mol-pack, deterministic for a given numpy/ase version.

Geometries are the 20 real QM9 molecules of schnetpack's test database (read with ase.db); conformers
are small seeded displacements of them. Energies are synthetic but realistic in size: the sum of
free-atom energies (B3LYP-like, Hartree) converted to the file's unit plus a harmonic term, so unit
detection sees real magnitudes. Writes:
  qo2mol_np1_p4.pkl  numpy-1 names (numpy.core.multiarray), protocol 4, ndarray values, np.float64 energy
  qo2mol_np2_p2.pkl  numpy-2 names (numpy._core.multiarray), protocol 2 (bytes via _codecs.encode)
  qo2mol_np2_p5.pkl  numpy-2 names, protocol 5 (numpy._core.numeric._frombuffer)
  qo2mol_lists.pkl   plain Python lists and floats, protocol 4
  qo2mol_kcal.pkl    like qo2mol_lists but energies in kcal/mol (QO2Mol v1.0-1.2 style)
  frames.extxyz      ase.io.write extended XYZ with energy and forces (eV, eV/Ang)
  mols.sdf           V2000 SDF with bond blocks and <energy>/<forces>/<InChIKey> data items (eV)
  spice.h5           SPICE-style groups: bohr, hartree, hartree/bohr gradients
  bad_*.pkl          error cases
  expected.json      every conformer's source values (per file) for exact comparisons
"""
import io, json, os, pickle, sys, types

import numpy as np

out = sys.argv[1]
qm9 = sys.argv[2]
os.makedirs(out, exist_ok=True)

ATOM_HA = {1: -0.500, 6: -37.84, 7: -54.58, 8: -75.06, 9: -99.72, 15: -341.3, 16: -398.1, 17: -460.1}
HA_EV = 27.211386245988
KCAL_EV = 4184.0 / (6.02214076e23 * 1.602176634e-19)

def read_qm9(path):
    import sqlite3
    con = sqlite3.connect(path)
    mols = []
    for numbers, positions in con.execute("select numbers, positions from systems order by id"):
        z = np.frombuffer(numbers, dtype=np.int32).astype(int)
        pos = np.frombuffer(positions, dtype=np.float64).reshape(-1, 3)
        mols.append((z, pos))
    return mols

MOLS = read_qm9(qm9)
rng = np.random.default_rng(1234)

def fake_inchikey(i):
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    r = np.random.default_rng(1000 + i)
    block = "".join(letters[k] for k in r.integers(0, 26, 14))
    return block + "-UHFFFAOYSA-N"

def conformers(n_per_mol, first_mol=0, n_mol=20, tag="c"):
    recs = []
    for m in range(first_mol, first_mol + n_mol):
        z, pos0 = MOLS[m % len(MOLS)]
        for k in range(n_per_mol):
            d = rng.normal(scale=0.02, size=pos0.shape)
            pos = pos0 + d
            e_ha = sum(ATOM_HA[int(a)] for a in z) * 1.004 + 0.5 * float(np.sum(d * d))
            f = (-d * 2.0 * HA_EV).astype(np.float32)
            recs.append(dict(inchikey=fake_inchikey(m), confid=f"{tag}{m}_{k}", z=z.copy(), pos=pos,
                             energy_ev=e_ha * HA_EV, force=f))
    return recs

def qo2mol_dict(r, style, unit="eV"):
    n = len(r["z"])
    e = r["energy_ev"] if unit == "eV" else r["energy_ev"] / KCAL_EV
    d = {"inchikey": r["inchikey"], "confid": r["confid"], "atom_count": n, "bond_count": 0,
         "edge_list": [], "edge_attr": [], "net_charge": 0.0, "formal_charge": [0] * n, "ZPVE": 0.05}
    if style == "numpy":
        d["elements"] = [int(a) for a in r["z"]]
        d["coordinates"] = np.asarray(r["pos"], dtype=np.float64)
        d["force"] = np.asarray(r["force"], dtype=np.float32)
        d["energy"] = np.float64(e)
    else:
        d["elements"] = [int(a) for a in r["z"]]
        d["coordinates"] = [[float(x) for x in row] for row in r["pos"]]
        d["force"] = [[float(x) for x in row] for row in r["force"]]
        d["energy"] = float(e)
    return d

# numpy-2 module names under numpy 1: stand-in modules whose functions pickle under numpy._core.*
_core = types.ModuleType("numpy._core")
_ma = types.ModuleType("numpy._core.multiarray")
_num = types.ModuleType("numpy._core.numeric")
def _wrap(mod, name, target):
    def f(*a):
        return target(*a)
    f.__module__, f.__qualname__, f.__name__ = mod.__name__, name, name
    setattr(mod, name, f)
    return f
np2_reconstruct = _wrap(_ma, "_reconstruct", np.core.multiarray._reconstruct)
np2_scalar = _wrap(_ma, "scalar", np.core.multiarray.scalar)
np2_frombuffer = _wrap(_num, "_frombuffer", np.core.numeric._frombuffer)
sys.modules.update({"numpy._core": _core, "numpy._core.multiarray": _ma, "numpy._core.numeric": _num})
RENAME = {np.core.multiarray._reconstruct: np2_reconstruct, np.core.multiarray.scalar: np2_scalar,
          np.core.numeric._frombuffer: np2_frombuffer}

class Numpy2Pickler(pickle.Pickler):
    def __init__(self, f, protocol):
        super().__init__(f, protocol=protocol)
        self.protocol_number = protocol

    def reducer_override(self, obj):
        if isinstance(obj, (np.ndarray, np.generic)):
            rv = obj.__reduce_ex__(self.protocol_number)
            fn = RENAME.get(rv[0], rv[0])
            return (fn,) + tuple(rv[1:])
        return NotImplemented

def dump(path, records, protocol, numpy2=False):
    buf = io.BytesIO()
    (Numpy2Pickler if numpy2 else pickle.Pickler)(buf, protocol=protocol).dump(records)
    data = buf.getvalue()
    if numpy2:
        assert b"numpy._core" in data, path
        assert b"numpy.core" not in data
    with open(os.path.join(out, path), "wb") as f:
        f.write(data)
    return data

expected = {}
def record_expected(name, recs, unit="eV"):
    expected[name] = [{"inchikey": r["inchikey"], "confid": r["confid"], "z": [int(a) for a in r["z"]],
                       "pos": [float(x) for x in np.asarray(r["pos"]).ravel()],
                       "force": [float(x) for x in np.asarray(r["force"], dtype=np.float64).ravel()],
                       "energy": float(r["energy_ev"] if unit == "eV" else r["energy_ev"] / KCAL_EV)} for r in recs]

sets = {
    "qo2mol_np1_p4.pkl": (conformers(3, 0, 20, "a"), "numpy", 4, False),
    "qo2mol_np2_p2.pkl": (conformers(2, 0, 10, "b"), "numpy", 2, True),
    "qo2mol_np2_p5.pkl": (conformers(2, 10, 10, "p"), "numpy", 5, True),
    "qo2mol_lists.pkl": (conformers(2, 0, 20, "l"), "lists", 4, False),
}
for name, (recs, style, proto, np2) in sets.items():
    dump(name, [qo2mol_dict(r, style) for r in recs], proto, np2)
    record_expected(name, recs)
    # the pickles must load back in Python to the same values (checks the fixture itself)
    with open(os.path.join(out, name), "rb") as f:
        back = pickle.load(f)
    assert len(back) == len(recs) and float(back[0]["energy"]) == recs[0]["energy_ev"]

kcal = conformers(2, 0, 20, "k")
dump("qo2mol_kcal.pkl", [qo2mol_dict(r, "lists", "kcal/mol") for r in kcal], 4)
record_expected("qo2mol_kcal.pkl", kcal, "kcal/mol")

# Error cases.
good = [qo2mol_dict(r, "numpy") for r in conformers(1, 0, 6, "e")]
data = dump("bad_source.pkl", good, 4)
with open(os.path.join(out, "bad_truncated.pkl"), "wb") as f:
    f.write(data[: len(data) // 2])
with open(os.path.join(out, "bad_opcode.pkl"), "wb") as f:
    f.write(b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00]\x94\xff.")
bad = [qo2mol_dict(r, "lists") for r in conformers(1, 0, 5, "m")]
bad[3]["coordinates"] = bad[3]["coordinates"][:-1]
dump("bad_mismatch.pkl", bad, 4)
bad = [qo2mol_dict(r, "lists") for r in conformers(1, 0, 5, "n")]
bad[2]["energy"] = float("nan")
dump("bad_nan.pkl", bad, 4)
bad = [qo2mol_dict(r, "lists") for r in conformers(1, 0, 5, "s")]
bad[4]["elements"][0] = 14  # silicon: outside the QO2Mol element set
dump("bad_element.pkl", bad, 4)
dup = [qo2mol_dict(r, "lists") for r in conformers(1, 0, 5, "d")]
dup.append(dict(dup[1]))
dup[-1]["confid"] = "d_copy"
dump("dups.pkl", dup, 4)

# A key string first seen in the last record of one APPENDS batch (pickle batches 1000 items) and
# referred back to from the next batch: the streaming reader's optimistic pass drops it and must retry.
recs = conformers(60, 0, 20, "r")
late = [qo2mol_dict(r, "lists") for r in recs]
shared_value = "shared-" + "tag"
for k in (999, 1000, 1100):
    late[k]["late_key"] = shared_value
dump("late_key.pkl", late, 4)
record_expected("late_key.pkl", recs)

# Records without an InChIKey but with QO2Mol's directed edge_list: the key comes from the bond graph.
def directed_bonds(z, pos):
    rad = {1: 0.31, 6: 0.76, 7: 0.71, 8: 0.66, 9: 0.57}
    e = []
    for i in range(len(z)):
        for j in range(i + 1, len(z)):
            if np.linalg.norm(pos[i] - pos[j]) < 1.3 * (rad[int(z[i])] + rad[int(z[j])]):
                e += [[i, j], [j, i]]
    return e
nokey = []
for r in conformers(2, 0, 20, "g"):
    d = qo2mol_dict(r, "lists")
    del d["inchikey"]
    d["edge_list"] = directed_bonds(r["z"], np.asarray(r["pos"]))
    d["edge_attr"] = ["1"] * len(d["edge_list"])
    nokey.append(d)
dump("no_inchikey.pkl", nokey, 4)
nokey[3]["edge_list"].append([0, 99])
dump("bad_edges.pkl", nokey, 4)

# extxyz through ASE (energy/forces via a SinglePointCalculator).
try:
    from ase import Atoms
    from ase.calculators.singlepoint import SinglePointCalculator
    from ase.io import write
    recs = conformers(2, 0, 20, "x")
    frames = []
    for r in recs:
        a = Atoms(numbers=r["z"], positions=r["pos"])
        a.calc = SinglePointCalculator(a, energy=r["energy_ev"], forces=np.asarray(r["force"], dtype=np.float64))
        a.info["confid"] = r["confid"]
        a.info["inchikey"] = r["inchikey"]
        frames.append(a)
    write(os.path.join(out, "frames.extxyz"), frames, format="extxyz")
    record_expected("frames.extxyz", recs)
except ImportError:
    pass

# SDF with bond blocks.
def bonds(z, pos):
    rad = {1: 0.31, 6: 0.76, 7: 0.71, 8: 0.66, 9: 0.57}
    out_b = []
    for i in range(len(z)):
        for j in range(i + 1, len(z)):
            if np.linalg.norm(pos[i] - pos[j]) < 1.3 * (rad[int(z[i])] + rad[int(z[j])]):
                out_b.append((i, j))
    return out_b
sym = {1: "H", 6: "C", 7: "N", 8: "O", 9: "F"}
recs = conformers(1, 0, 20, "s")
with open(os.path.join(out, "mols.sdf"), "w") as f:
    for r in recs:
        z, pos = r["z"], r["pos"]
        bl = bonds(z, pos)
        f.write(f"{r['confid']}\n  qo2mol-pack-test\n\n{len(z):3d}{len(bl):3d}  0  0  0  0  0  0  0  0999 V2000\n")
        for a in range(len(z)):
            f.write(f"{pos[a][0]:10.4f}{pos[a][1]:10.4f}{pos[a][2]:10.4f} {sym[int(z[a])]:<3} 0  0  0  0  0  0  0  0  0  0  0  0\n")
        for i, j in bl:
            f.write(f"{i + 1:3d}{j + 1:3d}  1  0\n")
        f.write("M  END\n")
        f.write(f"> <energy>\n{r['energy_ev']!r}\n\n")
        f.write("> <forces>\n" + " ".join(repr(float(x)) for x in np.asarray(r['force'], dtype=np.float64).ravel()) + "\n\n")
        f.write(f"> <InChIKey>\n{r['inchikey']}\n\n$$$$\n")
# SDF coordinates are printed with 4 decimals: record what the file holds.
for r in recs:
    r["pos"] = np.round(np.asarray(r["pos"]), 4)
record_expected("mols.sdf", recs)

# SPICE-style HDF5.
try:
    import h5py
    BOHR = 0.529177210903
    with h5py.File(os.path.join(out, "spice.h5"), "w") as h:
        spice_exp = []
        for m in range(3):
            z, pos0 = MOLS[m + 5]
            g = h.create_group(f"mol{m}")
            g.create_dataset("atomic_numbers", data=z.astype(np.int16))
            confs, es, grads = [], [], []
            for k in range(3):
                d = rng.normal(scale=0.02, size=pos0.shape)
                pos_b = ((pos0 + d) / BOHR).astype(np.float32)
                e = sum(ATOM_HA[int(a)] for a in z) * 1.004 + 0.5 * float(np.sum(d * d))
                gr = (d * 0.1).astype(np.float32)
                confs.append(pos_b); es.append(e); grads.append(gr)
                spice_exp.append({"confid": f"mol{m}:{k}", "z": [int(a) for a in z],
                                  "pos_bohr": [float(x) for x in pos_b.ravel()],
                                  "grad_ha_bohr": [float(x) for x in gr.ravel()], "energy_ha": e})
            ds = g.create_dataset("conformations", data=np.stack(confs)); ds.attrs["units"] = "bohr"
            ds = g.create_dataset("dft_total_energy", data=np.array(es)); ds.attrs["units"] = "hartree"
            ds = g.create_dataset("dft_total_gradient", data=np.stack(grads)); ds.attrs["units"] = "hartree/bohr"
            g.create_dataset("smiles", data=[f"mol{m}".encode()])
        expected["spice.h5"] = spice_exp
except ImportError:
    pass

with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f)
print("ok", out)

# ASE's own reading of the real schnetpack databases: an independent reference for the C++ reader.
try:
    import ase.db
    ref = {}
    dbdir = os.path.dirname(qm9)
    for name, ekey in [("schnetpack_test_ethanol.db", "energy"), ("schnetpack_test_ani1.db", "energy"),
                       ("schnetpack_test_qm9.db", "energy_U0")]:
        rows = []
        with ase.db.connect(os.path.join(dbdir, name)) as con:
            meta = con.metadata
            for row in con.select():
                e = row.data[ekey] if ekey in row.data else row.key_value_pairs.get(ekey)
                f = row.data.get("forces")
                rows.append({"unique_id": row.unique_id, "z": [int(a) for a in row.numbers],
                             "pos": [float(x) for x in np.asarray(row.positions).ravel()],
                             "energy": float(np.asarray(e).ravel()[0]),
                             "forces": None if f is None else [float(x) for x in np.asarray(f, dtype=np.float64).ravel()]})
        ref[name] = {"metadata": meta, "rows": rows}
    with open(os.path.join(out, "ase_expected.json"), "w") as f:
        json.dump(ref, f)
except ImportError:
    pass
print("ase reference written")
