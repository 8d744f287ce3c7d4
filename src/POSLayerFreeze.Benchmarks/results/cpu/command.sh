#!/usr/bin/env bash
cd /work/main
export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2
uptime
dotnet run -c Release --no-build --project src/POSLayerFreeze.Benchmarks -- \
  --filter '*TrainingStepBenchmarks.Step(*Minilm*' '*TrainingStepBenchmarks.Step(Config: "baseline"*Distilbert*' '*TrainingStepBenchmarks.Step(Config: "all"*Distilbert*' \
           '*OptimizerBenchmarks*Minilm*' '*PrefixCacheBenchmarks*Minilm*' '*BatchingBenchmarks*Minilm*' \
  --job dry --iterationCount 2 --exporters github csv json --artifacts bench-out
echo "exit $?"
uptime
