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

    public static Tensor LongTensor(JsonArray rows) =>
        tensor(rows.SelectMany(r => r!.AsArray().Select(v => v!.GetValue<long>())).ToArray(),
            [rows.Count, rows[0]!.AsArray().Count], dtype: ScalarType.Int64);

    /// <summary>Nested JSON arrays of numbers → a float tensor of the same shape.</summary>
    public static Tensor FloatTensor(JsonNode node)
    {
        var shape = new List<long>();
        for (var n = node; n is JsonArray a; n = a[0]) shape.Add(a.Count);
        var values = new List<float>();
        void Flatten(JsonNode x)
        {
            if (x is JsonArray a) foreach (var item in a) Flatten(item!);
            else values.Add((float)x.GetValue<double>());
        }
        Flatten(node);
        return tensor(values.ToArray(), shape.ToArray(), dtype: ScalarType.Float32);
    }

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a - b).abs().max().item<float>();
    }

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

    /// <summary>Loads a tiny fixture with its classifier and an eval/no-grad forward that keeps hidden states.</summary>
    public static (Tensor Logits, List<Tensor> Hidden) RunFixture(TokenClassifier model, JsonObject expected)
    {
        model.eval();
        using var noGrad = no_grad();
        var hidden = new List<Tensor>();
        var logits = model.ForwardWithHiddenStates(
            LongTensor(expected["input_ids"]!.AsArray()), LongTensor(expected["attention_mask"]!.AsArray()), hidden);
        return (logits, hidden);
    }
}
