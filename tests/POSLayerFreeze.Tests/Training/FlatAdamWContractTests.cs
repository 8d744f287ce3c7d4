using POSLayerFreeze.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static POSLayerFreeze.Tests.Training.Float64Params;

namespace POSLayerFreeze.Tests.Training;

/// <summary>
/// FlatAdamW's refusals (word for word), gradient clipping against PyTorch's <c>clip_grad_norm_</c> rule computed by
/// hand on a gradient of known norm, and one AdamW step computed by hand in float64 for a decayed, an exempt and an
/// undecayed parameter. FlatAdamWTests compares 20 steps with torch's AdamW within float32 tolerance; these pin the
/// pieces that comparison cannot see (it never clips, and never exempts a parameter).
/// </summary>
[TestFixture]
public sealed class FlatAdamWContractTests
{
    [Test]
    public void RefusesWhatItCannotOptimizeWordForWord()
    {
        Assert.That(() => new FlatAdamW([], 1e-3),
            Throws.TypeOf<ArgumentException>().With.Message.EqualTo("nothing to optimize: every parameter is frozen (Parameter 'parameters')")
                .And.Property(nameof(ArgumentException.ParamName)).EqualTo("parameters"));
        const string oneDeviceAndDtype = "all parameters must share one device and dtype (move the model before building the optimizer)";
        using var doubles = Param(1, 2);
        using var floats = new Parameter(tensor(new float[] { 1, 2 }));
        // Same device, another dtype (listed second: the first parameter sets the expected device and dtype).
        Assert.That(() => new FlatAdamW([doubles, floats], 1e-3), Throws.TypeOf<ArgumentException>().With.Message.EqualTo(oneDeviceAndDtype));
        // Same dtype and device index (−1, none), another device type: meta tensors exist on every machine, so the
        // device half of the check is tested without a GPU.
        using var meta = new Parameter(empty(2, ScalarType.Float64, device: new Device(DeviceType.META)));
        Assert.That(meta.device.index, Is.EqualTo(doubles.device.index));
        Assert.That(() => new FlatAdamW([doubles, meta], 1e-3), Throws.TypeOf<ArgumentException>().With.Message.EqualTo(oneDeviceAndDtype));
        Assert.That(() => new FlatAdamW([doubles, doubles], 1e-3),
            Throws.TypeOf<ArgumentException>().With.Message.EqualTo("a parameter is listed twice"));
    }

    [TestCase(0.0)]
    [TestCase(-1.0)]
    public void ClipRefusesANonPositiveMaxNorm(double maxNorm)
    {
        using var p = Param(0, 0);
        using var optimizer = new FlatAdamW([p], 1e-3);
        SetGrad(p, 3, 4);
        Assert.That(() => optimizer.ClipGradNorm(maxNorm),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo("maxNorm"));
        Assert.That(Values(p.grad!), Is.EqualTo(new[] { 3.0, 4.0 }), "a refused clip leaves the gradient alone");
    }

    [TestCase(1.0)]
    [TestCase(2.5)]
    public void ClipScalesByMaxNormOverNormPlusOneMillionth(double maxNorm)
    {
        // Two parameters, so the norm is the flat buffer's: sqrt(3² + 4² + 0² + 0²) = 5 exactly.
        using var a = Param(0, 0);
        using var b = Param(0, 0);
        using var optimizer = new FlatAdamW([a, b], 1e-3);
        SetGrad(a, 3, 0);
        SetGrad(b, 0, 4);
        using var norm = optimizer.ClipGradNorm(maxNorm);
        Assert.That(norm.item<double>(), Is.EqualTo(5.0), "the norm before clipping");
        // PyTorch's clip_grad_norm_: clip_coef = max_norm / (total_norm + 1e-6), clamped to at most 1. With −1e-6
        // instead the factor would be larger by 4e-7 relative, far beyond the 1e-15 allowed here.
        var coefficient = maxNorm / (5.0 + 1e-6);
        Assert.That(Values(a.grad!)[0], Is.EqualTo(3 * coefficient).Within(1e-15));
        Assert.That(Values(b.grad!)[1], Is.EqualTo(4 * coefficient).Within(1e-15));
        using var after = optimizer.GradNorm();
        Assert.That(after.item<double>(), Is.EqualTo(5 * coefficient).Within(1e-15));
    }

    [Test]
    public void ClipLeavesASmallGradientExactlyAlone()
    {
        using var p = Param(0, 0);
        using var optimizer = new FlatAdamW([p], 1e-3);
        SetGrad(p, 0.3, 0.4);
        using var norm = optimizer.ClipGradNorm(1.0);
        Assert.That(norm.item<double>(), Is.EqualTo(0.5).Within(1e-16));
        Assert.That(Values(p.grad!), Is.EqualTo(new[] { 0.3, 0.4 }));
    }

    /// <summary>One AdamW step by hand (PyTorch's rule): p ← p·(1 − lr·wd) if decayed; m = (1−β1)·g; v = (1−β2)·g²;
    /// p ← p − lr/(1−β1) · m / (sqrt(v)/sqrt(1−β2) + eps).</summary>
    private static double Expected(double p, double g, double lr, double wd, bool decayed)
    {
        const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        var start = decayed ? p * (1 - lr * wd) : p;
        var m = (1 - beta1) * g;
        var v = (1 - beta2) * g * g;
        return start - lr / (1 - beta1) * m / (Math.Sqrt(v) / Math.Sqrt(1 - beta2) + eps);
    }

    [TestCase(0.01)]
    [TestCase(0.0)]
    public void OneStepEqualsTheHandComputedUpdateForDecayedAndExemptParameters(double weightDecay)
    {
        using var decayed = Param(1.0, -2.0);
        using var exempt = Param(0.5, 3.0);
        const double lr = 0.1;
        // The exempt parameter is listed first: the buffer lays decayed ones first all the same.
        using var optimizer = new FlatAdamW([exempt, decayed], lr, weightDecay: weightDecay, noDecay: [exempt]);
        Assert.That(optimizer.DecayedParameters, Is.EqualTo(2));
        SetGrad(decayed, 0.5, -0.25);
        SetGrad(exempt, -1.5, 0.125);
        optimizer.Step();
        Assert.That(optimizer.StepCount, Is.EqualTo(1));
        var d = Values(decayed);
        var e = Values(exempt);
        Assert.That(d[0], Is.EqualTo(Expected(1.0, 0.5, lr, weightDecay, decayed: true)).Within(1e-14));
        Assert.That(d[1], Is.EqualTo(Expected(-2.0, -0.25, lr, weightDecay, decayed: true)).Within(1e-14));
        Assert.That(e[0], Is.EqualTo(Expected(0.5, -1.5, lr, weightDecay, decayed: false)).Within(1e-14));
        Assert.That(e[1], Is.EqualTo(Expected(3.0, 0.125, lr, weightDecay, decayed: false)).Within(1e-14));
        // The decay is visible at this precision (0.999 · 1.0 vs 1.0) when it is on.
        if (weightDecay != 0) Assert.That(Math.Abs(d[0] - Expected(1.0, 0.5, lr, 0, decayed: false)), Is.GreaterThan(1e-4));
    }

    [Test]
    public void EveryParameterExemptDecaysNothing()
    {
        using var p = Param(1.0, -2.0);
        const double lr = 0.1;
        using var optimizer = new FlatAdamW([p], lr, weightDecay: 0.01, noDecay: [p]);
        Assert.That(optimizer.DecayedParameters, Is.Zero);
        SetGrad(p, 0.5, -0.25);
        optimizer.Step();
        Assert.That(Values(p)[0], Is.EqualTo(Expected(1.0, 0.5, lr, 0.01, decayed: false)).Within(1e-14));
        Assert.That(Values(p)[1], Is.EqualTo(Expected(-2.0, -0.25, lr, 0.01, decayed: false)).Within(1e-14));
    }
}
