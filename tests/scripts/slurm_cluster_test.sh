#!/usr/bin/env bash
# scripts/slurm-array.sh on a real Slurm cluster: a single-node cluster stood up from
# Debian's packages (munged, slurmctld and slurmd as root on localhost, everything in
# a temporary folder), a small matrix submitted as a 3-task array, its dependent merge
# awaited, and the merged runs.csv compared with the same matrix run locally in one
# process: the same runs (key, cell, repetition, collector, workload, heap, threads,
# escape analysis) with the same statuses. Exit 77 (skipped) only where the packages
# are not installed or it does not run as root.
#   slurm_cluster_test.sh SOURCE_DIR GCLAB
set -euo pipefail
source_dir=$1
gclab=$2
skip() {
  echo "SKIPPED: $*"
  exit 77
}
for tool in munged slurmctld slurmd sbatch squeue sinfo; do
  command -v "$tool" > /dev/null ||
    skip "no $tool: install Debian's slurm-wlm and munge (scripts/install-deps.sh test does)"
done
[ "$(id -u)" = 0 ] || skip "slurmd must run as root to start jobs"

work=$(mktemp -d /tmp/gclab-slurm-XXXXXX)
stop_daemons() {
  for daemon in slurmd slurmctld munged; do
    if [ -s "$work/$daemon.pid" ]; then kill "$(cat "$work/$daemon.pid")" 2> /dev/null || true; fi
  done
  # Wait for them to go, so that their ports and files are free.
  for daemon in slurmd slurmctld munged; do
    if [ -s "$work/$daemon.pid" ]; then
      pid=$(cat "$work/$daemon.pid")
      for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    fi
  done
}
show_logs() {
  for log in "$work"/*.log "$work"/results/*.log "$work"/submit/*.log; do
    [ -f "$log" ] && { echo "--- $log"; tail -n 30 "$log"; }
  done
  return 0
}
trap 'stop_daemons; rm -rf "$work"' EXIT
fail() {
  echo "FAILED: $*"
  show_logs
  exit 1
}

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# munge: its own key and socket, not the system's.
dd if=/dev/urandom of="$work/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge.key"
munged --force --socket="$work/munge.socket" --key-file="$work/munge.key" \
  --log-file="$work/munged.log" --pid-file="$work/munged.pid" --seed-file="$work/munged.seed" ||
  fail "munged did not start"

mkdir -p "$work/state" "$work/spool" "$work/submit"
cat > "$work/slurm.conf" << EOF
ClusterName=gclab-test
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge.socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=gclab Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$work/slurm.conf
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" -N localhost || fail "slurmd did not start"
for _ in $(seq 60); do
  [ "$(sinfo -h -o %T 2> /dev/null)" = idle ] && break
  sleep 0.5
done
[ "$(sinfo -h -o %T 2> /dev/null)" = idle ] || fail "the node never became idle: $(sinfo 2>&1)"

# Two statuses: ok, and oom (2 MiB is too small for marksweep on binary-trees).
matrix=(--collectors=marksweep,nogc --workloads=binary-trees --size=small --heap-mb=2,64
        --reps=2 --seed=7)
cp "$source_dir/scripts/slurm-array.sh" "$work/submit/"
(
  cd "$work/submit"
  GCLAB=$gclab GCLAB_RESULTS=$work/results \
    sbatch --parsable --array=1-3 --cpus-per-task=1 --output="$work/submit/task-%a.log" \
    slurm-array.sh "${matrix[@]}" > "$work/array-job-id"
) || fail "sbatch refused the array"
echo "array job $(cat "$work/array-job-id") submitted"

# The same matrix in one local process, while the cluster works.
"$gclab" run "${matrix[@]}" --out="$work/local" > "$work/local.log" 2>&1 ||
  fail "the local run failed: $(tail -n 5 "$work/local.log")"

for _ in $(seq 600); do
  [ -f "$work/results/merged/runs.csv" ] && break
  if [ -s "$work/results/.merge-submitted/job-id" ] &&
    [ -z "$(squeue -h -j "$(cat "$work/results/.merge-submitted/job-id")" 2> /dev/null)" ] &&
    [ ! -f "$work/results/merged/runs.csv" ]; then
    sleep 1  # the folder is renamed into place as the job ends
    [ -f "$work/results/merged/runs.csv" ] || fail "the merge job ended without a merged folder"
  fi
  sleep 0.5
done
[ -f "$work/results/merged/runs.csv" ] || fail "no merged results after 300 s: $(squeue 2>&1)"
for shard in 1 2 3; do
  [ -f "$work/results/shard-$shard-of-3/runs.csv" ] || fail "shard $shard wrote no runs.csv"
done

identity() {
  /usr/bin/python3 - "$1" << 'EOF'
import csv, sys
columns = ["run_key", "cell", "rep", "collector", "workload", "size", "heap_bytes",
           "threads", "escape_analysis", "seed", "status"]
for row in sorted(csv.DictReader(open(sys.argv[1])), key=lambda r: r["run_key"]):
    print(",".join(row[c] for c in columns))
EOF
}
merged=$(identity "$work/results/merged/runs.csv")
local_runs=$(identity "$work/local/runs.csv")
if [ "$merged" != "$local_runs" ]; then
  diff <(echo "$local_runs") <(echo "$merged") || true
  fail "the merged runs differ from the local run's (above: < local, > merged)"
fi
echo "$merged"
runs=$(echo "$merged" | wc -l)
[ "$runs" = 8 ] || fail "expected 8 runs, got $runs"
echo "$merged" | grep -q ',ok$' || fail "no run ended ok"
echo "$merged" | grep -q ',oom$' || fail "no run ended oom"
echo "PASSED: 3 shards on Slurm merged into the same $runs runs and statuses as one local run"
