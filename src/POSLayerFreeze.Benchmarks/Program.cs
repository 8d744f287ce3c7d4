using BenchmarkDotNet.Running;
using POSLayerFreeze.Benchmarks;

POSLayerFreeze.Runtime.NativeCompat.EnsureLoaded();
// In-process (InProcessEmitToolchain) unless --outOfProcess: no per-benchmark project build, so a published dll
// runs without an SDK (the GPU machine), the training benchmarks' own columns read what the cases recorded in this
// process, and CI's dry run stays fast.
string[] effective = args.Contains("--outOfProcess", StringComparer.OrdinalIgnoreCase)
    ? args.Where(a => !a.Equals("--outOfProcess", StringComparison.OrdinalIgnoreCase)).ToArray()
    : args.Contains("--inProcess", StringComparer.OrdinalIgnoreCase) ? args : [.. args, "--inProcess"];
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(effective, new BenchConfig());
