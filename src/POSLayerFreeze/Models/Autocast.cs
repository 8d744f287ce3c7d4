using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace POSLayerFreeze.Models;

/// <summary>The arithmetic a run's matmuls use: a protocol field (<c>precision</c>), saved with every result.</summary>
public enum Precision
{
    /// <summary>Everything in float32: the protocol of record.</summary>
    Fp32,

    /// <summary>Mixed precision as Hugging Face's <c>bf16=True</c>: fp32 master weights and optimizer state, the
    /// matmuls in bfloat16 (<see cref="Autocast"/>).</summary>
    Bf16,
}

/// <summary>
/// Our stand-in for PyTorch's <c>torch.autocast(dtype=torch.bfloat16)</c>, which TorchSharp 0.107 lacks. Inside
/// <see cref="Enter"/>(<see cref="Precision.Bf16"/>) the model code's matmuls — every linear layer, the attention
/// scores and context — cast their inputs and the fp32 weights to bfloat16 (differentiable casts, so the gradients
/// reach the fp32 masters in fp32), and return fp32. Everything else stays fp32.
/// </summary>
/// <remarks>
/// Against PyTorch's op lists (aten/src/ATen/autocast_mode.cpp): <c>linear</c>, <c>addmm</c>, <c>matmul</c>, <c>bmm</c>
/// and <c>scaled_dot_product_attention</c> are in its lower-precision list on both CPU and CUDA, as here; <c>layer_norm</c>,
/// <c>softmax</c> inside attention's math path, <c>log_softmax</c> and <c>cross_entropy</c> run in fp32 here as in
/// its fp32 lists. Where we differ: autocast returns a linear layer's output in bf16, so the ops after it (dropout,
/// GELU, the residual add) run in bf16 or promote; here the output is cast back to fp32 at once, so GELU's input,
/// dropout and the residual stream are fp32 — more accurate, at the cost of two elementwise casts per layer. Attention
/// gets q, k, v in bf16 as under autocast; what libtorch then does is its own: the math path (taken in training, where
/// attention dropout rules out the CPU flash kernel) upcasts bf16 to fp32 for its matmuls and softmax
/// (<c>allowFP16BF16ReductionMathSDP</c> is off by default); in evaluation libtorch may pick its CPU flash kernel,
/// which multiplies in bf16 and accumulates in fp32 (which kernel runs was not checked). Either way the context comes
/// back rounded to bf16, as the oracle (eng/oracle-bf16) assumes. Autocast also caches each weight's bf16 copy within
/// a region; we cast per call. In a bf16 region a Linear module's own forward hooks do not run (functional.linear
/// is called directly); the layer-level hooks the probes use still do.
/// The fp32 path calls exactly what the modules called before (same kernels, same bits).
/// </remarks>
public static class Autocast
{
    [ThreadStatic] private static bool s_bf16;

    /// <summary>True inside a bf16 region on this thread.</summary>
    public static bool IsBf16 => s_bf16;

    /// <summary>Enters a region of <paramref name="precision"/> on this thread until the result is disposed (regions nest).</summary>
    public static Region Enter(Precision precision)
    {
        var previous = s_bf16;
        s_bf16 = precision == Precision.Bf16;
        return new Region(previous);
    }

    /// <summary><paramref name="layer"/> on <paramref name="input"/> [.., in] → [.., out] in the region's precision (fp32 out).</summary>
    public static Tensor Linear(Linear layer, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (!s_bf16) return layer.call(input);
        using var scope = NewDisposeScope();
        var output = functional.linear(input.to(ScalarType.BFloat16), layer.weight!.to(ScalarType.BFloat16), layer.bias?.to(ScalarType.BFloat16));
        return output.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Scaled dot-product attention of q, k, v [B, h, T, d] with a boolean key mask, in the region's precision (fp32 out).</summary>
    public static Tensor Attention(Tensor query, Tensor key, Tensor value, Tensor mask, double dropout)
    {
        if (!s_bf16) return functional.scaled_dot_product_attention(query, key, value, mask, dropout);
        using var scope = NewDisposeScope();
        var context = functional.scaled_dot_product_attention(
            query.to(ScalarType.BFloat16), key.to(ScalarType.BFloat16), value.to(ScalarType.BFloat16), mask, dropout); // [B, h, T, d]
        return context.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Restores the enclosing region's precision when disposed.</summary>
    public readonly struct Region(bool previous) : IDisposable
    {
        public void Dispose() => s_bf16 = previous;
    }
}
