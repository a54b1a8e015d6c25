#!/usr/bin/env bash
# Demo on real molecules:
#  1. the three real schnetpack ASE databases: MD17 ethanol (kcal/mol, detected) and ANI-1 (eV, detected)
#     packed as two shards and merged; QM9 (Hartree, from its metadata) packed on its own;
#  2. 36 molecules from Debian's chemical-structures-data with GFN2-xTB energies and forces computed here
#     (two conformers each), packed, merged with seeded splits by molecule, verified, exported to extxyz.
set -euo pipefail
tool=$LABKIT_BIN/qo2mol-pack
mol=$LABKIT_DATA/molecules
q() { "$tool" "$@" --log-level warn; }

echo "-- schnetpack databases"
for i in 0 1; do
  q pack "$mol/schnetpack_test_ethanol.db" "$mol/schnetpack_test_ani1.db" --force-length Ang --shard "$i/2" --out "$DEMO_OUT/sp-parts/$i"
done
q merge "$DEMO_OUT"/sp-parts/0 "$DEMO_OUT"/sp-parts/1 --seed 0 --out "$DEMO_OUT/schnetpack"
"$tool" inspect "$DEMO_OUT/schnetpack" --conformers 3
q pack "$mol/schnetpack_test_qm9.db" --energy-key energy_U0 --out "$DEMO_OUT/qm9-part"
q merge "$DEMO_OUT/qm9-part" --seed 0 --out "$DEMO_OUT/qm9"
"$tool" inspect "$DEMO_OUT/qm9" --conformers 3

echo "-- xtb on chemical-structures-data"
if command -v xtb >/dev/null && [ -d /usr/share/chemical-structures ]; then
  /usr/bin/python3 "$LABKIT_ROOT/tests/tools/qo2mol-pack/make_xtb_fixture.py" "$DEMO_OUT/xtb" 36 >/dev/null
  q pack "$DEMO_OUT/xtb/xtb_frames.extxyz" --energy-unit eV --no-unit-check --out "$DEMO_OUT/xtb-part"
  q merge "$DEMO_OUT/xtb-part" --seed 0 --ood-min-heavy 8 --out "$DEMO_OUT/xtb-packed"
  "$tool" verify "$DEMO_OUT/xtb-packed" | head -12
  "$tool" inspect "$DEMO_OUT/xtb-packed" --conformers 4
  "$tool" export "$DEMO_OUT/xtb-packed" --out "$DEMO_OUT/xtb-test-split" --split random --label test --force
  echo "exported $(grep -c Properties "$DEMO_OUT/xtb-test-split/conformers.xyz") test-split conformers to $DEMO_OUT/xtb-test-split/conformers.xyz"
else
  echo "xtb or chemical-structures-data missing (scripts/setup.sh installs them): skipped"
fi
