#!/usr/bin/env bash
# The four README tables of dbattn-bench, each from one command with the default config.
# Usage: bench/dbattn-bench/tables.sh BIN_DIR [OUT] [THREADS]
set -euo pipefail
bin=${1:?bin dir}
out=${2:-/tmp/dbattn-tables}
threads=${3:-2}
root=$(cd "$(dirname "$0")/../.." && pwd)
model=${LABKIT_DATA:-$root/../shared/data}/llm/stories260K.bin
mkdir -p "$out"
"$bin/dbattn-bench" error --checkpoint "$model" --out "$out/error" --force --threads "$threads" | tee "$out/error.md"
"$bin/dbattn-bench" ppl --checkpoint "$model" --out "$out/ppl" --force --threads "$threads" | tee "$out/ppl.md"
# Speed on one thread: with 2 threads on a shared machine ATen's OpenMP workers get descheduled (README).
"$bin/dbattn-bench" speed --out "$out/speed" --force --threads 1 | tee "$out/speed.md"
"$bin/dbattn-bench" cost --out "$out/cost" --force | tee "$out/cost.md"
