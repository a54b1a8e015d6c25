#!/usr/bin/env bash
# The README tables of aneumo-build, each from one command.
# Usage: bench/aneumo-build/tables.sh BIN_DIR [OUT] [THREADS]
set -euo pipefail
bin=${1:?bin dir}
out=${2:-/tmp/aneumo-tables}
threads=${3:-2}
mkdir -p "$out"
b="$bin/aneumo-build"
# LBM vs Poiseuille at Aneumo's 0.002 kg/s (Re 246): a 30 mm pipe, developed half measured.
"$b" poiseuille --out "$out/lbm-re246" --force --set 'poiseuille.cells_per_diameter=[6,8,12]' \
  --set poiseuille.length_mm=30 --set 'poiseuille.window=[0.5,0.9]' --threads 1 | tee "$out/lbm-re246.md"
# The same at 0.0005 kg/s (Re 61) on the default 18 mm pipe.
"$b" poiseuille --out "$out/lbm-re61" --force --set 'poiseuille.cells_per_diameter=[6,8,12]' \
  --set poiseuille.mass_flow_kg_s=0.0005 --threads 1 | tee "$out/lbm-re61.md"
# OpenFOAM (blockMesh O-grid, plug inlet) on the 90 mm pipe, window 60-85 mm.
"$b" poiseuille --out "$out/openfoam" --force --set 'solvers=["openfoam"]' \
  --set 'poiseuille.cells_per_diameter=[9,12,18]' --set openfoam.cell_length_mm=0.75 | tee "$out/openfoam.md"
# LBM throughput (the first kernel on 1 thread, the chunked one on 1 and $threads) against the copy bandwidth
# measured in the same run.
"$b" bench --out "$out/bench" --force --threads "$threads" | tee "$out/bench.md"
# The same past the L3 (32 cells per diameter, ~64 MB of populations).
"$b" bench --out "$out/bench32" --force --threads "$threads" --set bench.cells_per_diameter=32 --set bench.steps=60 | tee "$out/bench32.md"
