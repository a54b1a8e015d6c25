#!/usr/bin/env bash
# The README's stories260K table in one command: three seeded runs of the table config (two at a time,
# one thread each), then the mean (min-max) table. Usage:
#   [OSTQ_EXTRA="--set rotation_init=hadamard"] bench/ostquant-calibrate/stories260K_table.sh BIN_DIR [OUT_DIR] [SEEDS...]
set -euo pipefail
bin=${1:?bin dir}
out=${2:-/tmp/ostq-table}
shift $(( $# >= 2 ? 2 : $# ))
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2)
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${LABKIT_DATA:-$root/../shared/data}
mkdir -p "$out"
run() {
  "$bin/ostquant-calibrate" "$data/llm/stories260K.bin" --out "$out/seed$1" --force --seed "$1" --threads 1 \
    --config "$root/configs/ostquant-calibrate/stories260K-table.json" --log-level warn ${OSTQ_EXTRA:-}
}
running=0
for s in "${seeds[@]}"; do
  run "$s" &
  running=$((running + 1))
  if [ "$running" -ge 2 ]; then wait -n; running=$((running - 1)); fi
done
wait
reports=()
for s in "${seeds[@]}"; do reports+=("$out/seed$s/report.json"); done
/usr/bin/python3 "$root/configs/ostquant-calibrate/table.py" "${reports[@]}"
