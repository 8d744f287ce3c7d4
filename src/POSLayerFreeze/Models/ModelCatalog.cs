using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Models;

/// <summary>
/// A resolved pretrained encoder: a Hugging Face directory (config.json + model.safetensors or pytorch_model.bin +
/// the tokenizer files of its family's kind, <see cref="Models.TokenizerFiles"/>) and, for WordPiece, its tokenizer's
/// settings (tokenizer_config.json; null for the other kinds, which read their own). <see cref="VocabPath"/> is
/// vocab.txt, vocab.json or tokenizer.json. <see cref="Name"/> is an embedded encoder's name
/// (<c>minilm</c>, <c>arctic-xs</c>), the directory's name or, for a
/// Hub model, <c>REPO@COMMIT</c>.
/// </summary>
public sealed record ModelSource(string Name, string Directory, EncoderConfig Config, string ConfigPath, string WeightsPath,
    string VocabPath, Tokenization.BertTokenizerSettings? Tokenizer)
{
    /// <summary>Every file whose bytes decide the ids (<see cref="Models.TokenizerFiles.Hashed"/>); just vocab.txt for WordPiece.</summary>
    public IReadOnlyList<string> TokenizerFiles { get; init; } = [VocabPath];

    /// <summary>How this model's text becomes ids: its family's kind.</summary>
    public TokenizerKind Kind => Config.Family.Tokenizer;

    /// <summary>The repository, commit and file hashes of a model resolved from a Hub id; null for embedded encoders and folders.</summary>
    public Hub.HubSnapshot? Hub { get; init; }

    /// <summary>WordPiece's do_lower_case; false for the other kinds (they never lowercase).</summary>
    public bool Lowercase => Tokenizer?.DoLowerCase ?? false;

    /// <summary>Hugging Face model_type: <c>distilbert</c>, <c>bert</c>, <c>roberta</c> or <c>xlm-roberta</c> (see <see cref="EncoderFamilies"/>).</summary>
    public string Family => Config.ModelType;
}

/// <summary>
/// Model selection for everything downstream: <c>--model minilm</c> (the default) or another embedded encoder
/// (<see cref="EmbeddedEncoders"/>: <c>arctic-xs</c>), <c>--model PATH</c> (a
/// Hugging Face directory such as a local <c>distilbert-base-uncased</c>) or <c>--model ID[@REVISION]</c> (a Hub
/// model, fetched into Hugging Face's cache: <see cref="Hub.HubModels"/>). An existing directory wins over a Hub id.
/// </summary>
public static class ModelCatalog
{
    public static string DefaultModel => EmbeddedEncoders.MiniLM.Name;

    /// <summary>Resolves a model spec; an embedded encoder is converted into the cache on first use.</summary>
    public static ModelSource Resolve(string spec) => Resolve(spec, Hub.HubSettings.FromEnvironment);

    /// <summary>As <see cref="Resolve(string)"/>, with the Hub's settings given (read only when a Hub id is named).</summary>
    public static ModelSource Resolve(string spec, Func<Hub.HubSettings> hubSettings)
    {
        ArgumentNullException.ThrowIfNull(hubSettings);
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        if (EmbeddedEncoders.Find(spec) is { } embedded)
        {
            var cached = embedded.EnsureCached();
            return FromDirectory(cached.Directory, embedded.Name);
        }
        var directory = Path.GetFullPath(spec);
        if (!System.IO.Directory.Exists(directory))
        {
            if (Hub.HubModelId.TryParse(spec, out var id))
            {
                var (folder, snapshot) = Hub.HubModels.Resolve(id, hubSettings());
                return FromDirectory(folder, snapshot.Name) with { Hub = snapshot };
            }
            throw new DirectoryNotFoundException(
                $"--model '{spec}': not an embedded model ({string.Join(", ", EmbeddedEncoders.All.Select(e => e.Name))}), not a directory and not a Hub id such as distilbert-base-uncased or ORG/NAME@REVISION (expected a Hugging Face folder with config.json, model.safetensors or pytorch_model.bin, and vocab.txt, vocab.json + merges.txt or tokenizer.json)");
        }
        var name = Path.GetFileName(directory.TrimEnd(Path.DirectorySeparatorChar));
        return FromDirectory(directory, name);
    }

    private static ModelSource FromDirectory(string directory, string name)
    {
        var configPath = Path.Combine(directory, "config.json");
        var weightsPath = CheckpointFile.Find(directory);
        var weightsMissing = weightsPath is null ? [string.Join(" or ", CheckpointFile.Names)] : Array.Empty<string>();
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"{directory}: missing {string.Join(", ", weightsMissing.Prepend("config.json"))}");
        // The family (config.json's model_type) decides which tokenizer files the folder must hold.
        var config = EncoderConfig.FromFile(configPath);
        var kind = config.Family.Tokenizer;
        var tokenizerMissing = TokenizerFiles.Required(kind).Where(f => !File.Exists(Path.Combine(directory, f))).ToList();
        var missing = weightsMissing.Concat(tokenizerMissing).ToList();
        if (missing.Count > 0)
        {
            var why = tokenizerMissing.Count > 0 ? $" (a {config.ModelType} model's tokenizer reads {string.Join(" + ", TokenizerFiles.Required(kind))})" : "";
            throw new FileNotFoundException($"{directory}: missing {string.Join(", ", missing)}{why}");
        }
        // Checked when the model is named, before anything is allocated or trained (see CheckConfig, CheckVocabulary).
        CheckpointLoader.CheckConfig(config, CheckpointFile.ReadHeader(weightsPath!), configPath, weightsPath!);
        var vocabPath = Path.Combine(directory, TokenizerFiles.Required(kind)[0]);
        if (kind != TokenizerKind.WordPiece)
        {
            TokenizerFiles.CheckIds(kind, directory, config.VocabSize, configPath);
            return new ModelSource(name, directory, config, configPath, weightsPath!, vocabPath, Tokenizer: null)
            {
                TokenizerFiles = TokenizerFiles.Hashed(kind, directory),
            };
        }
        // Without tokenizer_config.json, Hugging Face's BertTokenizer defaults apply (uncased: lowercase, strip accents),
        // whatever the folder is called.
        var tokenizerConfig = Path.Combine(directory, "tokenizer_config.json");
        var tokenizer = File.Exists(tokenizerConfig)
            ? Tokenization.BertTokenizerSettings.FromFile(tokenizerConfig)
            : Tokenization.BertTokenizerSettings.Uncased;
        CheckVocabulary(vocabPath, tokenizer, config.VocabSize, configPath);
        return new ModelSource(name, directory, config, configPath, weightsPath!, vocabPath, tokenizer);
    }

    /// <summary>
    /// vocab.txt must fit the embeddings (an id at or past vocab_size would index outside them, inside libtorch) and
    /// hold the special tokens the tokenizer emits. Read line by line as Hugging Face reads it: one entry per line,
    /// whether lines end in LF, CRLF or CR; a token on several lines counts once per line (its last line is its id).
    /// </summary>
    private static void CheckVocabulary(string vocabPath, Tokenization.BertTokenizerSettings tokenizer, int vocabSize, string configPath)
    {
        var specials = new[] { ("unk_token", tokenizer.UnkToken), ("cls_token", tokenizer.ClsToken), ("sep_token", tokenizer.SepToken), ("pad_token", tokenizer.PadToken) };
        var found = new HashSet<string>(StringComparer.Ordinal);
        long entries = 0;
        foreach (var line in File.ReadLines(vocabPath))
        {
            entries++;
            if (entries > vocabSize)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"{vocabPath}: more than {vocabSize} entries, but {configPath} has vocab_size {vocabSize} (ids from {vocabSize} on have no embedding)"));
            if (specials.Any(sp => sp.Item2 == line)) found.Add(line);
        }
        foreach (var (field, token) in specials)
            if (!found.Contains(token))
                throw new InvalidDataException($"{vocabPath}: no '{token}' entry (the tokenizer's {field}); every word piece not in the vocabulary becomes {tokenizer.UnkToken}");
    }

    /// <summary>
    /// True when the checkpoint carries a head for exactly these labels: <c>classifier.weight</c> [numLabels, hidden]
    /// and a config.json whose id2label is the 17 UD tags in order (a tagger saved by <c>poslf run --save-model</c>).
    /// A head trained for another label set (LABEL_0…, NER tags) is never inherited.
    /// </summary>
    public static bool HasOwnHead(ModelSource source, IReadOnlyList<TensorHeader> header, int numLabels)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(header);
        return numLabels == Data.Upos.Count
            && header.FirstOrDefault(e => e.Name == "classifier.weight") is { } head
            && head.Shape.SequenceEqual([numLabels, (long)source.Config.HiddenSize])
            && TaggerCheckpoint.Labels(source.ConfigPath) is { } labels && labels.SequenceEqual(Data.Upos.Tags);
    }

    /// <summary>
    /// A token classifier with the pretrained encoder loaded strictly and, unless the checkpoint has its own head for
    /// these labels (<see cref="HasOwnHead"/>: a saved tagger), a fresh head (N(0, 0.02), zero bias) drawn
    /// from torch's default generator: seed it with <c>torch.manual_seed</c> before calling. Moved to
    /// <paramref name="device"/> last (build the optimizer afterwards: moving replaces parameters).
    /// </summary>
    public static TokenClassifier CreateClassifier(ModelSource source, int numLabels, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var header = CheckpointFile.ReadHeader(source.WeightsPath);
        CheckpointLoader.CheckConfig(source.Config, header, source.ConfigPath, source.WeightsPath);
        var model = new TokenClassifier(source.Config, numLabels);
        try
        {
            // Drawn even when a saved head replaces it, so the generator is in the same state either way.
            model.InitializeClassifier();
            CheckpointLoader.LoadFile(model, source.WeightsPath, loadClassifier: HasOwnHead(source, header, numLabels));
            if (device is not null && device.type != DeviceType.CPU) model.to(device);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads a Hugging Face token-classification checkpoint as is, its classifier included (parity tests,
    /// evaluating a trained model). numLabels comes from the checkpoint's classifier.
    /// </summary>
    public static TokenClassifier LoadTokenClassificationCheckpoint(string directory)
    {
        var configPath = Path.Combine(directory, "config.json");
        var config = EncoderConfig.FromFile(configPath);
        var weightsPath = CheckpointFile.Find(directory)
            ?? throw new FileNotFoundException($"{directory}: missing {string.Join(" or ", CheckpointFile.Names)}");
        var header = CheckpointFile.ReadHeader(weightsPath);
        CheckpointLoader.CheckConfig(config, header, configPath, weightsPath);
        if (header.FirstOrDefault(e => e.Name == "classifier.weight") is not { } head || head.Shape.Length != 2)
        {
            throw new CheckpointMismatchException($"{weightsPath}: not a token-classification checkpoint (no 2-D classifier.weight)",
                ["classifier.weight"], [], []);
        }
        var model = new TokenClassifier(config, checked((int)head.Shape[0]));
        try
        {
            CheckpointLoader.LoadFile(model, weightsPath, loadClassifier: true);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
