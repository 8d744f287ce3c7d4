using BenchmarkDotNet.Attributes;
using POSLayerFreeze.Analysis;
using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Benchmarks;

/// <summary>
/// <c>poslf probe</c>'s two costs on MiniLM (CPU): <c>Extract</c>, the frozen encoder over the first
/// <see cref="Sentences"/> EWT train sentences keeping all 7 hidden states at each word's first sub-token (windows
/// ≤ 128, batches of 64, as the default probe profile); <c>Train</c>, one probe (the default profile: C = 1,
/// standardised, L-BFGS to 1e-4) on the last hidden state of those words. Columns: <c>RealTok/s</c> counts words
/// here; <c>TrainState</c> is the fp32 features held (words × 384 × 7); <c>PeakRSSΔ</c> the peak resident memory
/// over the case above the RSS before its setup. The whole command is extraction over train + dev + test and one
/// Train per hidden state, so these two scale it: words ÷ (words/s).
/// </summary>
public class ProbeBenchmarks
{
    private TokenClassifier? _model;
    private SentenceWindow[][] _windows = [];
    private int[] _wordCounts = [];
    private int _padId;
    private double[,] _features = new double[0, 0];
    private int[] _gold = [];
    private long _rssBefore;
    private long _featureBytes;
    private string _method = "";

    [Params(64)]
    public int Sentences { get; set; }

    private static readonly int[] AllStates = [0, 1, 2, 3, 4, 5, 6];

    [GlobalSetup(Target = nameof(Extract))]
    public void SetupExtract() => Setup(nameof(Extract));

    [GlobalSetup(Target = nameof(Train))]
    public void SetupTrain() => Setup(nameof(Train));

    private void Setup(string method)
    {
        _method = method;
        BenchEnvironment.ResetPeakRss();
        _rssBefore = BenchEnvironment.Rss()?.Current ?? 0;
        var source = ModelCatalog.Resolve(Environment.GetEnvironmentVariable("POSLF_BENCH_MINILM_DIR") is { Length: > 0 } d ? d : ModelCatalog.DefaultModel);
        _model = ModelCatalog.CreateClassifier(source, Upos.Count);
        var tokenizer = WordTokenizers.For(source);
        _padId = tokenizer.PadId;
        var sentences = ConlluReader.Read(DatasetLocator.Locate("train", TaggingBenchmarks.DataDir())).Take(Sentences).ToArray();
        _windows = sentences.Select(s => tokenizer.Windows(s.Forms(), s.UposIds(), ProbeProfile.Default.MaxLength)).ToArray();
        _wordCounts = sentences.Select(s => s.Words.Count).ToArray();
        _gold = sentences.SelectMany(s => s.UposIds()).ToArray();
        var features = Extract();   // also the warm-up
        _features = features.Matrix(AllStates[^1]);
        _featureBytes = (long)features.Words * features.Hidden * AllStates.Length * sizeof(float);
        if (_gold.Any(g => g < 0)) throw new InvalidDataException("EWT train words all have a UPOS; the benchmark assumes it");
    }

    [Benchmark(Baseline = true)]
    public LayerFeatures Extract() => LayerFeatures.Extract(_model!, _windows, _wordCounts, AllStates, ProbeProfile.Default.BatchSize, _padId);

    [Benchmark]
    public ProbeFit Train() => LinearProbe.Train(_features, _gold, Upos.Count, ProbeProfile.Default).Fit;

    [GlobalCleanup]
    public void Cleanup()
    {
        var rss = BenchEnvironment.Rss();
        BenchMetrics.Record(typeof(ProbeBenchmarks), _method, [(nameof(Sentences), Sentences)],
            new CaseMetrics(_gold.Length, _gold.Length, _featureBytes, rss is { } r ? r.Peak - _rssBefore : null, null));
        _model?.Dispose();
        _model = null;
    }
}
