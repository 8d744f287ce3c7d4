using BenchmarkDotNet.Attributes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tokenization;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Benchmarks;

/// <summary>
/// (c) Length-grouped batches (<see cref="BatchSampler.GroupByLength"/>) against random batches of 32 (the default order),
/// over one epoch of EWT train windows (≤ 128 tokens; real lengths from the shared treebank when it is found,
/// otherwise a log-normal stand-in). Pad% is the padded share over the whole epoch; the timed op trains on the
/// epoch's batches at the 25th, 50th and 75th percentile of padded length (reported per step), so RealTok/s is
/// what each batching delivers.
/// </summary>
public class BatchingBenchmarks : TrainingBenchmarkBase
{
    private const int Steps = 3;
    private const int MaxLength = 128;
    private static readonly double[] Quantiles = [0.25, 0.5, 0.75];
    private double _paddedFraction;

    public enum Batching
    {
        Random,
        LengthGrouped,
    }

    [ParamsAllValues]
    public BenchModel Model { get; set; }

    [GlobalSetup(Target = nameof(RandomBatches))]
    public void SetupRandom() => Setup(nameof(RandomBatches), Batching.Random);

    [GlobalSetup(Target = nameof(LengthGroupedBatches))]
    public void SetupGrouped() => Setup(nameof(LengthGroupedBatches), Batching.LengthGrouped);

    [GlobalCleanup]
    public void Cleanup() => Record(_paddedFraction);

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public void RandomBatches() => Run();

    [Benchmark(OperationsPerInvoke = Steps)]
    public void LengthGroupedBatches() => Run();

    private void Run()
    {
        for (var i = 0; i < Steps; i++) Harness.Step();
        BenchEnvironment.Synchronize(Harness.Device);
    }

    private void Setup(string method, Batching batching)
    {
        var lengths = EpochLengths();
        var batches = EpochBatches(lengths, batching);
        long real = 0, padded = 0;
        foreach (var batch in batches)
        {
            real += batch.Sum(i => (long)lengths[i]);
            padded += (long)batch.Length * batch.Max(i => lengths[i]);
        }
        _paddedFraction = 1 - (double)real / padded;
        var byPadded = batches.OrderBy(b => b.Length * b.Max(i => lengths[i])).ToArray();
        var rng = new SplitMix64(11);
        var windows = lengths.Select(n => BenchBatches.Window(rng, n)).ToArray();
        var chosen = Quantiles.Select(q => PaddedBatch.Of(windows, byPadded[(int)(q * (byPadded.Length - 1))], padId: 0)).ToArray();
        Build(method, Model, "baseline", chosen);
    }

    /// <summary>One epoch's batches (seed 42, epoch 0) the way each batching cuts them.</summary>
    public static int[][] EpochBatches(IReadOnlyList<int> lengths, Batching batching)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        const int batchSize = BenchEnvironment.BatchSize;
        return BatchSampler.Batches(lengths, batchSize, batching == Batching.LengthGrouped ? BatchOrder.GroupByLength : BatchOrder.Random, 42, 0);
    }

    private static int[]? s_lengths;

    /// <summary>Window lengths of EWT train (≤ 128 tokens) when the treebank and vocabulary are found; else 12,544 log-normal ones.</summary>
    public static int[] EpochLengths()
    {
        if (s_lengths is not null) return s_lengths;
        var (train, vocab) = SharedData.Locate();
        if (train is not null && vocab is not null)
        {
            var aligner = WordPieceAligner.FromVocab(vocab, lowercase: true);
            s_lengths = ConlluReader.Read(train).SelectMany(s => aligner.Windows(s.Forms(), s.UposIds(), MaxLength)).Select(w => w.Length).ToArray();
        }
        else
        {
            var rng = new SplitMix64(5);
            s_lengths = Enumerable.Range(0, 12544).Select(_ => BenchBatches.LogNormalLength(rng, median: 20, sigma: 0.6, min: 3, max: MaxLength)).ToArray();
        }
        return s_lengths;
    }

    protected override IEnumerable<(string Name, object? Value)> ParameterValues() => [(nameof(Model), Model)];
}

/// <summary>EWT train and the bert-base-uncased vocabulary: POSLF_DATA_DIR / POSLF_VOCAB, else shared/ beside the repository.</summary>
internal static class SharedData
{
    public static (string? Train, string? Vocab) Locate()
    {
        string? shared = null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null && shared is null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared"), Path.Combine(dir.FullName, "..", "shared") })
            {
                if (Directory.Exists(Path.Combine(candidate, "datasets", "ud-english-ewt")))
                {
                    shared = Path.GetFullPath(candidate);
                    break;
                }
            }
        }
        var dataDir = Environment.GetEnvironmentVariable(DatasetLocator.EnvironmentVariable) is { Length: > 0 } env
            ? env
            : shared is null ? null : Path.Combine(shared, "datasets", "ud-english-ewt");
        var vocab = Environment.GetEnvironmentVariable("POSLF_VOCAB") is { Length: > 0 } v
            ? v
            : shared is null ? null : Path.Combine(shared, "fixtures", "hf-tiny", "bert-base-uncased-vocab.txt");
        string? train = null;
        try
        {
            if (dataDir is not null) train = DatasetLocator.Locate("train", dataDir);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            train = null;
        }
        return (train, vocab is not null && File.Exists(vocab) ? vocab : null);
    }
}
