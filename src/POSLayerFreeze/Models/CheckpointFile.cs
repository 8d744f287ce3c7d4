using POSLayerFreeze.Models.PyTorch;

namespace POSLayerFreeze.Models;

/// <summary>A tensor as a checkpoint's header describes it: name, dtype (safetensors notation: F32, I64, …) and shape.</summary>
public sealed record TensorHeader(string Name, string DType, long[] Shape);

/// <summary>
/// The weights of a Hugging Face model folder, in either format Hugging Face writes: <c>model.safetensors</c>
/// (preferred, as transformers prefers it) or <c>pytorch_model.bin</c> (torch.save, read by
/// <see cref="PyTorchCheckpoint"/> without running its pickle). Both answer the same two questions: the header
/// (checked against config.json before anything is allocated) and the F32 tensors the model uses.
/// </summary>
public static class CheckpointFile
{
    public const string SafetensorsName = "model.safetensors";
    public const string PyTorchName = "pytorch_model.bin";

    /// <summary>The weights file names in the order they are preferred when a folder has both.</summary>
    public static IReadOnlyList<string> Names { get; } = [SafetensorsName, PyTorchName];

    /// <summary>The preferred weights file of <paramref name="directory"/>, or null when it has none.</summary>
    public static string? Find(string directory) =>
        Names.Select(name => Path.Combine(directory, name)).FirstOrDefault(File.Exists);

    public static IReadOnlyList<TensorHeader> ReadHeader(string path) => IsPyTorch(path)
        ? PyTorchCheckpoint.ReadHeader(path)
        : Safetensors.ReadHeader(path).Select(e => new TensorHeader(e.Name, e.DType, e.Shape)).ToArray();

    /// <summary>The tensors named in <paramref name="names"/> (all when null), F32 only.</summary>
    public static IReadOnlyDictionary<string, SafetensorsEntry> Read(string path, IReadOnlyCollection<string>? names = null) => IsPyTorch(path)
        ? PyTorchCheckpoint.Read(path, names)
        : Safetensors.Read(path, names);

    /// <summary>By the name Hugging Face gives the file (<c>*.bin</c>, <c>*.pt</c>, <c>*.pth</c> are torch.save's); anything else is safetensors.</summary>
    private static bool IsPyTorch(string path) =>
        Path.GetExtension(path) is ".bin" or ".pt" or ".pth";
}
