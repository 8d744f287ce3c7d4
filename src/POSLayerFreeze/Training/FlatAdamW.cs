using TorchSharp.Modules;
using static TorchSharp.torch;

namespace POSLayerFreeze.Training;

/// <summary>
/// AdamW (decoupled weight decay, PyTorch's update rule) over one flat buffer that every trainable parameter
/// views into, with the gradients in a second flat buffer. One step is seven kernels for the whole model instead
/// of about nine per parameter tensor, which is where TorchSharp's managed AdamW spends its time on a GPU.
/// Frozen parameters are never given to it. Numerically equal to <c>torch.optim.AdamW</c> within float rounding
/// (tested), with one learning rate for all parameters and weight decay on those not listed as exempt: the decayed
/// parameters are laid out first in the flat buffer, so decay is one kernel over a prefix of it (Hugging Face
/// Trainer's two parameter groups, decay and no decay, in one buffer).
/// </summary>
public sealed class FlatAdamW : IDisposable
{
    private readonly Tensor _params;
    private readonly Tensor _grads;
    private readonly Tensor _expAvg;
    private readonly Tensor _expAvgSq;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _eps;
    private readonly double _weightDecay;
    private readonly long _decayed;
    private long _step;

    /// <param name="noDecay">Parameters that get no weight decay (Hugging Face: biases and LayerNorm weights).</param>
    public FlatAdamW(IReadOnlyList<Parameter> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0.01, IReadOnlyCollection<Parameter>? noDecay = null)
    {
        if (parameters.Count == 0) throw new ArgumentException("nothing to optimize: every parameter is frozen", nameof(parameters));
        var device = parameters[0].device;
        var dtype = parameters[0].dtype;
        if (parameters.Any(p => p.device.type != device.type || p.device.index != device.index || p.dtype != dtype))
            throw new ArgumentException("all parameters must share one device and dtype (move the model before building the optimizer)");
        if (parameters.Distinct().Count() != parameters.Count) throw new ArgumentException("a parameter is listed twice");
        LearningRate = learningRate;
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
        _weightDecay = weightDecay;
        HashSet<Parameter> exempt = noDecay is null ? [] : new(noDecay, ReferenceEqualityComparer.Instance);
        // Decayed parameters first (in the given order), then the exempt ones: decay touches a prefix of the buffer.
        var ordered = parameters.Where(p => !exempt.Contains(p)).Concat(parameters.Where(p => exempt.Contains(p))).ToArray();
        _decayed = parameters.Where(p => !exempt.Contains(p)).Sum(p => p.numel());
        var total = parameters.Sum(p => p.numel());
        using var noGrad = no_grad();
        _params = empty(total, dtype: dtype, device: device);
        _grads = zeros(total, dtype: dtype, device: device);
        _expAvg = zeros(total, dtype: dtype, device: device);
        _expAvgSq = zeros(total, dtype: dtype, device: device);
        long offset = 0;
        foreach (var p in ordered)
        {
            var n = p.numel();
            var shape = p.shape;
            var paramView = _params.narrow(0, offset, n).view(shape);
            paramView.copy_(p);
            // The parameter now lives inside the flat buffer; autograd accumulates its gradient in place into the
            // flat gradient buffer because .grad is already defined.
            p.set_(paramView);
            p.grad = _grads.narrow(0, offset, n).view(shape);
            offset += n;
        }
    }

    public double LearningRate { get; set; }

    /// <summary>Elements that receive weight decay (the rest are exempt).</summary>
    public long DecayedParameters => _decayed;

    public long StepCount => _step;

    public void ZeroGrad() => _grads.zero_();

    /// <summary>The L2 norm of all gradients (a device scalar: reading it is the caller's host sync).</summary>
    public Tensor GradNorm() => _grads.norm();

    /// <summary>
    /// <c>torch.nn.utils.clip_grad_norm_</c> over the flat gradients: scale by min(1, maxNorm / (norm + 1e-6)),
    /// computed on the device (no host sync). Returns the norm before clipping (a device scalar).
    /// </summary>
    public Tensor ClipGradNorm(double maxNorm)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNorm);
        using var noGrad = no_grad();
        var norm = _grads.norm();
        using var coefficient = (maxNorm / (norm + 1e-6)).clamp_max(1.0);
        _grads.mul_(coefficient);
        return norm;
    }

    public void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        _step++;
        var lr = LearningRate;
        if (_decayed > 0 && _weightDecay != 0) _params.narrow(0, 0, _decayed).mul_(1 - lr * _weightDecay);
        _expAvg.lerp_(_grads, 1 - _beta1);
        _expAvgSq.mul_(_beta2).addcmul_(_grads, _grads, 1 - _beta2);
        var biasCorrection1 = 1 - Math.Pow(_beta1, _step);
        var biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(_beta2, _step));
        var denom = _expAvgSq.sqrt().div_(biasCorrection2Sqrt).add_(_eps);
        _params.addcdiv_(_expAvg, denom, -lr / biasCorrection1);
    }

    public void Dispose()
    {
        _grads.Dispose();
        _expAvg.Dispose();
        _expAvgSq.Dispose();
        // _params is shared with the model's parameters, which own it from now on.
    }
}
