using TorchSharp.Modules;
using static TorchSharp.torch;

namespace POSLayerFreeze.Training;

/// <summary>
/// AdamW (decoupled weight decay, PyTorch's update rule) over one flat buffer that every trainable parameter
/// views into, with the gradients in a second flat buffer. One step is seven kernels for the whole model instead
/// of about nine per parameter tensor, which is where TorchSharp's managed AdamW spends its time on a GPU.
/// Frozen parameters are never given to it. Numerically equal to <c>torch.optim.AdamW</c> within float rounding
/// (tested), with one learning rate and weight decay for all parameters, as the protocol prescribes.
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
    private long _step;

    public FlatAdamW(IReadOnlyList<Parameter> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0.01)
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
        var total = parameters.Sum(p => p.numel());
        NumParameters = total;
        using var noGrad = no_grad();
        _params = empty(total, dtype: dtype, device: device);
        _grads = zeros(total, dtype: dtype, device: device);
        _expAvg = zeros(total, dtype: dtype, device: device);
        _expAvgSq = zeros(total, dtype: dtype, device: device);
        long offset = 0;
        foreach (var p in parameters)
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

    public long NumParameters { get; }

    public long StepCount => _step;

    public void ZeroGrad() => _grads.zero_();

    public void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        _step++;
        var lr = LearningRate;
        _params.mul_(1 - lr * _weightDecay);
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
