using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Models;

/// <summary>A trained tagger read back: the model, its tokenizer and the window length it was trained with.</summary>
public sealed record LoadedTagger(TokenClassifier Model, WordTokenizer Tokenizer, int MaxLength, string Directory) : IDisposable
{
    public void Dispose() => Model.Dispose();
}

/// <summary>
/// A fine-tuned tagger as a Hugging Face folder that <c>AutoModelForTokenClassification.from_pretrained</c> and our
/// own loader both read: <c>config.json</c> (the encoder's config.json as it was, plus <c>architectures</c>,
/// <c>id2label</c>, <c>label2id</c>), <c>model.safetensors</c> (every parameter under its Hugging Face name, F32),
/// the tokenizer files of the encoder's kind (<c>vocab.txt</c>; <c>vocab.json</c> + <c>merges.txt</c>; <c>tokenizer.json</c>;
/// byte for byte) and <c>tokenizer_config.json</c> (<c>do_lower_case</c> or the encoder's own, and
/// <c>model_max_length</c> = the window length the run used, so tagging splits sentences exactly as evaluation did).
/// </summary>
public static class TaggerCheckpoint
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string VocabFile = "vocab.txt";
    public const string TokenizerConfigFile = "tokenizer_config.json";
    /// <summary>Our key in config.json for a tagger trained in bf16 (absent: fp32); Hugging Face ignores unknown keys.</summary>
    public const string PrecisionKey = "poslf_precision";

    /// <summary>Writes the folder (each file atomically, the weights last) and returns file name → sha256.</summary>
    public static IReadOnlyDictionary<string, string> Save(TokenClassifier model, ModelSource source, int maxLength, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        if (model.NumLabels != Upos.Count) throw new ArgumentException($"a tagger has {Upos.Count} labels, this model {model.NumLabels}", nameof(model));
        Directory.CreateDirectory(directory);

        var config = JsonNode.Parse(File.ReadAllText(source.ConfigPath)) as JsonObject
            ?? throw new InvalidDataException($"{source.ConfigPath}: not a JSON object");
        // A drop-top-K run fine-tunes fewer layers than the encoder it started from: the folder must say so to reload.
        if (model.Config.NumLayers != source.Config.NumLayers) config[model.Config.Family.Layers.Field] = model.Config.NumLayers;
        config["architectures"] = new JsonArray(model.Config.Family.TokenClassificationArchitecture);
        config["id2label"] = new JsonObject(Upos.Tags.Select((tag, id) => KeyValuePair.Create(id.ToString(Invariant.Culture), (JsonNode?)tag)));
        config["label2id"] = new JsonObject(Upos.Tags.Select((tag, id) => KeyValuePair.Create(tag, (JsonNode?)id)));
        // Weights are saved in fp32 either way; a bf16 run's tagger says so, so tagging computes as its evaluation did.
        if (model.Precision != Precision.Fp32) config[PrecisionKey] = "bf16";
        AtomicFile.WriteAllText(Path.Combine(directory, ConfigFile), Invariant.ToJson(config) + "\n");

        // The encoder's tokenizer settings as Hugging Face names them, plus the class and the run's window.
        var tokenizerConfig = source.Tokenizer?.ToJson() ?? SourceTokenizerConfig(source);
        tokenizerConfig["tokenizer_class"] = model.Config.Family.TokenizerClass;
        tokenizerConfig["model_max_length"] = maxLength;
        AtomicFile.WriteAllText(Path.Combine(directory, TokenizerConfigFile), Invariant.ToJson(tokenizerConfig) + "\n");
        // The kind's files byte for byte (vocab.txt; vocab.json + merges.txt; tokenizer.json), so tagging tokenizes as training did.
        var tokenizerFiles = TokenizerFiles.Required(source.Kind);
        foreach (var file in tokenizerFiles)
            AtomicFile.WriteAllBytes(Path.Combine(directory, file), File.ReadAllBytes(Path.Combine(source.Directory, file)));

        var tensors = model.named_parameters().Select(p =>
        {
            using var cpu = p.parameter.detach().to(CPU).contiguous();
            return new SafetensorsEntry(p.name, "F32", cpu.shape, cpu.data<float>().ToArray());
        }).ToArray();
        Safetensors.Write(Path.Combine(directory, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt" });

        return new[] { ConfigFile, TokenizerConfigFile, WeightsFile }.Concat(tokenizerFiles)
            .Order(StringComparer.Ordinal)
            .ToDictionary(f => f, f => Sha256(Path.Combine(directory, f)), StringComparer.Ordinal);
    }

    /// <summary>
    /// A byte-level BPE or Unigram encoder's own tokenizer_config.json (its special tokens, add_prefix_space), or an
    /// empty object when it has none (the kinds' defaults apply).
    /// </summary>
    private static JsonObject SourceTokenizerConfig(ModelSource source)
    {
        var path = Path.Combine(source.Directory, TokenizerConfigFile);
        if (!File.Exists(path)) return [];
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
    }

    /// <summary>
    /// Reads a saved tagger: strict load of encoder and head, labels checked against the 17 UD tags in order, the
    /// window length from tokenizer_config.json (the encoder's maximum when absent). Moved to <paramref name="device"/>.
    /// </summary>
    public static LoadedTagger Load(string directory, Device? device = null)
    {
        var source = ModelCatalog.Resolve(directory);
        var labels = Labels(source.ConfigPath)
            ?? throw new InvalidDataException($"{source.ConfigPath}: no id2label (not a token-classification model saved by poslf run --save-model)");
        if (!labels.SequenceEqual(Upos.Tags))
        {
            throw new InvalidDataException(
                $"{source.ConfigPath}: id2label is [{string.Join(", ", labels)}], not the 17 UD UPOS tags in order ({string.Join(", ", Upos.Tags)})");
        }
        var maxLength = source.Config.MaxPositions;
        var tokenizerConfig = Path.Combine(source.Directory, TokenizerConfigFile);
        if (File.Exists(tokenizerConfig))
        {
            try
            {
                if (JsonNode.Parse(File.ReadAllText(tokenizerConfig))?["model_max_length"] is { } m) maxLength = Math.Min(maxLength, m.GetValue<int>());
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"{tokenizerConfig}: model_max_length is not an integer ({e.Message})", e);
            }
        }
        var precision = SavedPrecision(source.ConfigPath);
        var model = ModelCatalog.LoadTokenClassificationCheckpoint(source.Directory);
        try
        {
            model.Precision = precision;
            if (precision == Precision.Bf16 && Bf16Support.Refusal(device ?? CPU) is { } why)
                throw new InvalidOperationException($"{source.ConfigPath}: a tagger trained in bf16 tags in bf16, but {why}");
            if (model.NumLabels != Upos.Count)
                throw new InvalidDataException($"{source.WeightsPath}: classifier has {model.NumLabels} outputs but id2label names {Upos.Count}");
            if (device is not null && device.type != DeviceType.CPU) model.to(device);
            model.eval();
            return new LoadedTagger(model, WordTokenizers.For(source), maxLength, source.Directory);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The precision a saved tagger's config.json records (fp32 when it names none).</summary>
    public static Precision SavedPrecision(string configPath)
    {
        var node = JsonNode.Parse(File.ReadAllText(configPath))?[PrecisionKey];
        if (node is null) return Precision.Fp32;
        return node.GetValueKind() == JsonValueKind.String && node.GetValue<string>() == "bf16"
            ? Precision.Bf16
            : throw new InvalidDataException($"{configPath}: {PrecisionKey} must be \"bf16\" (or absent for fp32), found {node.ToJsonString()}");
    }

    /// <summary>id2label of a config.json in id order, or null when it has none.</summary>
    public static IReadOnlyList<string>? Labels(string configPath)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(configPath));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{configPath}: not valid JSON: {e.Message}", e);
        }
        if (root?["id2label"] is not JsonObject map) return null;
        var labels = new string[map.Count];
        foreach (var (key, value) in map)
        {
            if (!int.TryParse(key, System.Globalization.NumberStyles.None, Invariant.Culture, out var id) || id >= labels.Length || labels[id] is not null)
                throw new InvalidDataException($"{configPath}: id2label key '{key}' is not one of the ids 0..{labels.Length - 1}");
            labels[id] = value?.GetValue<string>() ?? throw new InvalidDataException($"{configPath}: id2label['{key}'] is null");
        }
        return labels;
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
