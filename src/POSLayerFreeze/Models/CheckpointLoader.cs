using System.Globalization;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Models;

/// <summary>Thrown when a checkpoint does not match the model: lists every missing, unexpected and mis-shaped key.</summary>
public sealed class CheckpointMismatchException(string message, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected,
    IReadOnlyList<string> misShaped) : Exception(message)
{
    public IReadOnlyList<string> Missing { get; } = missing;
    public IReadOnlyList<string> Unexpected { get; } = unexpected;
    public IReadOnlyList<string> MisShaped { get; } = misShaped;
}

/// <summary>What a strict load did: how many tensors were copied, and which checkpoint keys were allowed and ignored.</summary>
public sealed record CheckpointLoadReport(int Loaded, IReadOnlyList<string> Ignored);

/// <summary>
/// Loads Hugging Face-named tensors into a <see cref="TokenClassifier"/> strictly. TorchSharp's load_state_dict
/// copies without checking shapes, so every key and shape is checked here first and nothing is copied unless all
/// match. Checkpoint keys may carry the family prefix (<c>distilbert.</c>, <c>bert.</c>: task and MLM checkpoints)
/// or not (bare <c>BertModel</c> saves); keys the model lacks are refused unless they are on the allow-list.
/// </summary>
public static class CheckpointLoader
{
    /// <summary>
    /// Checkpoint keys (after the family prefix is removed) that belong to heads or buffers this harness does not
    /// use: BERT's pooler and pre-training heads, DistilBERT's MLM head, and position/token-type id buffers.
    /// </summary>
    public static IReadOnlyList<string> AllowedUnusedPatterns { get; } =
    [
        "pooler.*",
        "cls.*",
        "vocab_transform.*",
        "vocab_layer_norm.*",
        "vocab_projector.*",
        "embeddings.position_ids",
        "embeddings.token_type_ids",
    ];

    /// <summary>
    /// Loads the encoder (and, with <paramref name="loadClassifier"/>, the token-classification head) from
    /// <paramref name="tensors"/>. Without it, a checkpoint's own <c>classifier.*</c> is ignored: the 17-tag head
    /// is freshly initialised and must not inherit a head trained for another label set.
    /// </summary>
    public static CheckpointLoadReport Load(TokenClassifier model, IReadOnlyDictionary<string, SafetensorsEntry> tensors,
        bool loadClassifier, string source)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tensors);
        var prefix = model.Encoder.CheckpointPrefix + ".";
        var prefixed = tensors.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal));

        // Map checkpoint keys to model keys (the model's state dict uses the prefix).
        var byModelKey = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        var ignored = new List<string>();
        foreach (var (key, entry) in tensors)
        {
            string modelKey;
            if (key.StartsWith("classifier.", StringComparison.Ordinal))
            {
                if (!loadClassifier)
                {
                    ignored.Add(key);
                    continue;
                }
                modelKey = key;
            }
            else if (prefixed)
            {
                if (!key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    // Heads beside the encoder in a task/MLM checkpoint (cls.*, vocab_transform.*).
                    (IsAllowedUnused(key) ? ignored : unexpected).Add(key);
                    continue;
                }
                modelKey = key;
            }
            else
            {
                modelKey = prefix + key;
            }
            byModelKey[modelKey] = entry;
        }

        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        var missing = new List<string>();
        var misShaped = new List<string>();
        foreach (var (name, parameter) in parameters)
        {
            if (!loadClassifier && name.StartsWith("classifier.", StringComparison.Ordinal)) continue;
            if (!byModelKey.TryGetValue(name, out var entry))
            {
                missing.Add(CheckpointKey(name, prefix, prefixed));
                continue;
            }
            if (!entry.Shape.SequenceEqual(parameter.shape))
            {
                misShaped.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{CheckpointKey(name, prefix, prefixed)}: checkpoint [{string.Join(", ", entry.Shape)}], model [{string.Join(", ", parameter.shape)}]"));
            }
        }
        foreach (var modelKey in byModelKey.Keys.Where(k => !parameters.ContainsKey(k)))
        {
            var key = CheckpointKey(modelKey, prefix, prefixed);
            var bare = modelKey.StartsWith(prefix, StringComparison.Ordinal) ? modelKey[prefix.Length..] : modelKey;
            (IsAllowedUnused(bare) ? ignored : unexpected).Add(key);
        }

        if (missing.Count + unexpected.Count + misShaped.Count > 0)
        {
            throw Mismatch(source, missing, unexpected, misShaped);
        }

        using (no_grad())
        {
            foreach (var (name, parameter) in parameters)
            {
                if (!byModelKey.TryGetValue(name, out var entry)) continue;
                using var value = tensor(entry.Data, entry.Shape.ToArray(), dtype: ScalarType.Float32);
                parameter.copy_(value);
            }
        }
        ignored.Sort(StringComparer.Ordinal);
        return new CheckpointLoadReport(byModelKey.Count(kv => parameters.ContainsKey(kv.Key)), ignored);
    }

    /// <summary>True when <paramref name="key"/> (without family prefix) matches <see cref="AllowedUnusedPatterns"/>.</summary>
    public static bool IsAllowedUnused(string key) => AllowedUnusedPatterns.Any(pattern =>
        pattern.EndsWith(".*", StringComparison.Ordinal)
            ? key.StartsWith(pattern[..^1], StringComparison.Ordinal)
            : key == pattern);

    private static string CheckpointKey(string modelKey, string prefix, bool prefixed) =>
        prefixed || !modelKey.StartsWith(prefix, StringComparison.Ordinal) ? modelKey : modelKey[prefix.Length..];

    private static CheckpointMismatchException Mismatch(string source, List<string> missing, List<string> unexpected, List<string> misShaped)
    {
        missing.Sort(StringComparer.Ordinal);
        unexpected.Sort(StringComparer.Ordinal);
        misShaped.Sort(StringComparer.Ordinal);
        var text = new StringBuilder($"{source} does not match the model:");
        void Section(string title, List<string> items)
        {
            if (items.Count == 0) return;
            text.Append(CultureInfo.InvariantCulture, $"\n  {title} ({items.Count}):");
            foreach (var item in items) text.Append("\n    ").Append(item);
        }
        Section("missing", missing);
        Section("unexpected", unexpected);
        Section("mis-shaped", misShaped);
        return new CheckpointMismatchException(text.ToString(), missing, unexpected, misShaped);
    }
}
