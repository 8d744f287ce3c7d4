using BenchmarkDotNet.Running;

POSLayerFreeze.Runtime.NativeCompat.EnsureLoaded();
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
