using TorchSharp;
POSLayerFreeze.Runtime.NativeCompat.EnsureLoaded();
Console.WriteLine($"shim loaded: {POSLayerFreeze.Runtime.NativeCompat.ShimLoaded}, level {POSLayerFreeze.Runtime.NativeCompat.LibStdCxxLevel()}");
var t = torch.ones(3, 3).matmul(torch.ones(3, 3));
Console.WriteLine(t.sum().item<float>());
