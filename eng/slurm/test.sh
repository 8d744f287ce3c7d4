#!/usr/bin/env bash
# End-to-end test of `poslf slurm submit` on a real Slurm (Debian's slurm-wlm 22.05), not a stand-in:
#   1. installs slurm-wlm, munge and jq with apt if missing;
#   2. starts munged, slurmctld and slurmd for one node on localhost, everything (config, state, spool, logs,
#      pid files, munge socket) in a temporary folder, cgroup-free, as root;
#   3. builds a tiny world (the tiny-bert fixture, the first sentences of UD English EWT) so a run takes seconds;
#   4. submits the study sweep as a 4-task array (at most 2 at once) plus the merge job, polls until the jobs end
#      (bounded by a generous limit sized from the work, POSLF_SLURM_TIMEOUT overrides it), and runs the same sweep
#      unsharded outside Slurm meanwhile;
#   5. checks that every array task and the merge job COMPLETED under slurmctld, that a requeued task resumes (keeps
#      its finished runs, trains nothing), and that the merged results equal the unsharded sweep (summary.json and
#      every run's metrics.json minus timing/provenance, predictions byte-equal);
#   6. stops the daemons whatever happened (trap).
# Needs root and a built poslf (POSLF_DLL, default: the Release build output). Exit 0 only if every check passed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
poslf_dll=${POSLF_DLL:-$root/src/POSLayerFreeze.Cli/bin/Release/net10.0/poslf.dll}
shards=4
max_parallel=2
# The wait is sized from the work, not from an idle machine: the sweep is the study suite of tiny-bert (5
# configurations) × 2 seeds = 10 runs. Idle, the whole phase takes about 40 s; on a loaded 2-core machine array
# tasks of 2–3 runs took 77–102 s each, and with --max-parallel 2 the merge waits for two rounds of them. Allow
# 120 s per run as if every run went one after the other, plus 300 s for start-up and the merge: far beyond any
# load seen, so only a job that never ends trips it. The loop below ends as soon as the jobs do.
runs=$((5 * 2))
timeout_s=${POSLF_SLURM_TIMEOUT:-$((runs * 120 + 300))}
log() { printf '[slurm-test %s] %s\n' "$(date -u +%T)" "$*"; }
fail() { log "FAILED: $*"; exit 1; }

[[ $(id -u) == 0 ]] || { echo "eng/slurm/test.sh: must run as root (it starts munged, slurmctld and slurmd)" >&2; exit 2; }
[[ -f $poslf_dll ]] || { echo "eng/slurm/test.sh: $poslf_dll not found: build first (dotnet build POSLayerFreeze.sln -c Release)" >&2; exit 2; }
dotnet=$(command -v dotnet) || { echo "eng/slurm/test.sh: dotnet not on PATH" >&2; exit 2; }
data_src=${POSLF_DATA_DIR:-$root/../shared/datasets/ud-english-ewt}
[[ -d $data_src ]] || { echo "eng/slurm/test.sh: no UD English EWT folder at $data_src (set POSLF_DATA_DIR)" >&2; exit 2; }

# ---------------------------------------------------------------- 1. packages
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
  || ! command -v munged >/dev/null || ! command -v jq >/dev/null; then
  log "installing slurm-wlm, munge, jq (apt)"
  export DEBIAN_FRONTEND=noninteractive
  # Another apt may hold the lock on a shared machine: wait for it rather than fail.
  apt_get() { apt-get -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3 -y -qq "$@"; }
  # Only refresh the package lists when the install cannot find the packages (fresh image, empty lists).
  apt_get install --no-install-recommends slurm-wlm munge jq >/dev/null 2>&1 \
    || { apt_get update >/dev/null && apt_get install --no-install-recommends slurm-wlm munge jq >/dev/null; }
fi
log "$(slurmctld -V), $(munged -V 2>&1 | head -1)"

# ---------------------------------------------------------------- 2. a one-node cluster in a temp folder
work=$(mktemp -d /tmp/poslf-slurm.XXXXXX)
# munged runs as user munge and must reach its socket folder below this one.
chmod 755 "$work"
mkdir -p "$work"/{state,spool,log,munge,world/model,world/data}
chown munge:munge "$work/munge"
# munged insists that everyone may reach its socket (clients of any user connect there).
chmod 755 "$work/munge"
export SLURM_CONF=$work/slurm.conf
status=1

stop_pid_file() {  # stop_pid_file NAME FILE: TERM, wait up to 10 s, then KILL
  local name=$1 file=$2 pid
  [[ -s $file ]] || return 0
  pid=$(cat "$file")
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || { log "stopped $name (pid $pid)"; return 0; }; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  log "killed $name (pid $pid)"
}

stop_cluster() {  # idempotent: cancel what is left, then stop slurmd, slurmctld and munged by their pid files
  if [[ -s $work/slurmctld.pid ]] && kill -0 "$(cat "$work/slurmctld.pid")" 2>/dev/null; then
    # Jobs still there (a timeout): cancel them so slurmd's steps end before slurmd does.
    if [[ -n $(squeue -h -o %i 2>/dev/null) ]]; then
      log "cancelling unfinished jobs"; scancel --full --user=root 2>/dev/null
      for _ in $(seq 50); do [[ -z $(squeue -h -t RUNNING,COMPLETING -o %i 2>/dev/null) ]] && break; sleep 0.2; done
    fi
  fi
  stop_pid_file slurmd "$work/slurmd.pid"
  stop_pid_file slurmctld "$work/slurmctld.pid"
  stop_pid_file munged "$work/munge/munged.pid"
}

cleanup() {
  local rc=$?
  set +e
  [[ -n ${reference_pid:-} ]] && kill "$reference_pid" 2>/dev/null
  stop_cluster
  if ((status != 0)); then
    log "slurmctld log (last 40 lines):"; tail -n 40 "$work/log/slurmctld.log" 2>/dev/null
    log "slurmd log (last 20 lines):"; tail -n 20 "$work/log/slurmd.log" 2>/dev/null
    for f in "$work"/out/logs/*.out; do [[ -f $f ]] && { log "== $f (last 15 lines)"; tail -n 15 "$f"; }; done
    log "kept $work for inspection"
  else
    rm -rf "$work"
  fi
  exit $((rc != 0 ? rc : status))
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The key is created by the munge package; a machine that lost it gets a fresh one (one node: any key works).
if [[ ! -s /etc/munge/munge.key ]]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
fi
runuser -u munge -- munged --socket="$work/munge/munge.socket" --pid-file="$work/munge/munged.pid" \
  --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed"
for _ in $(seq 50); do [[ -S $work/munge/munge.socket ]] && break; sleep 0.1; done
munge --socket="$work/munge/munge.socket" -n | unmunge --socket="$work/munge/munge.socket" >/dev/null || fail "munge credential round trip"
log "munged up ($work/munge/munge.socket)"

free_port() {  # a TCP port nobody listens on, from $1 upwards
  local p=$1
  while ss -Htln "sport = :$p" 2>/dev/null | grep -q . ; do p=$((p + 1)); done
  echo "$p"
}
ctld_port=$(free_port 6817)
slurmd_port=$(free_port $((ctld_port + 1)))
host=$(hostname -s)
cpus=$(nproc)
mem_mb=$(( $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) / 1024 - 512 ))
# The settings seen working on Debian 12 (shared/PLATFORM.md): no cgroups, no accounting database; job
# completions go to a text file so the record of every task outlives squeue.
cat >"$SLURM_CONF" <<EOF
ClusterName=poslf-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
JobCompType=jobcomp/filetxt
JobCompLoc=$work/log/jobcomp.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -c -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do
  [[ $(sinfo -h -o %T 2>/dev/null) == idle ]] && break
  sleep 0.2
done
[[ $(sinfo -h -o %T 2>/dev/null) == idle ]] || fail "the node did not come up idle: $(sinfo 2>&1 | tail -1)"
log "slurmctld (port $ctld_port) and slurmd (port $slurmd_port) up: $(sinfo -h -o '%P %D node(s) %c CPUs %T')"

# ---------------------------------------------------------------- 3. the tiny world
# tiny-bert (hidden 32, 2 layers: the study suite is 5 configurations) with a 128-entry vocabulary, as
# tests/POSLayerFreeze.Tests/Experiments/TinyWorld.cs builds it; the smoke profile's 1,024 training sentences
# and short dev/test splits, so a run takes seconds.
fixture=$root/tests/POSLayerFreeze.Tests/Fixtures/tiny-bert
cp "$fixture/config.json" "$fixture/model.safetensors" "$work/world/model/"
{
  printf '%s\n' '[PAD]' '[UNK]' '[CLS]' '[SEP]' '[MASK]'
  for c in {a..z}; do echo "$c"; done
  for c in {a..z}; do echo "##$c"; done
  for d in {0..9}; do echo "$d"; done
  printf '%s\n' . , "'" '"' - '!' '?' : ';' '(' ')' / '&' '$'
  printf '%s\n' the to and of in is it that for you was on with he be this are have not but they at we my \
    from or by as an will there all can if one so
} >"$work/world/model/vocab.txt"
fill=0
while (($(wc -l <"$work/world/model/vocab.txt") < 128)); do echo "##$fill" >>"$work/world/model/vocab.txt"; fill=$((fill + 1)); done
# awk reads to the end: stopping early would kill gzip with SIGPIPE, which pipefail reports as a failure.
first_sentences() {  # first_sentences SPLIT N: the first N sentences of EWT's SPLIT
  local f=$data_src/en_ewt-ud-$1.conllu
  { if [[ -f $f ]]; then cat "$f"; else gzip -dc "$f.gz"; fi; } | awk -v n="$2" 'BEGIN { RS = ""; ORS = "\n\n" } NR <= n { print }'
}
first_sentences train 1024 >"$work/world/data/en_ewt-ud-train.conllu"
first_sentences dev 64 >"$work/world/data/en_ewt-ud-dev.conllu"
first_sentences test 64 >"$work/world/data/en_ewt-ud-test.conllu"
sweep=(--suite study --seeds "42,43" --model "$work/world/model" --data-dir "$work/world/data")

# ---------------------------------------------------------------- 4. submit, and the unsharded reference meanwhile
cd "$work"
log "poslf slurm submit ${sweep[*]} --shards $shards --max-parallel $max_parallel"
"$dotnet" "$poslf_dll" slurm submit "${sweep[@]}" --out "$work/out" --shards $shards --max-parallel $max_parallel \
  --partition debug --time 10 | tee "$work/submit.txt"
array_id=$(sed -n 's/^array job: \([0-9]*\).*/\1/p' "$work/submit.txt")
merge_id=$(sed -n 's/^merge job: \([0-9]*\).*/\1/p' "$work/submit.txt")
[[ -n $array_id && -n $merge_id ]] || fail "no job ids in the output of poslf slurm submit"

log "unsharded reference sweep (outside Slurm) while the array runs"
"$dotnet" "$poslf_dll" run "${sweep[@]}" --out "$work/whole" >"$work/whole.log" 2>&1 &
reference_pid=$!

deadline=$((SECONDS + timeout_s))
last=""
merge_state=""
while ((SECONDS < deadline)); do
  now=$(squeue -h -o '%i %j %T' 2>/dev/null | sort | tr '\n' ';')
  [[ $now != "$last" ]] && { log "squeue: ${now:-<empty>}"; last=$now; }
  merge_state=$(scontrol show job "$merge_id" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1)
  case $merge_state in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED | DEADLINE) break ;; esac
  # A failed array task leaves the merge (afterok) pending forever: that is an end too, not a reason to wait on.
  if [[ $merge_state == PENDING ]] && scontrol show job "$merge_id" 2>/dev/null | grep -q 'Reason=DependencyNeverSatisfied'; then
    merge_state=DEPENDENCY_NEVER_SATISFIED
    break
  fi
  sleep 2
done
log "merge job $merge_id: ${merge_state:-unknown}"
wait "$reference_pid" || { tail -n 20 "$work/whole.log"; fail "the unsharded reference sweep failed"; }
reference_pid=""
log "unsharded sweep: $(grep -c ': test acc' "$work/whole.log") run(s); $(grep 'sweep finished' "$work/whole.log")"
[[ $merge_state == COMPLETED ]] || fail "merge job $merge_id ended ${merge_state:-not at all} within ${timeout_s}s"

# ---------------------------------------------------------------- 5. checks
# Each task's record while slurmctld still holds it (completed jobs stay for MinJobAge, 300 s by default).
scontrol -o show job "$array_id" >"$work/array-jobs.txt"
for i in $(seq 0 $((shards - 1))); do
  grep -q "ArrayJobId=$array_id ArrayTaskId=$i .*JobState=COMPLETED .*ExitCode=0:0" "$work/array-jobs.txt" \
    || fail "array task ${array_id}_$i did not complete with exit 0: $(grep "ArrayTaskId=$i " "$work/array-jobs.txt" | grep -o 'JobState=[A-Z]* .*ExitCode=[0-9:]*' | head -1)"
  task_log=$work/out/logs/sweep-${array_id}_$i.out
  grep -q "poslf sweep: array job $array_id task $i of $shards" "$task_log" || fail "task $i did not log its shard ($task_log)"
done
# A requeued task resumes in its shard folder: every run there is kept, nothing is trained again.
first_runs=$(find "$work/out/shards/shard-0" -name metrics.json | wc -l)
scontrol requeue "${array_id}_0"
# slurmctld holds a requeued job back for two minutes (its begin time); start it now instead.
scontrol update JobId="${array_id}_0" StartTime=now
requeue_state=""
for _ in $(seq "$timeout_s"); do
  requeue_state=$(scontrol show job "${array_id}_0" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1)
  restarts=$(scontrol show job "${array_id}_0" 2>/dev/null | sed -n 's/.*Restarts=\([0-9]*\).*/\1/p' | head -1)
  [[ $requeue_state == COMPLETED && ${restarts:-0} -ge 1 ]] && break
  sleep 1
done
[[ $requeue_state == COMPLETED ]] || fail "requeued task ${array_id}_0 ended ${requeue_state:-not at all}"
grep -q "resuming: $first_runs finished run(s) kept, 0 to do" "$work/out/logs/sweep-${array_id}_0.out" \
  || fail "requeued task ${array_id}_0 did not resume its $first_runs finished runs"
log "requeued task ${array_id}_0 ran again: $(grep -c '^poslf sweep: ' "$work/out/logs/sweep-${array_id}_0.out") attempts in its log; $(grep '^resuming:' "$work/out/logs/sweep-${array_id}_0.out")"
# slurmctld writes its log and the job completion file through buffers: read them once it has stopped.
stop_cluster
log "slurmctld log, jobs $array_id (array) and $merge_id (merge):"
{ grep -E "JobId=($array_id|$merge_id)[_( ]" "$work/log/slurmctld.log" | grep -E 'sched: Allocate|backfill: Started|_job_complete: JobId=.* done|submit_batch_job|[Rr]equeue' \
  | sed 's/^/    /'; } || true
log "job completion records (jobcomp/filetxt):"
sed -E 's/^JobId=([0-9]+) .*Name=([^ ]+) JobState=([A-Z]+) .*StartTime=([^ ]+) EndTime=([^ ]+) .* ArrayJobId=([0-9]+) ArrayTaskId=([0-9]+) .*ExitCode=([0-9:]+).*/    job \1 = \6_\7 \2 \3 exit \8 \4 -> \5/;
        s/^JobId=([0-9]+) .*Name=([^ ]+) JobState=([A-Z]+) .*StartTime=([^ ]+) EndTime=([^ ]+) .*ExitCode=([0-9:]+).*/    job \1 \2 \3 exit \6 \4 -> \5/' "$work/log/jobcomp.log"
completed_tasks=$(grep "Name=poslf-sweep JobState=COMPLETED .*ArrayJobId=$array_id " "$work/log/jobcomp.log" | grep -o 'ArrayTaskId=[0-9]*' | sort -u | wc -l)
((completed_tasks == shards)) || fail "$completed_tasks of $shards array tasks recorded COMPLETED by slurmctld"
grep -q "^JobId=$merge_id .*Name=poslf-merge JobState=COMPLETED" "$work/log/jobcomp.log" || fail "no COMPLETED record of merge job $merge_id"
runs_per_shard=$(for i in $(seq 0 $((shards - 1))); do find "$work/out/shards/shard-$i" -name metrics.json | wc -l; done | tr '\n' ' ')
log "runs per shard folder: $runs_per_shard"

# What legitimately differs between identical runs, as the merge test drops it (SweepTests/RunExecutorTests
# Comparable*): timings (train_seconds, train_seconds_per_step, train_cpu_seconds_per_step and
# train_tokens_per_second in the summary; train.seconds, train.cpu_seconds and train.tokens_per_second in
# metrics.json), the measured parts of the cost claim (its outcome and ratios are times), and the provenance
# block. Matched by name so a new timing field of that form does not break the comparison; every other field
# must be equal.
drop_timing='walk(if type == "object" then with_entries(select(.key | test("^(train_)?(cpu_)?(seconds|seconds_per_step|tokens_per_second)$") | not)) else . end)'
drop_cost_claim='if has("claims") then .claims |= map(if .id == "freezing-saves-training-cost" then del(.effect, .effect_size, .holds, .power) else . end) else . end'
comparable_summary="$drop_timing | $drop_cost_claim"
comparable_metrics="del(.provenance) | $drop_timing"
diff <(jq -S "$comparable_summary" "$work/whole/summary.json") <(jq -S "$comparable_summary" "$work/out/merged/summary.json") \
  || fail "merged summary.json differs from the unsharded sweep's"
compared=0
while IFS= read -r metrics; do
  rel=${metrics#"$work/whole/"}
  rel=${rel%/metrics.json}
  [[ -f $work/out/merged/$rel/metrics.json ]] || fail "$rel missing from the merged results"
  diff <(jq -S "$comparable_metrics" "$metrics") <(jq -S "$comparable_metrics" "$work/out/merged/$rel/metrics.json") >/dev/null \
    || fail "$rel/metrics.json differs"
  cmp -s "$work/whole/$rel/test.predictions.conllu" "$work/out/merged/$rel/test.predictions.conllu" || fail "$rel/test.predictions.conllu differs"
  compared=$((compared + 1))
done < <(find "$work/whole" -name metrics.json | sort)
merged_runs=$(find "$work/out/merged" -name metrics.json | wc -l)
((compared == merged_runs && compared > 0)) || fail "$compared unsharded runs vs $merged_runs merged runs"
log "PASS: $shards array tasks and merge job $merge_id COMPLETED under slurmctld; requeued task ${array_id}_0 resumed; merged summary.json equals the unsharded sweep's ($compared runs: metrics equal minus timing/provenance, predictions byte-equal)"
status=0
