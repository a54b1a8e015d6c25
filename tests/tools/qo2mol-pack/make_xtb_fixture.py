#!/usr/bin/python3
"""A realistic extended-XYZ input computed here: molecules from Debian's chemical-structures-data (CML
with 3D coordinates) with GFN2-xTB energies and forces from Debian's xtb, written with ase.io.

Takes the first molecule (sorted by path) of each category folder, plus as many more as needed for
N_MOLECULES, that have only QO2Mol elements, are neutral and have at most 20 atoms (2R/2S-butan-2-ol
are included on purpose: stereoisomers). Each gets two conformers: the CML geometry and one displaced
by 0.03 Angstrom noise (seeded). Also writes xtb_expected.json with the raw xtb numbers (Hartree,
Hartree/Bohr gradient) for exact comparison.
usage: make_xtb_fixture.py OUT_DIR [N_MOLECULES=36]
"""
import json, os, subprocess, sys, tempfile
import xml.etree.ElementTree as ET

import numpy as np

out = sys.argv[1]
n_mol = int(sys.argv[2]) if len(sys.argv) > 2 else 36
root = "/usr/share/chemical-structures"
ALLOWED = {"H", "C", "N", "O", "F", "P", "S", "Cl", "Br", "I"}
HA_EV, BOHR = 27.211386245988, 0.529177210903
os.makedirs(out, exist_ok=True)

def read_cml(path):
    t = ET.parse(path).getroot()
    ns = {"c": "http://www.xml-cml.org/schema"}
    atoms = t.findall(".//c:atomArray/c:atom", ns)
    sym, pos, charge = [], [], 0
    for a in atoms:
        if a.get("x3") is None:
            return None
        sym.append(a.get("elementType"))
        pos.append([float(a.get("x3")), float(a.get("y3")), float(a.get("z3"))])
        charge += int(a.get("formalCharge", "0"))
    return sym, np.array(pos), charge

paths = []
cats = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
by_cat = {c: sorted(os.path.join(root, c, f) for f in os.listdir(os.path.join(root, c)) if f.endswith(".cml")) for c in cats}
for c in cats:
    paths += by_cat[c][:1]
paths += [os.path.join(root, "alcohols", f) for f in ("2R-butan-2-ol.cml", "2S-butan-2-ol.cml")]
for c in cats:
    paths += by_cat[c][1:4]
chosen, seen = [], set()
for p in paths:
    if p in seen or not os.path.exists(p):
        continue
    seen.add(p)
    m = read_cml(p)
    if m and set(m[0]) <= ALLOWED and m[2] == 0 and len(m[0]) <= 20:
        chosen.append((p, m))
    if len(chosen) >= n_mol:
        break

def xtb(sym, pos):
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "m.xyz"), "w") as f:
            f.write(f"{len(sym)}\n\n" + "".join(f"{s} {x!r} {y!r} {z!r}\n" for s, (x, y, z) in zip(sym, pos)))
        env = dict(os.environ, OMP_NUM_THREADS="1", OMP_STACKSIZE="200M")
        subprocess.run(["xtb", "m.xyz", "--grad"], cwd=d, check=True, capture_output=True, env=env)
        lines = open(os.path.join(d, "gradient")).read().splitlines()
        energy = float(lines[1].split("SCF energy =")[1].split()[0])
        n = len(sym)
        grad = np.array([[float(v.replace("D", "E")) for v in l.split()] for l in lines[2 + n:2 + 2 * n]])
        return energy, grad

from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.io import write

rng = np.random.default_rng(11)
frames, expected = [], []
for p, (sym, pos, _) in chosen:
    name = os.path.relpath(p, root)
    for k, geom in enumerate([pos, pos + rng.normal(scale=0.03, size=pos.shape)]):
        e_ha, grad = xtb(sym, geom)
        a = Atoms(symbols=sym, positions=geom)
        a.calc = SinglePointCalculator(a, energy=e_ha * HA_EV, forces=-grad * HA_EV / BOHR)
        a.info["confid"] = f"{name}:{k}"
        frames.append(a)
        expected.append({"confid": f"{name}:{k}", "energy_ha": e_ha, "grad_ha_bohr": grad.ravel().tolist()})
write(os.path.join(out, "xtb_frames.extxyz"), frames, format="extxyz")
json.dump(expected, open(os.path.join(out, "xtb_expected.json"), "w"))
print(len(chosen), "molecules,", len(frames), "conformers")
