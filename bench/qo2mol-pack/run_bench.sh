#!/bin/bash
# qo2mol-pack benchmark: packing rate, peak memory vs dataset size, file size vs input, random-access
# read rate (C++ reader) and its ratio to an ASE SQLite database holding the same conformers, side by
# side in one run. Results: $WORK/results.json and a summary on stdout.
# usage: bench/qo2mol-pack/run_bench.sh [BUILD_DIR=build-qo2mol] [WORK=/tmp/qo2mol-bench] [N=200000] [ASE_ROWS=20000]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(realpath -m "${1:-$ROOT/build-qo2mol}")
WORK=${2:-/tmp/qo2mol-bench}
N=${3:-200000}
ASE_ROWS=${4:-20000}
PY=/usr/bin/python3
QM9=$ROOT/../shared/data/molecules/schnetpack_test_qm9.db
TOOL=$BUILD/bin/qo2mol-pack
BENCH=$BUILD/bin/qo2mol-pack-bench
ninja -C "$BUILD" -j2 qo2mol-pack qo2mol-pack-bench > /dev/null
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"

echo "== data: $N conformers in 4 pickles, $ASE_ROWS of them also in an ASE database"
$PY "$ROOT/bench/qo2mol-pack/make_bench_data.py" "$QM9" data "$N" 10 4 "$ASE_ROWS"

metric() { $PY -c "import json,sys; m=json.load(open(sys.argv[1]))['metrics']; print(m[sys.argv[2]])" "$1" "$2"; }

echo "== pack: 1 of 4 pickles, then all 4 (peak memory should not grow with the data)"
# Peak RSS from /usr/bin/time -v (kernel's maxrss), beside the tool's own VmHWM in report.json.
timed() { local name=$1; shift; /usr/bin/time -v "$@" 2> "$name.time"; }
timed pack_quarter $TOOL pack data/bench_chunk0.pkl --out pack_quarter --log-level warn
timed pack_all $TOOL pack data/bench_chunk*.pkl --out pack_all --log-level warn
timed pack_gzip $TOOL pack data/bench_chunk*.pkl --gzip 4 --out pack_gzip --log-level warn
$TOOL merge pack_all --out ds --log-level warn
$TOOL merge pack_gzip --out ds_gzip --log-level warn
$TOOL verify ds > /dev/null

echo "== random reads (C++ reader, one core, page cache warm; 64 MiB and 1 MiB HDF5 chunk cache)"
$BENCH ds 200000 1 64 > read_plain.json
$BENCH ds 200000 1 1 > read_plain_small_cache.json
$BENCH ds_gzip 200000 1 64 > read_gzip.json
$BENCH ds_gzip 20000 1 1 > read_gzip_small_cache.json

echo "== side by side: the ASE database vs the same conformers packed from it"
$TOOL pack data/bench_ase.db --out pack_ase --log-level warn
$TOOL merge pack_ase --out ds_ase --log-level warn
$BENCH ds_ase 100000 1 64 > read_ase_packed.json
$PY "$ROOT/bench/qo2mol-pack/ase_read_bench.py" data/bench_ase.db 20000 1 > read_ase.json

$PY - "$WORK" <<'PYEOF'
import json, os, sys
w = sys.argv[1]
def rep(d): return json.load(open(f"{w}/{d}/report.json"))["metrics"]
def js(f): return json.load(open(f"{w}/{f}"))
def maxrss_mib(name):
    for line in open(f"{w}/{name}.time"):
        if "Maximum resident set size" in line: return int(line.split()[-1]) / 1024
def size(d): return sum(os.path.getsize(f"{w}/{d}/{f}") for f in os.listdir(f"{w}/{d}") if f.endswith(".h5"))
q, a, g = rep("pack_quarter"), rep("pack_all"), rep("pack_gzip")
res = {
    "conformers": a["conformers_written"], "atoms": a["atoms_written"], "input_pickle_bytes": a["input_bytes"],
    "pack_conformers_per_s": a["conformers_per_second"], "pack_seconds": a["seconds"],
    "pack_gzip4_conformers_per_s": g["conformers_per_second"],
    "peak_rss_mib_quarter": q["peak_rss_mib"], "peak_rss_mib_all": a["peak_rss_mib"],
    "time_maxrss_mib_quarter": maxrss_mib("pack_quarter"), "time_maxrss_mib_all": maxrss_mib("pack_all"),
    "time_maxrss_mib_gzip": maxrss_mib("pack_gzip"),
    "conformers_quarter": q["conformers_written"],
    "packed_bytes_plain": size("ds"), "packed_bytes_gzip4": size("ds_gzip"),
    "read_plain_64mib": js("read_plain.json")["random_conformers_per_s"],
    "read_plain_1mib": js("read_plain_small_cache.json")["random_conformers_per_s"],
    "read_gzip_64mib": js("read_gzip.json")["random_conformers_per_s"],
    "read_gzip_1mib": js("read_gzip_small_cache.json")["random_conformers_per_s"],
    "molecule_batch_conformers_per_s": js("read_plain.json")["molecule_batch_conformers_per_s"],
    "ase_rows": js("read_ase.json")["rows"],
    "ase_db_bytes": os.path.getsize(f"{w}/data/bench_ase.db"),
    "ase_random_rows_per_s": js("read_ase.json")["random_rows_per_s"],
    "packed_from_ase_random_per_s": js("read_ase_packed.json")["random_conformers_per_s"],
    "packed_from_ase_bytes": size("ds_ase"),
}
res["read_ratio_vs_ase"] = res["packed_from_ase_random_per_s"] / res["ase_random_rows_per_s"]
json.dump(res, open(f"{w}/results.json", "w"), indent=2)
for k, v in res.items():
    print(f"{k:36s} {v:,.1f}" if isinstance(v, float) else f"{k:36s} {v:,}")
PYEOF
