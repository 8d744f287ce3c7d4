using POSLayerFreeze.Data;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tokenization;
using POSLayerFreeze.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace POSLayerFreeze.Benchmarks;

/// <summary>The two model sizes benchmarked: the embedded pretrained MiniLM and a randomly initialised DistilBERT-base-sized encoder.</summary>
public enum BenchModel
{
    /// <summary>all-MiniLM-L6-v2 (BERT, hidden 384, 6 layers), pretrained, embedded.</summary>
    Minilm,

    /// <summary><see cref="DistilBertConfig"/> defaults (hidden 768, 6 layers, FFN 3072), random init: speed only.</summary>
    Distilbert,
}

/// <summary>Which optimizer a harness steps with.</summary>
public enum BenchOptimizer
{
    /// <summary>The trainer's <see cref="FlatAdamW"/>.</summary>
    Flat,

    /// <summary>TorchSharp's managed <c>torch.optim.AdamW</c> (the state before the flat optimizer).</summary>
    Torch,
}

/// <summary>
/// One training step as the trainer runs it (<see cref="Trainer.Backward"/>, then clipping when the profile asks, the
/// AdamW step and zeroed gradients, with the full profile's optimizer settings and decay groups) on a batch staged on
/// the device once as one padded batch (its fixed shape is what the step benchmarks compare), so a timed step has no
/// host sync. The torch-AdamW variant swaps only the update. <see cref="Dispose"/> releases the model and
/// optimizer state.
/// </summary>
public sealed class TrainingHarness : IDisposable
{
    private static readonly TrainingProfile Profile = TrainingProfile.Full;
    private readonly FlatAdamW? _flat;
    private readonly optim.Optimizer? _torchOptimizer;
    private readonly Tensor _lossSum;
    private readonly List<(SentenceWindow[] Windows, int PadId)> _hostBatches = [];
    private readonly List<StepBatch> _deviceBatches = [];
    private int _next;
    private readonly PrefixCache? _prefix;

    public TrainingHarness(BenchModel model, string config, IReadOnlyList<PaddedBatch> batches, BenchOptimizer optimizer = BenchOptimizer.Flat,
        bool tf32 = false, long seed = 42, bool cachedPrefix = false, Precision precision = Precision.Fp32)
    {
        ArgumentNullException.ThrowIfNull(batches);
        Device = BenchEnvironment.ResolveDevice();
        if (Device.type == DeviceType.CUDA) backends.cuda.matmul.allow_tf32 = tf32;
        TorchRuntime.Seed(seed);
        Model = CreateModel(model, Device);
        Model.Precision = precision;
        Plan = FreezePlan.Parse(config, Model.Config.NumLayers);
        Trainable = Plan.Apply(Model);
        if (optimizer == BenchOptimizer.Flat)
        {
            _flat = Trainer.CreateOptimizer(Model, Trainable, Profile);
        }
        else
        {
            _torchOptimizer = optim.AdamW(Trainable, Profile.LearningRate, Profile.Beta1, Profile.Beta2, Profile.Epsilon, Profile.WeightDecay);
        }
        if (cachedPrefix)
        {
            // The batch rows as windows 0..B−1 of a cache (as Stage numbers them), so each step gathers their states
            // instead of running the prefix.
            var batch = batches.Count == 1 ? batches[0] : throw new ArgumentException("cached-prefix benchmarks use one batch");
            var windows = Enumerable.Range(0, batch.BatchSize).Select(row => RowWindow(batch, row)).ToArray();
            _prefix = PrefixCache.Build(Model, windows, padId: 0) ?? throw new ArgumentException($"{config}: the embeddings train, nothing to cache");
        }
        Model.train();
        _lossSum = zeros(1, dtype: ScalarType.Float32, device: Device);
        foreach (var batch in batches)
        {
            var windows = Enumerable.Range(0, batch.BatchSize).Select(row => RowWindow(batch, row)).ToArray();
            var padId = (int)batch.InputIds[Array.IndexOf(batch.AttentionMask, 0L) is var pad and >= 0 ? pad : 0];
            _hostBatches.Add((windows, padId));
            _deviceBatches.Add(Stage(windows, padId, Device));
            RealTokens += batch.AttentionMask.Sum();
            PaddedTokens += (long)batch.BatchSize * batch.Length;
        }
        // Training state that lives for the whole run: every parameter, plus gradient and two moments per trainable one.
        var all = Model.parameters().Sum(p => p.numel());
        var trainable = Trainable.Sum(p => p.numel());
        StateBytes = (all + 3 * trainable) * sizeof(float);
    }

    public Device Device { get; }

    public TokenClassifier Model { get; }

    public FreezePlan Plan { get; }

    public IReadOnlyList<Parameter> Trainable { get; }

    /// <summary>How many batches the harness cycles through.</summary>
    public int BatchCount => _hostBatches.Count;

    /// <summary>Real (attended) tokens summed over the harness's batches.</summary>
    public long RealTokens { get; }

    /// <summary>Padded tokens (batch × length) summed over the harness's batches.</summary>
    public long PaddedTokens { get; }

    /// <summary>Bytes of parameters + gradients + AdamW moments (fp32).</summary>
    public long StateBytes { get; }

    /// <summary>The last loss read to the host (NaN until the first read).</summary>
    public double LastLoss { get; private set; } = double.NaN;

    public static TokenClassifier CreateModel(BenchModel model, Device device)
    {
        // POSLF_BENCH_MINILM_DIR: the converted MiniLM folder, where the embedded resource assembly is not shipped
        // (the GPU machine receives the weights as a folder; see eng/gpu/prepare.sh).
        if (model == BenchModel.Minilm)
        {
            var spec = Environment.GetEnvironmentVariable("POSLF_BENCH_MINILM_DIR") is { Length: > 0 } dir ? dir : ModelCatalog.DefaultModel;
            return ModelCatalog.CreateClassifier(ModelCatalog.Resolve(spec), Upos.Tags.Count, device);
        }
        var classifier = new TokenClassifier(new DistilBertConfig(), Upos.Tags.Count);
        classifier.InitializeClassifier();
        if (device.type != DeviceType.CPU) classifier.to(device);
        return classifier;
    }

    /// <summary>One step on the next staged batch (round robin). <paramref name="readLoss"/>: copy the loss to the host (a sync).</summary>
    public void Step(bool readLoss = false) => StepOn(_deviceBatches[NextIndex()], readLoss);

    /// <summary>One step that first copies the host batch to the device (what the trainer did before it staged every batch up front).</summary>
    public void StepFromHost(bool readLoss = false)
    {
        var (windows, padId) = _hostBatches[NextIndex()];
        using var batch = Stage(windows, padId, Device);
        StepOn(batch, readLoss);
    }

    /// <summary>Reads the accumulated loss (a host sync) and resets the accumulator.</summary>
    public double ReadLoss()
    {
        LastLoss = _lossSum.item<float>();
        _lossSum.zero_();
        return LastLoss;
    }

    private int NextIndex()
    {
        var index = _next;
        _next = (_next + 1) % _deviceBatches.Count;
        return index;
    }

    /// <summary>Process CPU time (all threads, libtorch's included) spent in steps, and the number of steps.</summary>
    public (TimeSpan Cpu, long Steps) CpuUsage => (_cpu, _steps);

    public void ResetCpuUsage() => (_cpu, _steps) = (TimeSpan.Zero, 0);

    private TimeSpan _cpu;
    private long _steps;

    private void StepOn(StepBatch batch, bool readLoss)
    {
        var cpuBefore = Environment.CpuUsage.TotalTime;
        try
        {
            StepCore(batch, readLoss);
        }
        finally
        {
            // On CPU the work is done when the step returns; on CUDA this is host time only.
            _cpu += Environment.CpuUsage.TotalTime - cpuBefore;
            _steps++;
        }
    }

    private void StepCore(StepBatch batch, bool readLoss)
    {
        using (var scope = NewDisposeScope())
        {
            var loss = Trainer.Backward(Model, _prefix, batch);
            if (_flat is not null)
            {
                // The update as Trainer.Train runs it on a step whose loss is not read.
                if (Profile.MaxGradNorm is { } max) _flat.ClipGradNorm(max);
                _flat.Step();
                _flat.ZeroGrad();
            }
            else
            {
                _torchOptimizer!.step();
                _torchOptimizer.zero_grad();
            }
            using (no_grad()) _lossSum.add_(loss);
        }
        if (readLoss) ReadLoss();
    }

    private static SentenceWindow RowWindow(PaddedBatch batch, int row)
    {
        var offset = row * batch.Length;
        var length = (int)batch.AttentionMask.AsSpan(offset, batch.Length).ToArray().Sum();
        var ids = batch.InputIds.AsSpan(offset, length).ToArray().Select(i => (int)i).ToArray();
        var labels = batch.Labels.AsSpan(offset, length).ToArray().Select(i => (int)i).ToArray();
        return new SentenceWindow(ids, labels, new int[length], 0, 1);
    }

    /// <summary>All rows as one padded step batch (no length buckets).</summary>
    private static StepBatch Stage(SentenceWindow[] windows, int padId, Device device) =>
        StepBatch.Upload(StepBatch.Pad(windows, [.. Enumerable.Range(0, windows.Length)], padId, bucketOverheadTokens: null), device);

    public void Dispose()
    {
        foreach (var batch in _deviceBatches) batch.Dispose();
        _deviceBatches.Clear();
        _prefix?.Dispose();
        _flat?.Dispose();
        _torchOptimizer?.Dispose();
        _lossSum.Dispose();
        Model.Dispose();
    }
}
