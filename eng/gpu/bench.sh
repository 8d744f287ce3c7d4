#!/usr/bin/env bash
# GPU benchmark pass, run once on the device machine (no SDK there): the published benchmark dll on the carried
# .NET runtime, in-process, CUDA, a short job. Cases: training step for baseline, slpf-3, clpf-0+1+2, all ×
# {minilm, DistilBERT-sized} × {fp32, TF32} (16), FlatAdamW vs torch AdamW × 2 models (4), and — only while the
# budget allows — the host-sync trio for minilm and the cached-prefix pair. Target ≤ 120 s on an H200.
#
# usage (repository root on the GPU machine, after ../shared/tools/gpu-pack.sh src/POSLayerFreeze.Benchmarks/POSLayerFreeze.Benchmarks.csproj -p:TorchBackend=system):
#   bash eng/gpu/bench.sh "$OUT"
# Leaves at most 8 files in OUTDIR: gpu-report.md (every table + device), TrainingStepBenchmarks.{csv,json,png},
# OptimizerBenchmarks.csv, HostSyncBenchmarks.csv and PrefixCacheBenchmarks.csv (if run), bench.log.
# Overrides: POSLF_BENCH_DLL (default .gpu/app/POSLayerFreeze.Benchmarks.dll), POSLF_BENCH_JOB_ARGS (the job flags),
# POSLF_BENCH_DEVICE (default cuda).
set -uo pipefail
out=${1:?usage: eng/gpu/bench.sh OUTDIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mkdir -p "$out"
out=$(cd "$out" && pwd)
log="$out/bench.log"
: >"$log"
say() { echo "$*" | tee -a "$log"; }

dll=${POSLF_BENCH_DLL:-$root/.gpu/app/POSLayerFreeze.Benchmarks.dll}
dotnet=/tmp/dotnet/dotnet
if [[ ! -x $dotnet && -f $root/.gpu/dotnet-runtime.tar.xz ]]; then
  mkdir -p /tmp/dotnet && tar -C /tmp/dotnet -xJf "$root/.gpu/dotnet-runtime.tar.xz"
fi
[[ -x $dotnet ]] || dotnet=$(command -v dotnet || true)
[[ -n $dotnet && -f $dll ]] || { say "bench.sh: need $dll and /tmp/dotnet/dotnet"; exit 2; }
export DOTNET_ROOT=${DOTNET_ROOT:-$(dirname "$dotnet")} DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export POSLF_BENCH_DEVICE=${POSLF_BENCH_DEVICE:-cuda}
if [[ $POSLF_BENCH_DEVICE == cuda* && ${LD_LIBRARY_PATH:-} != *torch/lib* ]]; then
  lib=$(python3 -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"))' 2>/dev/null) \
    && export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
# Short job, trimmed so 20 cases fit: 2 warm-up and 5 measured iterations of ~100 ms (each iteration several steps).
read -r -a job <<<"${POSLF_BENCH_JOB_ARGS:---job short --warmupCount 2 --iterationCount 5 --iterationTime 100}"
art=$(mktemp -d)
trap 'rm -rf "$art"' EXIT
bench() {  # bench NAME FILTER...: one BenchmarkDotNet invocation, in-process, into $art/NAME
  local name=$1; shift
  local start=$SECONDS
  say "::: $name"
  "$dotnet" "$dll" --inProcess --filter "$@" "${job[@]}" --exporters github csv json --artifacts "$art/$name" >>"$log" 2>&1
  local rc=$?
  say "::: $name exit $rc in $((SECONDS - start)) s"
  return $rc
}

say "device: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "$POSLF_BENCH_DEVICE")"
status=0
bench steps '*TrainingStepBenchmarks.Step(Config: "baseline"*' '*TrainingStepBenchmarks.Step(Config: "slpf-3"*' \
  '*TrainingStepBenchmarks.Step(Config: "clpf-0+1+2",*' '*TrainingStepBenchmarks.Step(Config: "all"*' || status=1
bench optimizer '*OptimizerBenchmarks*' || status=1
if ((SECONDS < 80)); then bench hostsync '*HostSyncBenchmarks*Minilm*' || status=1; else say "skipping host-sync trio (budget: ${SECONDS}s used)"; fi
if ((SECONDS < 95)); then bench prefix '*PrefixCacheBenchmarks*' || status=1; else say "skipping cached-prefix pair (budget: ${SECONDS}s used)"; fi

{
  echo "# GPU benchmarks ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "device: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "$POSLF_BENCH_DEVICE")"
  echo
  echo "job: ${job[*]}, in-process, POSLF_BENCH_DEVICE=$POSLF_BENCH_DEVICE, total ${SECONDS} s"
  for md in "$art"/*/results/*-report-github.md; do echo; echo "## $(basename "$md" -report-github.md)"; echo; cat "$md"; done
} >"$out/gpu-report.md" 2>/dev/null
shopt -s nullglob
for f in "$art"/steps/results/*TrainingStepBenchmarks-report.csv; do cp "$f" "$out/TrainingStepBenchmarks.csv"; done
for f in "$art"/steps/results/*TrainingStepBenchmarks-report-full.json; do cp "$f" "$out/TrainingStepBenchmarks.json"; done
for f in "$art"/steps/results/*TrainingStepBenchmarks*-throughput.png; do cp "$f" "$out/TrainingStepBenchmarks.png"; done
for f in "$art"/optimizer/results/*OptimizerBenchmarks-report.csv; do cp "$f" "$out/OptimizerBenchmarks.csv"; done
for f in "$art"/hostsync/results/*HostSyncBenchmarks-report.csv; do cp "$f" "$out/HostSyncBenchmarks.csv"; done
for f in "$art"/prefix/results/*PrefixCacheBenchmarks-report.csv; do cp "$f" "$out/PrefixCacheBenchmarks.csv"; done
say "bench.sh: done in ${SECONDS} s (status $status); files: $(cd "$out" && ls | tr '\n' ' ')"
exit $status
