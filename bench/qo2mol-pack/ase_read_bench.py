#!/usr/bin/python3
"""Random-access read rate of an ASE SQLite database (python3-ase), the same way a training loop would
read it: db.get(id) -> positions, numbers, energy, forces. usage: ase_read_bench.py DB N_READS SEED"""
import json, sys, time

import ase.db
import numpy as np

path, n_reads, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
db = ase.db.connect(path)
n = db.count()
for row in db.select():  # warm the page cache, like the C++ bench's sequential pass
    pass
rng = np.random.default_rng(seed)
ids = rng.integers(1, n + 1, n_reads)
t = time.perf_counter()
check = 0.0
for i in ids:
    row = db.get(id=int(i))
    check += row.positions[0, 0] + row.energy + row.forces[0, 0] + row.numbers[0]
dt = time.perf_counter() - t
print(json.dumps({"database": path, "rows": n, "random_reads": n_reads, "random_rows_per_s": n_reads / dt,
                  "checksum": check}, indent=2))
