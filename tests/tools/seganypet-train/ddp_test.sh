#!/usr/bin/env bash
# Two data-parallel ranks of seganypet-train over Gloo on loopback (CPCL, tiny model, 2 epochs), each with
# its own --out. Each rank trains on its own share of every batch with its own click stream, so the
# replicas end bit-identical only if the gradients were really averaged over the ranks.
# Usage: ddp_test.sh SEGANYPET_TRAIN WORKDIR
set -eu
bin=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
"$bin" phantoms --cases 4 --val-fraction 0.25 --lq-fraction 0.5 --seed 11 --threads 1 \
  --set phantom.size=[48,36,84] --set phantom.spacing=[4,4,4] --out "$work/ph" 2>/dev/null
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
common=(--manifest "$work/ph/manifest.json" --threads 1 --seed 2 --set model=tiny --set iterations=2
        --set batch_size=2 --set min_target_voxels=20 --set epochs=2 --set cpcl.start_epoch=1 --set cpcl.passes=2)
export MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=2 OMP_NUM_THREADS=1
RANK=0 "$bin" "${common[@]}" --out "$work/rank0" 2>"$work/rank0.log" & p0=$!
RANK=1 "$bin" "${common[@]}" --out "$work/rank1" 2>"$work/rank1.log" & p1=$!
s0=0; s1=0
wait $p0 || s0=$?
wait $p1 || s1=$?
if [ $s0 -ne 0 ] || [ $s1 -ne 0 ]; then
  echo "rank exit codes: $s0 $s1"; tail -n 5 "$work/rank0.log" "$work/rank1.log"; exit 1
fi
grep -q '"world_size": 2' "$work/rank0/report.json" || { echo "rank 0 did not run with world size 2"; exit 1; }
cmp "$work/rank0/model.safetensors" "$work/rank1/model.safetensors" || { echo "replicas differ"; exit 1; }
cmp "$work/rank0/checkpoint/epoch-0002/model_b.safetensors" "$work/rank1/checkpoint/epoch-0002/model_b.safetensors" \
  || { echo "CPCL model B replicas differ"; exit 1; }
echo "replicas identical"
