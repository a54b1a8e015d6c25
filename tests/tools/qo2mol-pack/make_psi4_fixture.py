#!/usr/bin/python3
"""Real quantum-chemistry output in both unit conventions, for the force-unit tests (issue 15).

Computes B3LYP/def2-SVP energies and gradients with psi4 (Debian `psi4`, 1.3.2) for H2O, NH3 and CH4,
two geometries each (a textbook geometry and one displaced by seeded 0.02 Angstrom noise), and writes:
  psi4_hartree.extxyz        energies in Hartree, forces in Hartree/Bohr, positions in Angstrom; the
                             comment states only `units=hartree` (as psi4/ORCA/Gaussian users write it):
                             the force unit is ambiguous and must be refused unless a flag states it
  psi4_hartree_bohr.extxyz   the same numbers with positions in Bohr, and every unit stated:
                             `energy_unit=hartree force_unit=hartree/bohr length_unit=bohr`
  psi4_ev.extxyz             eV and eV/Angstrom (CODATA 2018), written by ase.io as ASE users have it
  psi4_expected.json         psi4's raw numbers: energy (Ha), gradient (Ha/Bohr), positions (Angstrom)
The committed files were made by this script; the tests read them and never need psi4.
usage: make_psi4_fixture.py OUT_DIR
"""
import json, os, sys

import numpy as np

sys.path.insert(0, "/usr/lib/x86_64-linux-gnu")  # where Debian's psi4 package puts its Python module
import psi4
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.io import write

HA_EV, BOHR = 27.211386245988, 0.529177210903
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
psi4.core.set_output_file(os.path.join(out, "psi4.log"), False)
psi4.set_memory("500 MB")
psi4.set_num_threads(1)
psi4.set_options({"basis": "def2-svp", "scf_type": "df", "e_convergence": 1e-10, "d_convergence": 1e-10})

MOLECULES = {
    "water": (["O", "H", "H"], [[0.0, 0.0, 0.1173], [0.0, 0.7572, -0.4692], [0.0, -0.7572, -0.4692]]),
    "ammonia": (["N", "H", "H", "H"], [[0.0, 0.0, 0.1162], [0.0, 0.9397, -0.2711], [0.8138, -0.4699, -0.2711],
                                       [-0.8138, -0.4699, -0.2711]]),
    "methane": (["C", "H", "H", "H", "H"], [[0.0, 0.0, 0.0], [0.6291, 0.6291, 0.6291], [-0.6291, -0.6291, 0.6291],
                                            [-0.6291, 0.6291, -0.6291], [0.6291, -0.6291, -0.6291]]),
}

rng = np.random.default_rng(15)
records = []
for name, (sym, pos) in MOLECULES.items():
    pos = np.array(pos)
    for k, geom in enumerate([pos, pos + rng.normal(scale=0.02, size=pos.shape)]):
        # Input frame kept as given (no centring, no reorientation), so the gradient is in that frame.
        mol = psi4.geometry("\n".join(f"{s} {x!r} {y!r} {z!r}" for s, (x, y, z) in zip(sym, geom)) +
                            "\nunits angstrom\nsymmetry c1\nno_com\nno_reorient\n")
        grad, wfn = psi4.gradient("b3lyp", molecule=mol, return_wfn=True)
        records.append({"confid": f"{name}:{k}", "symbols": sym, "positions_ang": geom.tolist(),
                        "energy_ha": wfn.energy(), "grad_ha_bohr": np.array(grad).tolist()})
        psi4.core.clean()


def write_manual(path, comment_units, length_factor):
    with open(path, "w") as f:
        for r in records:
            pos = np.array(r["positions_ang"]) * length_factor
            force = -np.array(r["grad_ha_bohr"])
            f.write(f"{len(r['symbols'])}\n")
            f.write(f'Properties=species:S:1:pos:R:3:forces:R:3 energy={r["energy_ha"]!r} {comment_units} '
                    f'confid={r["confid"]} pbc="F F F"\n')
            for s, p, g in zip(r["symbols"], pos, force):
                f.write(f"{s} " + " ".join(repr(float(v)) for v in (*p, *g)) + "\n")


write_manual(os.path.join(out, "psi4_hartree.extxyz"), "units=hartree", 1.0)
write_manual(os.path.join(out, "psi4_hartree_bohr.extxyz"),
             "energy_unit=hartree force_unit=hartree/bohr length_unit=bohr", 1.0 / BOHR)
frames = []
for r in records:
    a = Atoms(symbols=r["symbols"], positions=r["positions_ang"])
    a.calc = SinglePointCalculator(a, energy=r["energy_ha"] * HA_EV,
                                   forces=-np.array(r["grad_ha_bohr"]) * HA_EV / BOHR)
    a.info["confid"] = r["confid"]
    frames.append(a)
write(os.path.join(out, "psi4_ev.extxyz"), frames, format="extxyz")
json.dump({"psi4_version": psi4.__version__, "method": "B3LYP/def2-SVP (DF)", "records": records},
          open(os.path.join(out, "psi4_expected.json"), "w"), indent=1)
print(len(records), "conformers")
