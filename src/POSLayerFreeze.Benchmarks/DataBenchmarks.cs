using BenchmarkDotNet.Attributes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Benchmarks;

/// <summary>
/// Read all of EWT train (gzip, validated) and tokenize every sentence with a fresh aligner, so the per-word cache
/// starts cold as in a real run. Target: ≤ 3 s on 2 cores. Data: --data-dir rules apply through POSLF_DATA_DIR, else
/// shared/datasets beside the repository; vocab: POSLF_VOCAB, else the shared bert-base-uncased vocab.
/// </summary>
[MemoryDiagnoser]
public class ReadAndTokenizeTrain
{
    private string _trainPath = "";
    private string _vocabPath = "";

    [GlobalSetup]
    public void Locate()
    {
        var shared = FindShared();
        var dataDir = Environment.GetEnvironmentVariable(DatasetLocator.EnvironmentVariable) is { Length: > 0 } env
            ? env
            : Path.Combine(shared ?? throw new DirectoryNotFoundException("set POSLF_DATA_DIR"), "datasets", "ud-english-ewt");
        _trainPath = DatasetLocator.Locate("train", dataDir);
        _vocabPath = Environment.GetEnvironmentVariable("POSLF_VOCAB") is { Length: > 0 } vocab
            ? vocab
            : Path.Combine(shared ?? throw new DirectoryNotFoundException("set POSLF_VOCAB"), "fixtures", "hf-tiny", "bert-base-uncased-vocab.txt");
    }

    [Benchmark]
    public int ReadOnly() => ConlluReader.Read(_trainPath).Sum(s => s.Words.Count);

    [Benchmark(Baseline = true)]
    public int ReadAndTokenize()
    {
        var aligner = WordPieceAligner.FromVocab(_vocabPath, lowercase: true);
        int tokens = 0;
        foreach (var sentence in ConlluReader.Read(_trainPath))
        {
            tokens += aligner.Windows(sentence.Forms(), sentence.UposIds(), 512).Sum(w => w.Length);
        }
        return tokens;
    }

    private static string? FindShared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared"), Path.Combine(dir.FullName, "..", "shared") })
            {
                if (Directory.Exists(Path.Combine(candidate, "datasets", "ud-english-ewt"))) return Path.GetFullPath(candidate);
            }
        }
        return null;
    }
}
