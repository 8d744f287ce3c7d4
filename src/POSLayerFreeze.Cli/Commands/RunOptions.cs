using System.CommandLine;
using System.Globalization;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Cli.Commands;

/// <summary>
/// <c>poslf run</c>'s flags and the one translation of them into a <see cref="StudyRequest"/>, used by
/// <c>poslf run</c> and by <c>poslf slurm submit</c> (which checks the options its tasks will get). A new flag is an
/// option here, one line in <see cref="All"/>, one in <see cref="ToRequest"/> (the request's new property), and, if
/// the library checks its value, its field's line in <see cref="FieldFlags"/>.
/// </summary>
internal sealed class RunOptions(Option<string?> dataDir)
{
    public Option<string?> Suite { get; } = new("--suite") { Description = "baseline | slpf | clpf | study | methods (default: study; methods: baseline, gradual-4s, freezeout-0.5, llrd-0.8, random-init, drop-top-2)" };
    public Option<string?> Configs { get; } = new("--configs") { Description = "Comma-separated freeze plans instead of a suite, e.g. baseline,slpf-1,clpf-0+1+2,all" };
    public ProfileOptions Profile { get; } = new();
    public Option<string?> Seeds { get; } = new("--seeds") { Description = "Comma-separated seeds (default: the profile's: 42 for smoke, 42,43,44 for full)" };
    public Option<string> Model { get; } = new("--model") { Description = "minilm (embedded default) or arctic-xs (embedded), a Hugging Face model folder (BERT, DistilBERT, RoBERTa, XLM-R: config.json, model.safetensors or pytorch_model.bin, and vocab.txt, vocab.json + merges.txt or tokenizer.json), or a Hub id (distilbert-base-uncased, roberta-base, ORG/NAME, ORG/NAME@REVISION) fetched into the Hugging Face cache", DefaultValueFactory = _ => "minilm" };
    public Option<string> Device { get; } = new("--device") { Description = "cpu | cuda | cuda:N", DefaultValueFactory = _ => "cpu" };
    public Option<string?> OutDir { get; } = new("--out") { Description = "Results folder (default: runs/<profile>)" };
    public Option<string?> Shard { get; } = new("--shard") { Description = "i/n: run only shard i of n (deterministic split of configs × seeds); slurm: this Slurm array task's shard" };
    public Option<int> Parallel { get; } = new("--parallel") { Description = "Run N shards concurrently as child processes (on a GPU: several configurations at once)", DefaultValueFactory = _ => 1 };
    public Option<bool> Tf32 { get; } = new("--tf32") { Description = "Allow TF32 matmuls on CUDA (faster, recorded in results; off by default)" };
    public Option<bool> CachedPrefix { get; } = new("--cached-prefix") { Description = "Opt-in, changes the protocol: when the embeddings and layers 0..k are frozen, compute their output once per sentence (no dropout there) and train only the rest; recorded in metrics.json and the inputs hash" };
    public Option<string?> Treebank { get; } = new("--treebank") { Description = "Any Universal Dependencies treebank folder holding exactly one *-ud-train.conllu[.gz], *-ud-dev… and *-ud-test… (else $POSLF_TREEBANK; --data-dir is for UD English EWT)" };
    public Option<bool> SaveModel { get; } = new("--save-model") { Description = "Keep each run's fine-tuned tagger as a Hugging Face folder <run>/model (config.json, model.safetensors, tokenizer_config.json and the tokenizer's files: vocab.txt, vocab.json + merges.txt or tokenizer.json; about 90 MB for minilm), listed with checksums in metrics.json; for poslf tag" };
    public Option<bool> NoSummary { get; } = new("--no-summary") { Description = "Do not write summary.json/summary.md/result.png (shards)" };
    public Option<bool> Wait { get; } = new("--wait") { Description = "If another poslf is writing to --out, wait for it to finish instead of failing" };

    public IEnumerable<Option> All =>
        new Option[] { Suite, Configs, Seeds, Model, Device, OutDir, dataDir, Treebank, Shard, Parallel, Tf32, CachedPrefix, SaveModel, NoSummary, Wait }.Concat(Profile.All);

    /// <summary>The study the flags ask for. Only what is the CLI's own to check is checked here (a seed that is no
    /// integer, an empty value); the library checks the rest and names the field.</summary>
    public StudyRequest ToRequest(ParseResult parse)
    {
        var device = parse.GetValue(Device)!;
        var profile = Profile.Resolve(parse, DevicePolicy.DefaultProfile(device));
        var configs = parse.GetValue(Configs);
        return new StudyRequest
        {
            Profile = profile,
            OutDir = parse.GetValue(OutDir) is { } outText ? RunCommands.NotEmpty(outText, "--out", "a results folder") : Path.Combine("runs", profile.Name),
            Model = RunCommands.NotEmpty(parse.GetValue(Model), "--model", "a model (minilm, arctic-xs, a Hugging Face model folder or a Hub id)"),
            Device = device,
            Configs = configs?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Suite = parse.GetValue(Suite),
            Seeds = parse.GetValue(Seeds) is { } seeds ? ParseSeeds(seeds) : null,
            DataDir = parse.GetValue(dataDir),
            TreebankDir = parse.GetValue(Treebank),
            Tf32 = parse.GetValue(Tf32),
            CachedPrefix = parse.GetValue(CachedPrefix),
            SaveModel = parse.GetValue(SaveModel),
            MaxLengthAsked = parse.GetValue(Profile.MaxLength) is not null,
            Shard = parse.GetValue(Shard),
            Parallel = parse.GetValue(Parallel),
            WriteSummary = !parse.GetValue(NoSummary),
            Wait = parse.GetValue(Wait),
        };
    }

    /// <summary>--seeds: comma-separated integers, at least one.</summary>
    internal static long[] ParseSeeds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new UsageException("no seeds given", "--seeds");
        return parts.Select(x => long.TryParse(x, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : throw new UsageException($"'{x}' is not an integer seed", "--seeds")).ToArray();
    }
}

/// <summary>
/// The one place a run's own arguments become a shard's: a <c>--parallel</c> child's and a Slurm array task's
/// (and the merge that follows the tasks). A shard runs exactly the arguments the user gave, so it plans the very
/// runs its parent planned; only the options that place it are added, and for Slurm refused from the user.
/// </summary>
internal static class ShardArguments
{
    /// <summary>This poslf by absolute path (dotnet host + dll, or the apphost): shards run the build that started them.</summary>
    public static string[] Poslf()
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this process is unknown");
        return Path.GetFileNameWithoutExtension(host) == "dotnet" ? [host, typeof(ShardArguments).Assembly.Location] : [host];
    }

    /// <summary>Child <paramref name="index"/> of <c>--parallel <paramref name="count"/></c>: the parent's tokens (from
    /// <c>run</c> on) without <c>--parallel</c>, plus <c>--shard i/n --no-summary</c>.</summary>
    public static IReadOnlyList<string> ForChild(IReadOnlyList<string> runTokens, int index, int count)
    {
        var words = new List<string>(Poslf());
        for (var i = 0; i < runTokens.Count; i++)
        {
            if (runTokens[i] == "--parallel") { i++; continue; }
            if (runTokens[i].StartsWith("--parallel=", StringComparison.Ordinal)) continue;
            words.Add(runTokens[i]);
        }
        words.AddRange(["--shard", string.Create(CultureInfo.InvariantCulture, $"{index}/{count}"), "--no-summary"]);
        return words;
    }

    /// <summary>A Slurm array task's command up to its shard folder, which the script appends after <c>--out</c>.</summary>
    public static IReadOnlyList<string> ForSlurmTask(IReadOnlyList<string> runArguments, string outDir)
    {
        foreach (var argument in runArguments)
        {
            if (argument is "--shard" or "--out" or "--parallel" or "--no-summary" || argument.StartsWith("--shard=", StringComparison.Ordinal)
                || argument.StartsWith("--out=", StringComparison.Ordinal) || argument.StartsWith("--parallel=", StringComparison.Ordinal))
                throw new UsageException($"'{argument}' is set by poslf slurm submit itself: each task runs one shard into {outDir}/shards", argument);
        }
        return [.. Poslf(), "run", .. runArguments, "--shard", Cluster.SlurmArrayTask.ShardKeyword, "--no-summary", "--out"];
    }

    /// <summary>The merge job's command: every shard folder into the merged folder.</summary>
    public static IReadOnlyList<string> ForMerge(IReadOnlyList<string> shardDirs, string mergedDir) => [.. Poslf(), "merge", .. shardDirs, "--out", mergedDir];
}
