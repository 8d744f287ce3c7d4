using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;

namespace POSLayerFreeze.Models;

/// <summary>
/// Recovers Hugging Face BERT parameter names from an ONNX export (all-MiniLM-L6-v2's). The exporter keeps the
/// names of embeddings, LayerNorms and biases but stores each Linear weight as a numbered initializer feeding a
/// <c>MatMul</c> as its right operand, transposed to [in, out]; its name is the bias of the <c>Add</c> that consumes
/// the MatMul's output (<c>X.bias</c> → <c>X.weight</c>). Weights are transposed back by construction — because
/// the graph multiplies <c>x · W</c>, never because of their shape — and a graph that does not resolve completely
/// is refused, naming what is missing.
/// </summary>
public static class OnnxBertImporter
{
    private const int OnnxFloat = 1;

    /// <summary>A graph node: op type and its input/output value names.</summary>
    public sealed record OnnxNode(string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);

    /// <summary>An initializer: name, dims, ONNX data type, and the float values when it is float32.</summary>
    public sealed record OnnxInitializer(string Name, long[] Dims, int DataType, float[]? Floats);

    /// <summary>The parts of an ONNX graph this importer reads.</summary>
    public sealed record OnnxGraph(IReadOnlyList<OnnxNode> Nodes, IReadOnlyDictionary<string, OnnxInitializer> Initializers);

    /// <summary>Converts the ONNX model bytes to Hugging Face-named F32 tensors for <paramref name="config"/>.</summary>
    public static IReadOnlyDictionary<string, SafetensorsEntry> Import(byte[] onnx, BertConfig config)
    {
        var graph = Parse(onnx);
        return Resolve(graph, ExpectedShapes(config));
    }

    /// <summary>Every encoder key of a BERT model with <paramref name="config"/> and its shape.</summary>
    public static IReadOnlyDictionary<string, long[]> ExpectedShapes(BertConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var model = new BertModel(config);
        return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape, StringComparer.Ordinal);
    }

    /// <summary>Names weights from the graph topology; refuses unresolved, missing or mis-shaped parameters.</summary>
    public static IReadOnlyDictionary<string, SafetensorsEntry> Resolve(OnnxGraph graph, IReadOnlyDictionary<string, long[]> expected)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(expected);
        var result = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        var problems = new List<string>();

        // Named initializers: already Hugging Face names (embeddings, LayerNorm, biases).
        foreach (var init in graph.Initializers.Values.Where(i => expected.ContainsKey(i.Name)))
        {
            if (init.Floats is null)
            {
                problems.Add($"{init.Name}: ONNX data type {init.DataType}, expected float32");
                continue;
            }
            result[init.Name] = new SafetensorsEntry(init.Name, "F32", init.Dims, init.Floats);
        }

        // Linear weights: initializer → MatMul(x, W) → Add(·, X.bias) names W as X.weight, stored [in, out].
        var consumers = graph.Nodes
            .SelectMany(n => n.Inputs.Select(input => (input, node: n)))
            .ToLookup(pair => pair.input, pair => pair.node, StringComparer.Ordinal);
        foreach (var matMul in graph.Nodes.Where(n => n.OpType == "MatMul"))
        {
            var weightIndex = matMul.Inputs.ToList().FindIndex(graph.Initializers.ContainsKey);
            if (weightIndex < 0) continue; // activation × activation (attention scores)
            var weight = graph.Initializers[matMul.Inputs[weightIndex]];
            if (weightIndex != 1)
            {
                problems.Add($"{weight.Name}: a weight is the left operand of MatMul; cannot tell its orientation");
                continue;
            }
            var bias = consumers[matMul.Outputs[0]]
                .Where(n => n.OpType == "Add")
                .SelectMany(n => n.Inputs)
                .Where(i => i.EndsWith(".bias", StringComparison.Ordinal) && graph.Initializers.ContainsKey(i))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            if (bias.Count != 1)
            {
                problems.Add($"{weight.Name}: MatMul weight whose output is not added to exactly one named bias (found {bias.Count})");
                continue;
            }
            var name = bias[0][..^".bias".Length] + ".weight";
            if (weight.Floats is null || weight.Dims.Length != 2)
            {
                problems.Add($"{name} (from {weight.Name}): expected a 2-D float32 initializer");
                continue;
            }
            if (result.ContainsKey(name))
            {
                problems.Add($"{name}: resolved twice (second from {weight.Name})");
                continue;
            }
            result[name] = Transpose(name, weight.Floats, weight.Dims[0], weight.Dims[1]);
        }

        var missing = expected.Keys.Where(k => !result.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var misShaped = result
            .Where(kv => expected.TryGetValue(kv.Key, out var shape) && !shape.SequenceEqual(kv.Value.Shape))
            .Select(kv => string.Create(CultureInfo.InvariantCulture,
                $"{kv.Key}: graph gives [{string.Join(", ", kv.Value.Shape)}], model needs [{string.Join(", ", expected[kv.Key])}]"))
            .Order(StringComparer.Ordinal)
            .ToList();
        var extra = result.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        problems.AddRange(missing.Select(k => $"{k}: not found in the graph"));
        problems.AddRange(misShaped);
        problems.AddRange(extra.Select(k => $"{k}: resolved from the graph but not a parameter of the model"));
        if (problems.Count > 0)
        {
            throw new CheckpointFormatException(
                $"ONNX graph does not resolve to the BERT encoder ({problems.Count} problems):\n  " + string.Join("\n  ", problems));
        }
        return result;
    }

    /// <summary>[in, out] row-major → [out, in] row-major (PyTorch Linear layout).</summary>
    private static SafetensorsEntry Transpose(string name, float[] data, long rows, long columns)
    {
        var result = new float[data.Length];
        for (long r = 0; r < rows; r++)
        {
            for (long c = 0; c < columns; c++)
            {
                result[(c * rows) + r] = data[(r * columns) + c];
            }
        }
        return new SafetensorsEntry(name, "F32", [columns, rows], result);
    }

    /// <summary>Reads ModelProto.graph: nodes and initializers, by field number (onnx.proto3).</summary>
    public static OnnxGraph Parse(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxInitializer>(StringComparer.Ordinal);
        var sawGraph = false;
        try
        {
            var input = new CodedInputStream(model);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) == 7 && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                {
                    sawGraph = true;
                    ParseGraph(input.ReadBytes(), nodes, initializers);
                }
                else
                {
                    input.SkipLastField();
                }
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new CheckpointFormatException($"ONNX model is not a valid protobuf: {e.Message}");
        }
        if (!sawGraph) throw new CheckpointFormatException("ONNX model has no graph");
        return new OnnxGraph(nodes, initializers);
    }

    private static CodedInputStream Open(ByteString bytes) =>
        MemoryMarshal.TryGetArray(bytes.Memory, out var segment)
            ? new CodedInputStream(segment.Array!, segment.Offset, segment.Count)
            : new CodedInputStream(bytes.ToByteArray());

    private static void ParseGraph(ByteString bytes, List<OnnxNode> nodes, Dictionary<string, OnnxInitializer> initializers)
    {
        var input = Open(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    nodes.Add(ParseNode(input.ReadBytes()));
                    break;
                case 5:
                    var init = ParseTensor(input.ReadBytes());
                    if (!initializers.TryAdd(init.Name, init))
                    {
                        throw new CheckpointFormatException($"ONNX graph has two initializers named '{init.Name}'");
                    }
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
    }

    private static OnnxNode ParseNode(ByteString bytes)
    {
        var input = Open(bytes);
        var inputs = new List<string>();
        var outputs = new List<string>();
        var opType = "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: inputs.Add(input.ReadString()); break;
                case 2: outputs.Add(input.ReadString()); break;
                case 4: opType = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }
        return new OnnxNode(opType, inputs, outputs);
    }

    private static OnnxInitializer ParseTensor(ByteString bytes)
    {
        var input = Open(bytes);
        var dims = new List<long>();
        var floats = new List<float>();
        var dataType = 0;
        var name = "";
        ByteString? raw = null;
        var external = false;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var packed = WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited;
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when packed:
                    var dimsInput = Open(input.ReadBytes());
                    while (!dimsInput.IsAtEnd) dims.Add(dimsInput.ReadInt64());
                    break;
                case 1: dims.Add(input.ReadInt64()); break;
                case 2: dataType = input.ReadInt32(); break;
                case 4 when packed:
                    var floatInput = Open(input.ReadBytes());
                    while (!floatInput.IsAtEnd) floats.Add(floatInput.ReadFloat());
                    break;
                case 4: floats.Add(input.ReadFloat()); break;
                case 8: name = input.ReadString(); break;
                case 9: raw = input.ReadBytes(); break;
                case 13: external = true; input.SkipLastField(); break;
                case 14: external |= input.ReadEnum() == 1; break;
                default: input.SkipLastField(); break;
            }
        }
        if (external)
        {
            throw new CheckpointFormatException($"ONNX initializer '{name}' uses external data, which is not supported");
        }
        float[]? values = null;
        if (dataType == OnnxFloat)
        {
            var count = dims.Aggregate(1L, (a, b) => a * b);
            if (raw is not null)
            {
                if (raw.Length != count * 4)
                {
                    throw new CheckpointFormatException(string.Create(CultureInfo.InvariantCulture,
                        $"ONNX initializer '{name}': {raw.Length} raw bytes for {count} float32 values"));
                }
                values = MemoryMarshal.Cast<byte, float>(raw.Span).ToArray();
            }
            else
            {
                if (floats.Count != count)
                {
                    throw new CheckpointFormatException(string.Create(CultureInfo.InvariantCulture,
                        $"ONNX initializer '{name}': {floats.Count} float_data values for {count} elements"));
                }
                values = floats.ToArray();
            }
        }
        return new OnnxInitializer(name, dims.ToArray(), dataType, values);
    }
}
