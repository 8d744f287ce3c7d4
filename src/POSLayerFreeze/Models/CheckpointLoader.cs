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
/// or not (bare <c>BertModel</c> saves); keys the model lacks are refused unless the family names them as known heads
/// or buffers (<see cref="EncoderFamily.UnusedCheckpointKeys"/>).
/// </summary>
public static class CheckpointLoader
{
    /// <summary>
    /// Loads the encoder (and, with <paramref name="loadClassifier"/>, the token-classification head) from
    /// <paramref name="tensors"/>. Without it, a checkpoint's own <c>classifier.*</c> is ignored: the 17-tag head
    /// is freshly initialised and must not inherit a head trained for another label set.
    /// </summary>
    public static CheckpointLoadReport Load(TokenClassifier model, IReadOnlyDictionary<string, SafetensorsEntry> tensors,
        bool loadClassifier, string source)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return Load(model, tensors.ToDictionary(kv => kv.Key, kv => kv.Value.Shape, StringComparer.Ordinal), loadClassifier, source, _ => tensors);
    }

    /// <summary>
    /// As <see cref="Load(TokenClassifier, IReadOnlyDictionary{string, SafetensorsEntry}, bool, string)"/>, from a
    /// model.safetensors or pytorch_model.bin file (<see cref="CheckpointFile"/>): every key and shape is checked
    /// against its header alone, and only the tensors the model uses are then read. An unused tensor (not a known head
    /// of the family) or a mis-shaped one, however large it claims to be, is refused before any tensor data is read;
    /// allowed unused ones are never read.
    /// </summary>
    public static CheckpointLoadReport LoadFile(TokenClassifier model, string weightsPath, bool loadClassifier)
    {
        var shapes = CheckpointFile.ReadHeader(weightsPath).ToDictionary(e => e.Name, e => (IReadOnlyList<long>)e.Shape, StringComparer.Ordinal);
        return Load(model, shapes, loadClassifier, weightsPath, names => CheckpointFile.Read(weightsPath, names));
    }

    private static CheckpointLoadReport Load(TokenClassifier model, IReadOnlyDictionary<string, IReadOnlyList<long>> shapes,
        bool loadClassifier, string source, Func<IReadOnlyCollection<string>, IReadOnlyDictionary<string, SafetensorsEntry>> read)
    {
        ArgumentNullException.ThrowIfNull(model);
        var family = model.Config.Family;
        var prefix = family.CheckpointPrefix + ".";
        var prefixed = shapes.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal));

        // Map checkpoint keys to model keys (the model's state dict uses the prefix).
        var byModelKey = new Dictionary<string, (string Key, IReadOnlyList<long> Shape)>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        var ignored = new List<string>();
        foreach (var (key, shape) in shapes)
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
                    (family.IsKnownUnused(key) ? ignored : unexpected).Add(key);
                    continue;
                }
                modelKey = key;
            }
            else
            {
                modelKey = prefix + key;
            }
            byModelKey[modelKey] = (key, shape);
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
            (family.IsKnownUnused(bare) ? ignored : unexpected).Add(key);
        }

        if (missing.Count + unexpected.Count + misShaped.Count > 0)
        {
            throw Mismatch(source, missing, unexpected, misShaped);
        }

        var used = parameters.Keys.Where(byModelKey.ContainsKey).Select(k => byModelKey[k].Key).ToArray();
        var data = read(used);
        using (no_grad())
        {
            foreach (var (name, parameter) in parameters)
            {
                if (!byModelKey.TryGetValue(name, out var mapped)) continue;
                var entry = data[mapped.Key];
                using var value = tensor(entry.Data, entry.Shape.ToArray(), dtype: ScalarType.Float32);
                parameter.copy_(value);
            }
        }
        ignored.Sort(StringComparer.Ordinal);
        return new CheckpointLoadReport(byModelKey.Count(kv => parameters.ContainsKey(kv.Key)), ignored);
    }

    /// <summary>
    /// Checks config.json against the weights' header before the model is allocated: every config field that sizes a
    /// parameter (the family's <see cref="EncoderFamily.EmbeddingSizes"/> and <see cref="EncoderFamily.LayerSizes"/>,
    /// and the layer count) must agree with the tensor it sizes. The model built afterwards is then no larger than the
    /// tensors the file really holds: a config claiming vocab_size 2e9 cannot make libtorch allocate 256 GB.
    /// </summary>
    public static void CheckConfig(EncoderConfig config, IReadOnlyList<TensorHeader> header, string configPath, string weightsPath)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(header);
        var family = config.Family;
        var prefix = family.CheckpointPrefix + ".";
        var (layers, layersField) = family.Layers;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var e in header) shapes[e.Name.StartsWith(prefix, StringComparison.Ordinal) ? e.Name[prefix.Length..] : e.Name] = e.Shape;

        void Expect(SizedTensor sized)
        {
            if (!shapes.TryGetValue(sized.Key, out var shape))
                throw new CheckpointFormatException($"{weightsPath}: no tensor '{prefix}{sized.Key}' (or '{sized.Key}'), which {configPath} field {sized.Field} sizes");
            if (shape.Length != 2 || shape[sized.Dimension] != sized.Value)
                throw new CheckpointFormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{configPath}: {sized.Field} {sized.Value} does not match {weightsPath} (tensor '{sized.Key}' is [{string.Join(", ", shape)}])"));
        }
        foreach (var sized in family.EmbeddingSizes(config)) Expect(sized);
        var present = shapes.Keys.Where(k => k.StartsWith(layers, StringComparison.Ordinal))
            .Select(k => k[layers.Length..].Split('.')[0])
            .Select(i => int.TryParse(i, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .Where(n => n >= 0).Distinct().Count();
        if (present != config.NumLayers)
            throw new CheckpointFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{configPath}: {layersField} {config.NumLayers} does not match {weightsPath} ({present} layer(s) under '{prefix}{layers}')"));
        for (var layer = 0; layer < config.NumLayers; layer++)
            foreach (var sized in family.LayerSizes(config, layer)) Expect(sized);
    }

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
