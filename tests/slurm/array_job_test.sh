#!/usr/bin/env bash
# End-to-end: a real SLURM array job (sbatch --array=0-3) runs labkit-info; each task must pick its own
# shard from SLURM_ARRAY_TASK_ID/COUNT and describe exactly its own file.
# Usage: array_job_test.sh LABKIT_INFO_BINARY WORKDIR
set -euo pipefail
tool=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)

for cmd in slurmctld slurmd munged sbatch; do
  command -v "$cmd" >/dev/null || { echo "SKIP: $cmd not installed (scripts/setup.sh installs slurm-wlm, munge)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the SLURM fixture needs root"; exit 77; }

rm -rf "$work"
mkdir -p "$work/inputs"
# Four small inputs the tool can describe: JSON-free, format-detected files (safetensors, 8-byte header).
for i in 0 1 2 3; do
  /usr/bin/printf '\x02\x00\x00\x00\x00\x00\x00\x00{}' >"$work/inputs/empty_$i.safetensors"
done

source "$here/slurm_fixture.sh"
slurm_fixture_start "$work/slurm"

sed -e "s|@TOOL@|$tool|" -e "s|@INPUTS@|$work/inputs|" -e "s|@OUT@|$work/out|" \
  "$here/../../scripts/slurm/labkit-info-array.sbatch" >"$work/job.sbatch"
sbatch --wait --output="$work/task_%a.log" --chdir="$work" "$work/job.sbatch" ||
  { tail -n 30 "$work"/task_*.log "$work/slurm/log/"*.log >&2; exit 1; }

fail=0
for i in 0 1 2 3; do
  report="$work/out/shard_$i/report.json"
  [ -f "$report" ] || { echo "task $i wrote no report"; cat "$work/task_$i.log"; fail=1; continue; }
  /usr/bin/python3 - "$report" "$i" "$work/inputs/empty_$i.safetensors" <<'PY' || fail=1
import json, sys
report, index, expected = sys.argv[1], int(sys.argv[2]), sys.argv[3]
r = json.load(open(report))
shard = r["run"]["shard"]
files = [f["path"] for f in r["metrics"]["files"]]
assert shard == {"index": index, "count": 4}, f"task {index} saw shard {shard}"
assert files == [expected], f"task {index} described {files}"
print(f"task {index}: shard {shard['index']}/{shard['count']} described {files[0]}")
PY
done
exit $fail
