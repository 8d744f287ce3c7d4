#!/usr/bin/env bash
# How results/cpu was produced (idle 2-core AMD EPYC machine, 2026-11-26): MiniLM training step for the 13 study
# configurations and the optimizer pair, short job with 3 warm-up and 5 measured iterations.
export OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE
dotnet run -c Release --project src/POSLayerFreeze.Benchmarks -- \
  --filter '*TrainingStepBenchmarks.Step(*Minilm*' '*OptimizerBenchmarks*Minilm*' \
  --job short --warmupCount 3 --iterationCount 5 --exporters github csv json --artifacts bench-out
