using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Models;

/// <summary>One tensor of a safetensors file, as float32 values in row-major order.</summary>
public sealed record SafetensorsEntry(string Name, string DType, IReadOnlyList<long> Shape, float[] Data)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>Thrown for a malformed or unsupported checkpoint file; the message names the file and the defect.</summary>
public sealed class CheckpointFormatException(string message) : Exception(message);

/// <summary>
/// The safetensors format (8-byte little-endian header length, JSON header, raw data), read strictly: a file is
/// untrusted input, so the header length, JSON, dtypes, shapes and offsets are all checked against the file size
/// before any tensor memory is allocated. Only F32 is read (the harness trains in fp32); other dtypes are refused.
/// </summary>
public static class Safetensors
{
    /// <summary>Hugging Face's reader refuses headers over 100 MB; so do we.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private static readonly Dictionary<string, int> DTypeSizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E4M3"] = 1, ["F8_E5M2"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    /// <summary>Header entry, validated: name, dtype, shape and the byte range inside the data section.</summary>
    public sealed record HeaderEntry(string Name, string DType, long[] Shape, long Begin, long End);

    /// <summary>Reads every tensor (F32 only) of <paramref name="path"/>, keyed by name.</summary>
    public static IReadOnlyDictionary<string, SafetensorsEntry> Read(string path) => Read(path, null);

    /// <summary>The validated header of <paramref name="path"/> alone: names, dtypes, shapes; no tensor data is read.</summary>
    public static IReadOnlyList<HeaderEntry> ReadHeader(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return ReadHeader(stream, path).Entries;
    }

    /// <summary>
    /// Reads only the tensors named in <paramref name="names"/> (all when null), F32 only: memory is bounded by what
    /// the caller uses, not by what the file holds.
    /// </summary>
    public static IReadOnlyDictionary<string, SafetensorsEntry> Read(string path, IReadOnlyCollection<string>? names)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var (all, dataStart) = ReadHeader(stream, path);
        var wanted = names is null ? null : new HashSet<string>(names, StringComparer.Ordinal);
        var entries = wanted is null ? all : all.Where(e => wanted.Contains(e.Name)).ToList();
        var result = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (entry.DType != "F32")
            {
                throw new CheckpointFormatException(
                    $"{path}: tensor '{entry.Name}' has dtype {entry.DType}; only F32 checkpoints are supported " +
                    "(convert with torch: model.float().save_pretrained(...))");
            }
        }
        foreach (var entry in entries)
        {
            var data = new float[(entry.End - entry.Begin) / 4];
            stream.Position = dataStart + entry.Begin;
            stream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("safetensors data is little-endian");
            }
            result.Add(entry.Name, new SafetensorsEntry(entry.Name, entry.DType, entry.Shape, data));
        }
        return result;
    }

    /// <summary>Parses and validates the header against the file length; returns entries and where data starts.</summary>
    public static (IReadOnlyList<HeaderEntry> Entries, long DataStart) ReadHeader(Stream stream, string path)
    {
        var fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw new CheckpointFormatException($"{path}: {fileLength} bytes is too short for a safetensors file (8-byte header length missing)");
        }
        Span<byte> prefix = stackalloc byte[8];
        stream.Position = 0;
        stream.ReadExactly(prefix);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(fileLength - 8))
        {
            throw new CheckpointFormatException(
                $"{path}: header length {headerLength} is larger than the file ({fileLength} bytes): truncated or not safetensors");
        }
        if (headerLength > MaxHeaderBytes)
        {
            throw new CheckpointFormatException($"{path}: header length {headerLength} exceeds {MaxHeaderBytes} bytes");
        }
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        var dataStart = 8 + (long)headerLength;
        var entries = ParseHeader(headerBytes, fileLength - dataStart, path);
        return (entries, dataStart);
    }

    private static List<HeaderEntry> ParseHeader(byte[] headerBytes, long dataLength, string path)
    {
        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes) as JsonObject
                ?? throw new CheckpointFormatException($"{path}: safetensors header is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException($"{path}: safetensors header is not valid JSON: {e.Message}");
        }
        var entries = new List<HeaderEntry>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__") continue;
            entries.Add(ParseEntry(name, node, dataLength, path));
        }
        // Data sections must not overlap (the format also requires them to tile the data without gaps).
        var ordered = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long cursor = 0;
        foreach (var entry in ordered)
        {
            if (entry.Begin < cursor)
            {
                throw new CheckpointFormatException($"{path}: tensor '{entry.Name}' overlaps another tensor's data (offset {entry.Begin} < {cursor})");
            }
            if (entry.Begin > cursor)
            {
                throw new CheckpointFormatException($"{path}: gap in the data section before tensor '{entry.Name}' (offset {entry.Begin}, expected {cursor})");
            }
            cursor = entry.End;
        }
        if (cursor != dataLength)
        {
            throw new CheckpointFormatException(
                $"{path}: data section is {dataLength} bytes but the tensors cover {cursor}: truncated or trailing data");
        }
        return entries;
    }

    private static HeaderEntry ParseEntry(string name, JsonNode? node, long dataLength, string path)
    {
        try
        {
            var obj = node as JsonObject ?? throw new CheckpointFormatException($"{path}: header entry '{name}' is not an object");
            var dtype = obj["dtype"]?.GetValue<string>() ?? throw new CheckpointFormatException($"{path}: tensor '{name}' has no dtype");
            if (!DTypeSizes.TryGetValue(dtype, out var size))
            {
                throw new CheckpointFormatException($"{path}: tensor '{name}' has unknown dtype '{dtype}'");
            }
            var shape = (obj["shape"] as JsonArray ?? throw new CheckpointFormatException($"{path}: tensor '{name}' has no shape"))
                .Select(d => d!.GetValue<long>()).ToArray();
            var offsets = (obj["data_offsets"] as JsonArray ?? throw new CheckpointFormatException($"{path}: tensor '{name}' has no data_offsets"))
                .Select(d => d!.GetValue<long>()).ToArray();
            if (offsets.Length != 2)
            {
                throw new CheckpointFormatException($"{path}: tensor '{name}' data_offsets must have 2 entries");
            }
            var (begin, end) = (offsets[0], offsets[1]);
            if (begin < 0 || end < begin || end > dataLength)
            {
                throw new CheckpointFormatException(
                    $"{path}: tensor '{name}' data_offsets [{begin}, {end}] out of range of the {dataLength}-byte data section");
            }
            long bytes = size;
            foreach (var dim in shape)
            {
                if (dim < 0) throw new CheckpointFormatException($"{path}: tensor '{name}' has a negative dimension");
                bytes = checked(bytes * dim);
            }
            if (bytes != end - begin)
            {
                throw new CheckpointFormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: tensor '{name}' shape [{string.Join(", ", shape)}] × {dtype} is {bytes} bytes but data_offsets span {end - begin}"));
            }
            return new HeaderEntry(name, dtype, shape, begin, end);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException)
        {
            throw new CheckpointFormatException($"{path}: header entry '{name}' is malformed: {e.Message}");
        }
    }

    /// <summary>Writes F32 tensors (sorted by name, as Hugging Face does) atomically.</summary>
    public static void Write(string path, IEnumerable<SafetensorsEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var header = new JsonObject();
        if (metadata is not null)
        {
            var meta = new JsonObject();
            foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) meta[key] = value;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var tensor in ordered)
        {
            if (tensor.DType != "F32" || tensor.Data.Length != tensor.ElementCount)
            {
                throw new ArgumentException($"tensor '{tensor.Name}': only F32 with data matching its shape can be written");
            }
            var end = offset + (4L * tensor.Data.Length);
            header[tensor.Name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(tensor.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, end),
            };
            offset = end;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        // The format pads the header with spaces to a multiple of 8 so the data is aligned.
        var padded = new byte[(headerBytes.Length + 7) / 8 * 8];
        padded.AsSpan().Fill((byte)' ');
        headerBytes.CopyTo(padded, 0);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded.Length);
            stream.Write(prefix);
            stream.Write(padded);
            foreach (var tensor in ordered)
            {
                stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.Data.AsSpan()));
            }
        });
    }
}
