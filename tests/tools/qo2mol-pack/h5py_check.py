#!/usr/bin/python3
"""h5py against qo2mol-pack's C++ side.

agree:  pack the real schnetpack ethanol + ANI-1 databases into 2 shards, merge, export with the C++
        reader (qo2mol-pack export), read the same conformers with stock h5py from index.h5 + shards,
        and require identical values (energies as float64, positions/forces as float32, keys, units).
readme: run the h5py example from tools/qo2mol-pack/README.md as written, on such a dataset.
Exit 77 (skip) when h5py/numpy are missing.
"""
import os, re, shutil, subprocess, sys

try:
    import h5py
    import numpy as np
except ImportError:
    sys.exit(77)

mode, tool, molecules, readme, work = sys.argv[1:6]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
inputs = [os.path.join(molecules, "schnetpack_test_ethanol.db"), os.path.join(molecules, "schnetpack_test_ani1.db")]
for i in range(2):
    subprocess.run([tool, "pack", *inputs, "--force-length", "Ang", "--shard", f"{i}/2", "--out", f"{work}/s{i}", "--log-level", "warn"], check=True)
subprocess.run([tool, "merge", f"{work}/s0", f"{work}/s1", "--seed", "1", "--out", f"{work}/packed",
                "--log-level", "warn"], check=True)

if mode == "readme":
    text = open(readme).read()
    m = re.search(r"<!-- h5py-example -->\s*```python\n(.*?)```", text, re.S)
    assert m, "README has no h5py example block"
    code = m.group(1)
    assert len(code.strip().splitlines()) <= 12, "the README example should stay short"
    r = subprocess.run([sys.executable, "-c", code], cwd=work, capture_output=True, text=True)
    print(r.stdout, r.stderr)
    assert r.returncode == 0, "README example failed"
    assert "C2H6O" in r.stdout or "CH4" in r.stdout, "README example printed no molecule"
    sys.exit(0)

# agree
subprocess.run([tool, "export", f"{work}/packed", "--out", f"{work}/all", "--force", "--log-level", "warn"], check=True)
frames = []
with open(f"{work}/all/conformers.xyz") as f:
    lines = f.read().splitlines()
i = 0
while i < len(lines):
    n = int(lines[i]); comment = lines[i + 1]
    kv = {k: v.strip('"') for k, v in re.findall(r'(\w+)=("[^"]*"|\S+)', comment)}
    rows = [l.split() for l in lines[i + 2:i + 2 + n]]
    frames.append((kv, rows))
    i += 2 + n

with h5py.File(f"{work}/packed/index.h5", "r") as idx:
    assert idx.attrs["format"] == "qo2mol-pack index"
    files = [s.decode() if isinstance(s, bytes) else s for s in idx["shards/file"][()]]
    conf_off = idx["shards/conformer_offset"][()]
    keys = [k.decode() for k in idx["molecules/key"][()]]
    conf_mol = idx["conformers/molecule"][()]
    assert conf_off[-1] == len(frames) == 40, (conf_off, len(frames))
    g = 0
    for s, name in enumerate(files):
        with h5py.File(f"{work}/packed/{name}", "r") as sh:
            assert sh["atoms/positions"].attrs["units"] == "Ang"
            assert sh["atoms/forces"].attrs["units"] == "eV/Ang"
            assert sh["conformers/energy"].attrs["units"] == "eV"
            assert sh["atoms/positions"].dtype == np.float32 and sh["atoms/positions"].chunks[0] > 1
            off = sh["conformers/atom_offset"][()]
            z_all, pos_all, f_all = sh["atoms/atomic_numbers"][()], sh["atoms/positions"][()], sh["atoms/forces"][()]
            energy, has_f = sh["conformers/energy"][()], sh["conformers/has_forces"][()]
            for l in range(len(off) - 1):
                kv, rows = frames[g]
                a, b = off[l], off[l + 1]
                assert int(kv["conformer_index"]) == g
                assert float(kv["energy"]) == energy[l], (g, kv["energy"], energy[l])
                assert kv["inchikey"] == keys[conf_mol[g]]
                assert len(rows) == b - a
                pos = np.array([[np.float32(x) for x in r[1:4]] for r in rows], dtype=np.float32)
                assert np.array_equal(pos, pos_all[a:b]), g
                if has_f[l]:
                    frc = np.array([[np.float32(x) for x in r[4:7]] for r in rows], dtype=np.float32)
                    assert np.array_equal(frc, f_all[a:b]), g
                g += 1
# Every numeric dataset in every file carries a units attribute.
for name in files + ["index.h5"]:
    with h5py.File(f"{work}/packed/{name}", "r") as h:
        missing = []
        h.visititems(lambda n, o: missing.append(n) if isinstance(o, h5py.Dataset) and o.dtype.kind in "iuf"
                     and "units" not in o.attrs else None)
        assert not missing, (name, missing)
print("h5py and the C++ reader agree on", g, "conformers")
