#!/usr/bin/env bash
# Proves the benchmark project runs (CI, < 2 min on 2 cores): a BenchmarkDotNet dry job (one cold invocation per
# case, in-process) over two training-step cases of MiniLM, the FlatAdamW/torch AdamW pair and the two tagging
# throughput cases (CoNLL-U, plain text) and poslf probe's extraction and probe training, then checks that the
# GitHub-markdown, CSV and JSON reports and the throughput plot were written and that no case failed.
# Usage: eng/bench-dry-run.sh [ARTIFACTS_DIR]   (default: a temporary folder, removed afterwards)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} MKL_NUM_THREADS=${MKL_NUM_THREADS:-2}
out=${1:-}
if [[ -z $out ]]; then out=$(mktemp -d); trap 'rm -rf "$out"' EXIT; fi
rm -rf "$out/results"

# Reuse the CI build when there is one (Release), else build the project.
build=(--configuration Release)
if [[ -f src/POSLayerFreeze.Benchmarks/bin/Release/net10.0/POSLayerFreeze.Benchmarks.dll ]]; then build+=(--no-build); fi

log="$out/dry-run.log"
mkdir -p "$out"
set +e
timeout 300 dotnet run "${build[@]}" --project src/POSLayerFreeze.Benchmarks -- \
  --filter '*TrainingStepBenchmarks.Step(Config: "baseline"*Minilm*' '*TrainingStepBenchmarks.Step(Config: "all"*Minilm*' \
           '*OptimizerBenchmarks*Minilm*' '*TaggingBenchmarks*' '*ProbeBenchmarks*' \
  --job dry --exporters github csv json --artifacts "$out" >"$log" 2>&1
rc=$?
set -e
tail -n 25 "$log"
fail() { echo "bench-dry-run: $*" >&2; exit 1; }
((rc == 0)) || fail "BenchmarkDotNet exited with $rc (log: $log)"
grep -q "executed benchmarks: 8" "$log" || fail "expected 8 executed benchmarks"
if grep -qE "Benchmarks with issues|ERROR|Exception" "$log"; then fail "a benchmark case reported an error"; fi
shopt -s nullglob
for pattern in "TrainingStepBenchmarks-report-github.md" "TrainingStepBenchmarks-report.csv" "TrainingStepBenchmarks-report-full.json" \
  "OptimizerBenchmarks-report-github.md" "TaggingBenchmarks-report-github.md" "ProbeBenchmarks-report-github.md" "TrainingStepBenchmarks-*-throughput.png"; do
  files=("$out"/results/*$pattern)
  ((${#files[@]} > 0)) || fail "missing report $pattern"
done
# The custom columns must have been filled (in-process metrics), not left as '-'.
grep -q "RealTok/s" "$out"/results/*TrainingStepBenchmarks-report-github.md || fail "no RealTok/s column"
if grep -E '^\| Step' "$out"/results/*TrainingStepBenchmarks-report-github.md | grep -qE '\| +- +\| +- +\|'; then fail "tokens/s columns empty"; fi
grep -q "Words/s" "$out"/results/*TaggingBenchmarks-report-github.md || fail "no Words/s column"
echo "bench-dry-run: ok"
