#!/usr/bin/python3
"""Synthetic QO2Mol-format pickles and a matching ASE SQLite database for benchmarking qo2mol-pack.

Conformers are built from the 20 real QM9 geometries in schnetpack's test database: each "molecule"
tiles 4 of them 6 Angstrom apart (27 atoms on average, like a mid-sized QO2Mol molecule), and each
conformer displaces that by 0.02 Angstrom noise. Energies are eV totals of realistic size, forces float32.
usage: make_bench_data.py QM9_DB OUT_DIR N_CONFORMERS CONFORMERS_PER_MOLECULE N_FILES [N_ASE_ROWS]
"""
import os, pickle, sqlite3, sys

import numpy as np

qm9, out, n_conf, per_mol, n_files = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
n_ase = int(sys.argv[6]) if len(sys.argv) > 6 else 0
os.makedirs(out, exist_ok=True)
con = sqlite3.connect(qm9)
base = [(np.frombuffer(n, np.int32).astype(int), np.frombuffer(p, np.float64).reshape(-1, 3))
        for n, p in con.execute("select numbers, positions from systems order by id")]
ATOM_HA = {1: -0.500, 6: -37.84, 7: -54.58, 8: -75.06, 9: -99.72}
rng = np.random.default_rng(7)

def molecule(m):
    r = np.random.default_rng(m)
    parts = r.integers(0, len(base), 4)
    z = np.concatenate([base[p][0] for p in parts])
    pos = np.concatenate([base[p][1] + np.array([6.0 * k, 0, 0]) for k, p in enumerate(parts)])
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    key = "".join(letters[c] for c in r.integers(0, 26, 14)) + "-UHFFFAOYSA-N"
    return key, z, pos

records = []
for c in range(n_conf):
    m = c // per_mol
    key, z, pos0 = molecule(m)
    d = rng.normal(scale=0.02, size=pos0.shape)
    e = (sum(ATOM_HA[int(a)] for a in z) * 1.004 + 0.5 * float(np.sum(d * d))) * 27.211386245988
    records.append({"inchikey": key, "confid": f"m{m}_c{c}", "atom_count": len(z), "elements": [int(a) for a in z],
                    "coordinates": pos0 + d, "energy": np.float64(e), "force": (-d * 50).astype(np.float32),
                    "net_charge": 0.0, "formal_charge": [0] * len(z)})
per_file = (n_conf + n_files - 1) // n_files
total_bytes = 0
for f in range(n_files):
    path = os.path.join(out, f"bench_chunk{f}.pkl")
    with open(path, "wb") as fh:
        pickle.dump(records[f * per_file:(f + 1) * per_file], fh, protocol=4)
    total_bytes += os.path.getsize(path)
print(f"{n_conf} conformers, {sum(len(r['elements']) for r in records)} atoms, {total_bytes} pickle bytes")

if n_ase:
    from ase import Atoms
    from ase.calculators.singlepoint import SinglePointCalculator
    import ase.db
    path = os.path.join(out, "bench_ase.db")
    if os.path.exists(path):
        os.remove(path)
    with ase.db.connect(path) as db:
        for r in records[:n_ase]:
            a = Atoms(numbers=r["elements"], positions=r["coordinates"])
            a.calc = SinglePointCalculator(a, energy=float(r["energy"]), forces=r["force"].astype(np.float64))
            db.write(a, inchikey=r["inchikey"])
    print(f"ASE database with {n_ase} rows: {os.path.getsize(path)} bytes")
