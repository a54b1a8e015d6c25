#!/usr/bin/env bash
# Two ranks of dp_train_worker over Gloo on loopback: both must succeed (rank 0 checks against a
# single-process run) and print the same weight digest (replicas bit-identical).
set -u
worker=$1
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=2 OMP_NUM_THREADS=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
RANK=0 "$worker" >"$out/0" & p0=$!
RANK=1 "$worker" >"$out/1" & p1=$!
wait $p0; s0=$?
wait $p1; s1=$?
cat "$out/0" "$out/1"
d0=$(sed -n 's/.*digest //p' "$out/0"); d1=$(sed -n 's/.*digest //p' "$out/1")
[ $((s0 | s1)) -eq 0 ] || { echo "rank exit codes: $s0 $s1"; exit 1; }
[ -n "$d0" ] && [ "$d0" == "$d1" ] || { echo "replicas differ: $d0 vs $d1"; exit 1; }
echo "replicas identical"
