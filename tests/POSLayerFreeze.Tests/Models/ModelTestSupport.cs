using System.Text.Json.Nodes;
using POSLayerFreeze.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Models;

/// <summary>Fixture locations and small tensor helpers shared by the model tests.</summary>
internal static class ModelTestSupport
{
    /// <summary>The copied Hugging Face tiny checkpoint folders (tests/…/Fixtures, copied to the output).</summary>
    public static string TinyDir(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>Writes a raw safetensors file from a header object and a data section (for malformed inputs).</summary>
    public static string WriteRaw(string path, string headerJson, byte[] data, ulong? declaredHeaderLength = null)
    {
        var header = System.Text.Encoding.UTF8.GetBytes(headerJson);
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes(declaredHeaderLength ?? (ulong)header.Length));
        stream.Write(header);
        stream.Write(data);
        return path;
    }

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "poslf-models-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
