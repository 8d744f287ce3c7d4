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
/// Trainer's two parameter groups, decay and no decay, in one buffer). With layer-wise rates or a freeze schedule
/// (<see cref="ForGroups"/>) each unit is a slice with its own rate and step count, updated by its own kernels.
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
    private readonly Segment[] _segments;
    private long _step;

    /// <summary>One group's contiguous slice of the flat buffers (its decayed parameters first), with its own rate
    /// scale and step count: PyTorch's param group, whose parameters each count their own steps from their first
    /// update, which within a group are the same steps.</summary>
    private sealed class Segment(string name, double scale, Tensor parameters, Tensor grads, Tensor expAvg, Tensor expAvgSq, long decayed)
    {
        public string Name { get; } = name;
        public double Scale { get; } = scale;
        public Tensor Params { get; } = parameters;
        public Tensor Grads { get; } = grads;
        public Tensor ExpAvg { get; } = expAvg;
        public Tensor ExpAvgSq { get; } = expAvgSq;
        public long Decayed { get; } = decayed;
        public long Step { get; set; }
        public bool Active { get; set; } = true;
    }

    /// <param name="noDecay">Parameters that get no weight decay (Hugging Face: biases and LayerNorm weights).</param>
    public FlatAdamW(IReadOnlyList<Parameter> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0.01, IReadOnlyCollection<Parameter>? noDecay = null)
        : this([new ParameterGroup(LayerRates.All, NotEmpty(parameters ?? throw new ArgumentNullException(nameof(parameters)), nameof(parameters)))],
            learningRate, beta1, beta2, eps, weightDecay, noDecay)
    {
    }

    /// <summary>
    /// An AdamW over several parameter groups, each with its own learning-rate scale (<see cref="LayerRates"/>) and step
    /// count, each of which can leave and rejoin the optimizer (<see cref="SetActive"/>). One group is exactly the
    /// single-group optimizer: the same buffer layout and the same kernels.
    /// </summary>
    public static FlatAdamW ForGroups(IReadOnlyList<ParameterGroup> groups, double learningRate, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0.01, IReadOnlyCollection<Parameter>? noDecay = null) =>
        new(NotEmpty(groups ?? throw new ArgumentNullException(nameof(groups)), nameof(groups)), learningRate, beta1, beta2, eps, weightDecay, noDecay);

    private static IReadOnlyList<Parameter> NotEmpty(IReadOnlyList<Parameter> parameters, string name) =>
        parameters.Count > 0 ? parameters : throw new ArgumentException("nothing to optimize: every parameter is frozen", name);

    private static IReadOnlyList<ParameterGroup> NotEmpty(IReadOnlyList<ParameterGroup> groups, string name) =>
        groups.Any(g => g.Parameters.Count > 0) ? groups : throw new ArgumentException("nothing to optimize: every parameter is frozen", name);

    private FlatAdamW(IReadOnlyList<ParameterGroup> groups, double learningRate, double beta1, double beta2,
        double eps, double weightDecay, IReadOnlyCollection<Parameter>? noDecay)
    {
        var parameters = groups.SelectMany(g => g.Parameters).ToArray();
        var device = parameters[0].device;
        var dtype = parameters[0].dtype;
        if (parameters.Any(p => p.device.type != device.type || p.device.index != device.index || p.dtype != dtype))
            throw new ArgumentException("all parameters must share one device and dtype (move the model before building the optimizer)");
        if (parameters.Distinct().Count() != parameters.Length) throw new ArgumentException("a parameter is listed twice");
        if (groups.Select(g => g.Name).Distinct(StringComparer.Ordinal).Count() != groups.Count) throw new ArgumentException("a group name is listed twice");
        LearningRate = learningRate;
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
        _weightDecay = weightDecay;
        HashSet<Parameter> exempt = noDecay is null ? [] : new(noDecay, ReferenceEqualityComparer.Instance);
        var total = parameters.Sum(p => p.numel());
        using var noGrad = no_grad();
        _params = empty(total, dtype: dtype, device: device);
        _grads = zeros(total, dtype: dtype, device: device);
        _expAvg = zeros(total, dtype: dtype, device: device);
        _expAvgSq = zeros(total, dtype: dtype, device: device);
        var segments = new List<Segment>();
        long offset = 0;
        foreach (var group in groups.Where(g => g.Parameters.Count > 0))
        {
            // Decayed parameters first (in the given order), then the exempt ones: decay touches a prefix of the group.
            var ordered = group.Parameters.Where(p => !exempt.Contains(p)).Concat(group.Parameters.Where(exempt.Contains)).ToArray();
            var decayed = group.Parameters.Where(p => !exempt.Contains(p)).Sum(p => p.numel());
            var length = group.Parameters.Sum(p => p.numel());
            segments.Add(new Segment(group.Name, group.LearningRateScale, _params.narrow(0, offset, length), _grads.narrow(0, offset, length),
                _expAvg.narrow(0, offset, length), _expAvgSq.narrow(0, offset, length), decayed));
            _decayed += decayed;
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
        _segments = [.. segments];
    }

    public double LearningRate { get; set; }

    /// <summary>Elements that receive weight decay (the rest are exempt).</summary>
    public long DecayedParameters => _decayed;

    /// <summary>Steps taken by the optimizer (by any group).</summary>
    public long StepCount => _step;

    /// <summary>The groups' names, in buffer order.</summary>
    public IReadOnlyList<string> Groups => _segments.Select(s => s.Name).ToArray();

    /// <summary>Updates <paramref name="group"/> has received since it last joined (its bias-correction step).</summary>
    public long GroupStepCount(string group) => Find(group).Step;

    public bool IsActive(string group) => Find(group).Active;

    /// <summary>The group's first and second moments (views into the optimizer's state; do not keep them past it).</summary>
    public (Tensor ExpAvg, Tensor ExpAvgSq) Moments(string group) => (Find(group).ExpAvg, Find(group).ExpAvgSq);

    /// <summary>
    /// Takes <paramref name="group"/> out of the optimizer or brings it back. An inactive group gets no update, no weight
    /// decay and no moment update: its parameters stay bit-identical. Leaving drops its moments; joining starts it with
    /// zero moments and step 0, so its first update is bias-corrected as step 1 (PyTorch's AdamW for a param group
    /// added with <c>add_param_group</c>, whose state is created at its first step). Its parameters must not receive
    /// gradients while inactive (requires_grad false), or the global gradient norm would count them.
    /// </summary>
    public void SetActive(string group, bool active)
    {
        var segment = Find(group);
        if (segment.Active == active) return;
        using var noGrad = no_grad();
        segment.ExpAvg.zero_();
        segment.ExpAvgSq.zero_();
        segment.Grads.zero_();
        segment.Step = 0;
        segment.Active = active;
    }

    private Segment Find(string group) => _segments.FirstOrDefault(s => s.Name == group)
        ?? throw new ArgumentException($"no parameter group '{group}' (groups: {string.Join(", ", _segments.Select(s => s.Name))})", nameof(group));

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
        foreach (var segment in _segments.Where(s => s.Active))
        {
            segment.Step++;
            var lr = LearningRate * segment.Scale;
            if (segment.Decayed > 0 && _weightDecay != 0) segment.Params.narrow(0, 0, segment.Decayed).mul_(1 - lr * _weightDecay);
            segment.ExpAvg.lerp_(segment.Grads, 1 - _beta1);
            segment.ExpAvgSq.mul_(_beta2).addcmul_(segment.Grads, segment.Grads, 1 - _beta2);
            var biasCorrection1 = 1 - Math.Pow(_beta1, segment.Step);
            var biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(_beta2, segment.Step));
            var denom = segment.ExpAvgSq.sqrt().div_(biasCorrection2Sqrt).add_(_eps);
            segment.Params.addcdiv_(segment.ExpAvg, denom, -lr / biasCorrection1);
        }
    }

    public void Dispose()
    {
        foreach (var segment in _segments)
        {
            segment.Grads.Dispose();
            segment.ExpAvg.Dispose();
            segment.ExpAvgSq.Dispose();
            segment.Params.Dispose();   // a view: the buffer itself lives on in the model's parameters
        }
        _grads.Dispose();
        _expAvg.Dispose();
        _expAvgSq.Dispose();
        // _params is shared with the model's parameters, which own it from now on.
    }
}
