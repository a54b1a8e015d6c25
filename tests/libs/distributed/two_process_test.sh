#!/usr/bin/env bash
# Two ranks of dist_collectives_worker on loopback; fails unless both report success.
# Usage: two_process_test.sh WORKER [DEVICE]
set -u
worker=$1
device=${2:-cpu}
# A port that was free a moment ago.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=2 OMP_NUM_THREADS=1
RANK=0 "$worker" "$device" & p0=$!
RANK=1 "$worker" "$device" & p1=$!
wait $p0; s0=$?
wait $p1; s1=$?
echo "rank exit codes: $s0 $s1"
exit $((s0 | s1))
