#!/usr/bin/env bash
# Two data-parallel ranks of semisam-train over Gloo on loopback (DAN, width 2, 4 iterations), each with
# its own --out. Each rank draws its own batches, crops and dropout (their first losses differ), so the
# specialists end bit-identical only if the gradients of the specialist and of the discriminator were
# really averaged over the ranks.
# Usage: ddp_test.sh SEMISAM_TRAIN WORKDIR
set -eu
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
"$bin" synth --cases 6 --val 1 --test 1 --seed 2 --threads 1 --set synth.size=[32,32,16] --set synth.spacing=[2,2,4] \
  --out "$work/task" 2>/dev/null
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
common=(--manifest "$work/task/manifest.json" --threads 1 --seed 3 --set method=dan --set dan.filters=4
        --set network.width=2 --set patch=[16,32,32] --set eval.stride=[16,16,16] --set labeled_num=2
        --set max_iterations=4 --set validate_every=4 --set consistency_rampup=2 --set rampup_step=1)
export MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=2 OMP_NUM_THREADS=1
RANK=0 "$bin" "${common[@]}" --out "$work/rank0" >/dev/null 2>"$work/rank0.log" & p0=$!
RANK=1 "$bin" "${common[@]}" --out "$work/rank1" >/dev/null 2>"$work/rank1.log" & p1=$!
s0=0; s1=0
wait $p0 || s0=$?
wait $p1 || s1=$?
if [ $s0 -ne 0 ] || [ $s1 -ne 0 ]; then
  echo "rank exit codes: $s0 $s1"; tail -n 5 "$work/rank0.log" "$work/rank1.log"; exit 1
fi
/usr/bin/python3 - "$work" <<'PY' || exit 1
import json, sys
w = sys.argv[1]
r0, r1 = (json.load(open(f"{w}/rank{k}/report.json")) for k in (0, 1))
assert r0["distributed"]["world_size"] == 2 and r1["distributed"]["rank"] == 1, "did not run with world size 2"
l0, l1 = r0["curves"]["loss_supervised"][0][1], r1["curves"]["loss_supervised"][0][1]
assert l0 != l1, f"both ranks saw the same first batch (loss {l0}): the test would not show averaging"
PY
cmp "$work/rank0/model.safetensors" "$work/rank1/model.safetensors" || { echo "replicas differ"; exit 1; }
echo "replicas identical"
