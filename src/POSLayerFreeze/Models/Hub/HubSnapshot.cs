using System.Text;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Models.Hub;

/// <summary>One file of a resolved Hub model and the sha256 of its bytes.</summary>
public sealed record HubFile(string Name, string Sha256);

/// <summary>
/// Which Hub model a run read: the repository, the revision asked for, the commit it resolved to and every file read
/// with its sha256. <see cref="Identity"/> goes into the model identity (so into metrics.json and the inputs hash).
/// </summary>
public sealed record HubSnapshot(string Repo, string Revision, string Commit, IReadOnlyList<HubFile> Files)
{
    /// <summary>Fetched first: its model_type decides which tokenizer files the rest of the snapshot needs.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>
    /// The files the harness reads from a Hub model besides its weights, once <paramref name="folder"/> holds
    /// config.json: it and the tokenizer files of its family's kind (vocab.txt; vocab.json + merges.txt;
    /// tokenizer.json). Without config.json, just config.json. tokenizer_config.json may be absent (defaults apply).
    /// </summary>
    public static IReadOnlyList<string> RequiredFiles(string folder)
    {
        var config = Path.Combine(folder, ConfigFile);
        return File.Exists(config) ? [ConfigFile, .. TokenizerFiles.Required(TokenizerFiles.KindOf(config))] : [ConfigFile];
    }

    /// <summary>The weights, one of which must be present: model.safetensors when the repository has it, else pytorch_model.bin.</summary>
    public static IReadOnlyList<string> WeightsFiles => CheckpointFile.Names;

    public const string OptionalFile = "tokenizer_config.json";

    /// <summary><c>REPO@COMMIT</c>: the model's name in results, pinned to what was read whatever the revision asked for.</summary>
    public string Name => $"{Repo}@{Commit}";

    /// <summary><c>hub:REPO@COMMIT:FILE=SHA256,…</c>, files in ordinal order.</summary>
    public string Identity
    {
        get
        {
            var text = new StringBuilder("hub:").Append(Name).Append(':');
            text.AppendJoin(',', Files.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => $"{f.Name}={f.Sha256}"));
            return text.ToString();
        }
    }

    /// <summary>Hashes the files present in <paramref name="folder"/> (links followed): the weights file read, not both.</summary>
    public static HubSnapshot Read(HubModelId id, string commit, string folder)
    {
        ArgumentNullException.ThrowIfNull(id);
        var weights = CheckpointFile.Find(folder) is { } path ? [Path.GetFileName(path)] : Array.Empty<string>();
        var files = RequiredFiles(folder).Concat(weights).Append(OptionalFile).Order(StringComparer.Ordinal)
            .Where(f => File.Exists(Path.Combine(folder, f)))
            .Select(f => new HubFile(f, FileFingerprint.Sha256(Path.Combine(folder, f)))).ToArray();
        return new HubSnapshot(id.Repo, id.Revision, commit, files);
    }
}
