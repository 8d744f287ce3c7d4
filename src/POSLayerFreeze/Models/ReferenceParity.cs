using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Models;

/// <summary>
/// Our forward pass against reference outputs, on any device: a Hugging Face checkpoint folder with the
/// <c>expected.json</c> that transformers wrote (logits and every hidden state in eval mode), or the same model on
/// another device (CUDA against the CPU result, which the tests prove against ONNX Runtime).
/// </summary>
public static class ReferenceParity
{
    /// <summary>Max |ours − reference| per tensor: logits, hidden_states[0..L].</summary>
    public static IReadOnlyList<(string Tensor, double MaxAbsDiff)> AgainstExpected(string checkpointDir, Device device)
    {
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(checkpointDir, "expected.json")))!.AsObject();
        using var model = ModelCatalog.LoadTokenClassificationCheckpoint(checkpointDir);
        return Compare(model, expected, device, checkpointDir);
    }

    /// <summary>
    /// Runs <paramref name="model"/> in eval mode on the inputs of an <c>expected.json</c> and returns max |ours −
    /// reference| for the logits, then hidden_states[0..L] (embeddings output, then each layer).
    /// </summary>
    public static IReadOnlyList<(string Tensor, double MaxAbsDiff)> Compare(TokenClassifier model, JsonObject expected, Device device,
        string source = "expected.json")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(expected);
        using var scope = NewDisposeScope();
        model.to(device);
        model.eval();
        using var noGrad = no_grad();
        var ids = LongTensor(expected["input_ids"]!).to(device);
        var mask = LongTensor(expected["attention_mask"]!).to(device);
        var hidden = new List<Tensor>();
        var logits = model.ForwardWithHiddenStates(ids, mask, hidden);
        var diffs = new List<(string, double)> { ("logits", MaxAbsDiff(logits, FloatTensor(expected["logits"]!))) };
        var expectedHidden = expected["hidden_states"]!.AsArray();
        if (expectedHidden.Count != hidden.Count)
            throw new InvalidDataException($"{source}: {expectedHidden.Count} hidden states expected, the model produced {hidden.Count}");
        for (var i = 0; i < hidden.Count; i++) diffs.Add(($"hidden_states[{i}]", MaxAbsDiff(hidden[i], FloatTensor(expectedHidden[i]!))));
        return diffs;
    }

    /// <summary>
    /// The same pretrained encoder on <paramref name="device"/> and on the CPU over padded batches of token ids:
    /// max |difference| of the last hidden state at real (unpadded) positions.
    /// </summary>
    public static double DeviceAgainstCpu(ModelSource source, IReadOnlyList<int[]> sentences, Device device, int batchSize = 16)
    {
        using var scope = NewDisposeScope();
        var config = source.Config;
        using var cpuModel = ModelCatalog.CreateClassifier(source, 17);
        using var deviceModel = ModelCatalog.CreateClassifier(source, 17, device);
        cpuModel.eval();
        deviceModel.eval();
        using var noGrad = no_grad();
        var worst = 0.0;
        for (var start = 0; start < sentences.Count; start += batchSize)
        {
            using var batchScope = NewDisposeScope();
            var batch = sentences.Skip(start).Take(batchSize).ToArray();
            var length = batch.Max(s => s.Length);
            var ids = new long[batch.Length * length];
            var mask = new long[batch.Length * length];
            Array.Fill(ids, config.PadTokenId);
            for (var r = 0; r < batch.Length; r++)
                for (var t = 0; t < batch[r].Length; t++) { ids[r * length + t] = batch[r][t]; mask[r * length + t] = 1; }
            var idsT = tensor(ids, [batch.Length, length]);
            var maskT = tensor(mask, [batch.Length, length]);
            var onCpu = cpuModel.Encoder.Encode(idsT, maskT);                                    // [B, T, H]
            var onDevice = deviceModel.Encoder.Encode(idsT.to(device), maskT.to(device)).to(CPU);
            var real = maskT.unsqueeze(-1).to(float32);
            worst = Math.Max(worst, ((onCpu - onDevice).abs() * real).max().item<float>());
        }
        return worst;
    }

    private static Tensor LongTensor(JsonNode node)
    {
        var rows = node.AsArray();
        var values = rows.SelectMany(r => r!.AsArray().Select(v => v!.GetValue<long>())).ToArray();
        return tensor(values, [rows.Count, values.Length / rows.Count]);
    }

    private static Tensor FloatTensor(JsonNode node)
    {
        var shape = new List<long>();
        for (var n = node; n is JsonArray a; n = a.Count > 0 ? a[0] : null) shape.Add(a.Count);
        var values = new List<float>();
        void Flatten(JsonNode? n)
        {
            if (n is JsonArray a) { foreach (var c in a) Flatten(c); }
            else values.Add(n!.GetValue<float>());
        }
        Flatten(node);
        return tensor(values.ToArray(), shape.ToArray());
    }

    private static double MaxAbsDiff(Tensor ours, Tensor reference) => (ours.to(CPU) - reference).abs().max().item<float>();
}
