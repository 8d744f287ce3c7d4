using TorchSharp.Modules;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Training;

/// <summary>Float64 parameters with hand-set gradients, for AdamW steps checked against arithmetic done by hand.</summary>
internal static class Float64Params
{
    public static Parameter Param(params double[] values) => new(tensor(values, ScalarType.Float64));

    public static void SetGrad(Parameter p, params double[] values)
    {
        using var noGrad = no_grad();
        using var source = tensor(values, ScalarType.Float64);
        p.grad!.copy_(source);
    }

    public static double[] Values(Tensor t) => t.detach().data<double>().ToArray();
}
