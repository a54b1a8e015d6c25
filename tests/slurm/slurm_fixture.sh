#!/usr/bin/env bash
# A real single-node SLURM (munge + slurmctld + slurmd from Debian's packages) under one temporary
# folder, without systemd. Source this file, then:
#   slurm_fixture_start DIR   # starts the daemons; exports SLURM_CONF; waits for the node to be idle
#   slurm_fixture_stop        # stops what start started (also installed as an EXIT trap)
# Needs root (slurmd runs jobs as the submitting user via SlurmUser=root).

slurm_fixture_start() {
  local dir=$1
  SLURM_FIXTURE_DIR=$dir
  mkdir -p "$dir"/{munge,state,spool,log}
  chmod 0755 "$dir" "$dir/munge"   # munged refuses a socket folder others cannot reach
  local host
  host=$(hostname -s)

  mungekey --create --keyfile="$dir/munge/munge.key" --force >/dev/null 2>&1 ||
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 0600 "$dir/munge/munge.key"
  munged --socket="$dir/munge/munge.socket.2" --key-file="$dir/munge/munge.key" \
    --log-file="$dir/log/munged.log" --pid-file="$dir/munge/munged.pid" \
    --seed-file="$dir/munge/munge.seed" --force || { echo "slurm fixture: munged failed" >&2; return 1; }
  # ${X%%...} trims the "NodeName=... " prefix: slurmd -C prints this node's CPUs/memory line.
  local node_line
  node_line=$(slurmd -C | head -n1 | sed -e "s/^NodeName=[^ ]* //" -e 's/UpTime=.*//')

  cat >"$dir/slurm.conf" <<CONF
ClusterName=labkit-test
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
SlurmctldPort=$((16817 + RANDOM % 1000))
SlurmdPort=$((17818 + RANDOM % 1000))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket.2
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
EnforcePartLimits=ALL
MpiDefault=none
MinJobAge=300
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
NodeName=${host} NodeAddr=127.0.0.1 ${node_line}
PartitionName=debug Nodes=${host} Default=YES State=UP MaxTime=10
CONF
  export SLURM_CONF=$dir/slurm.conf
  trap slurm_fixture_stop EXIT
  slurmctld -f "$SLURM_CONF" || { echo "slurm fixture: slurmctld failed" >&2; return 1; }
  slurmd -f "$SLURM_CONF" -N "$host" || { echo "slurm fixture: slurmd failed" >&2; return 1; }
  local i
  for i in $(seq 1 60); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then return 0; fi
    sleep 0.5
  done
  echo "slurm fixture: node never became idle; logs in $dir/log" >&2
  sinfo >&2 || true
  tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
  return 1
}

slurm_fixture_stop() {
  local dir=${SLURM_FIXTURE_DIR:-}
  [ -n "$dir" ] || return 0
  local pidfile
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  SLURM_FIXTURE_DIR=""
}
