using System.Collections.Concurrent;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using Summary = BenchmarkDotNet.Reports.Summary;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Benchmarks;

/// <summary>
/// <c>poslf tag</c> throughput on the CPU: a saved MiniLM tagger (the head's values do not change the cost) over the
/// first 256 sentences of EWT dev, as CoNLL-U and as plain text (their <c># text</c> lines), reading, windowing,
/// forward passes and writing (to a null writer) included. Words/s = words per op / mean. Data: POSLF_DATA_DIR, else
/// shared/datasets beside the repository; model: POSLF_BENCH_MINILM_DIR, else the embedded MiniLM.
/// </summary>
[MemoryDiagnoser]
public class TaggingBenchmarks
{
    private const int Sentences = 256;

    /// <summary>Words per op of each input format, recorded by the setup that ran in this process.</summary>
    internal static readonly ConcurrentDictionary<string, int> WordsPerOp = new(StringComparer.Ordinal);

    private LoadedTagger? _tagger;
    private string _dir = "";
    private string _path = "";

    [Params("conllu", "text")]
    public string Input { get; set; } = "conllu";

    [GlobalSetup]
    public void Setup()
    {
        var spec = Environment.GetEnvironmentVariable("POSLF_BENCH_MINILM_DIR") is { Length: > 0 } d ? d : ModelCatalog.DefaultModel;
        var source = ModelCatalog.Resolve(spec);
        _dir = Path.Combine(Path.GetTempPath(), $"poslf-bench-tag-{Environment.ProcessId}-{Guid.NewGuid():N}");
        TorchRuntime.Seed(42);
        using (var model = ModelCatalog.CreateClassifier(source, Upos.Count))
            TaggerCheckpoint.Save(model, source, maxLength: 128, Path.Combine(_dir, "model"));
        _tagger = TaggerCheckpoint.Load(Path.Combine(_dir, "model"));

        var dev = ConlluReader.Read(DatasetLocator.Locate("dev", DataDir())).Take(Sentences).ToArray();
        _path = Path.Combine(_dir, Input == "text" ? "dev.txt" : "dev.conllu");
        if (Input == "text")
            File.WriteAllLines(_path, dev.Select(s => s.Comments.First(c => c.StartsWith("# text = ", StringComparison.Ordinal))[9..]));
        else
            File.WriteAllText(_path, string.Concat(dev.Select(s => string.Join('\n', s.Lines) + "\n\n")));
        WordsPerOp[Input] = Tag();   // also the warm-up of the first forward passes
    }

    [Benchmark]
    public int Tag() => Tagging.Tag(_tagger!, _path, _path, Input == "text" ? TagInputFormat.Text : TagInputFormat.Conllu, TextWriter.Null).Words;

    [GlobalCleanup]
    public void Cleanup()
    {
        _tagger?.Dispose();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>The EWT folder the benchmarks read (also <see cref="ProbeBenchmarks"/>).</summary>
    internal static string DataDir()
    {
        if (Environment.GetEnvironmentVariable(DatasetLocator.EnvironmentVariable) is { Length: > 0 } env) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared"), Path.Combine(dir.FullName, "..", "shared") })
            {
                var data = Path.Combine(candidate, "datasets", "ud-english-ewt");
                if (Directory.Exists(data)) return Path.GetFullPath(data);
            }
        }
        throw new DirectoryNotFoundException($"set {DatasetLocator.EnvironmentVariable} to the UD English EWT folder");
    }

    /// <summary>Words/s for the tagging cases: words per op (recorded in setup) ÷ BenchmarkDotNet's mean.</summary>
    public sealed class WordsPerSecondColumn : IColumn
    {
        public string Id => "POSLF.WordsPerSecond";
        public string ColumnName => "Words/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 2;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "words tagged per second: words per op / mean (reading, windows, forward passes and writing included)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            if (benchmarkCase.Descriptor.Type != typeof(TaggingBenchmarks) || summary[benchmarkCase]?.ResultStatistics is not { } stats) return "-";
            var input = (string)benchmarkCase.Parameters["Input"];
            return WordsPerOp.TryGetValue(input, out var words) ? (words / (stats.Mean / 1e9)).ToString("N0", CultureInfo.InvariantCulture) : "-";
        }

        public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => c.Descriptor.Type == typeof(TaggingBenchmarks));

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
