using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace POSLayerFreeze.Models.PyTorch;

/// <summary>
/// <c>pytorch_model.bin</c>: a state dict as <c>torch.save</c> writes it, read without Python and without running
/// the pickle (<see cref="TorchPickle"/>). Two containers: the zip archive of torch ≥ 1.6 (<c>ARCHIVE/data.pkl</c> and
/// one entry <c>ARCHIVE/data/KEY</c> per storage) and the legacy stream of older torch, which most 2019–2020 Hub
/// checkpoints use (five pickles: magic number, protocol 1001, system info, the state dict, the storage keys; then
/// each storage as an int64 element count and its bytes). The tar container of torch before 0.4 is refused. Like
/// <see cref="Safetensors"/>: names, dtypes and shapes come from the pickle alone; only F32 tensors are read, and
/// only those asked for; every view is checked to lie inside its storage before anything is allocated.
/// </summary>
public static class PyTorchCheckpoint
{
    /// <summary>The largest state-dict pickle read (tensor data not included): safetensors' header limit.</summary>
    public const long MaxPickleBytes = Safetensors.MaxHeaderBytes;

    // torch.serialization.MAGIC_NUMBER and PROTOCOL_VERSION of the legacy format.
    private static readonly BigInteger LegacyMagic = BigInteger.Parse("119547037146038801333356", CultureInfo.InvariantCulture);
    private const long LegacyProtocol = 1001;

    /// <summary>The tensors of a state dict and where each storage's bytes are.</summary>
    private sealed record Contents(IReadOnlyList<(string Name, TorchTensor Tensor)> Tensors, Func<TorchStorage, Stream> OpenStorage) : IDisposable
    {
        public IDisposable? Owner { get; init; }

        public void Dispose() => Owner?.Dispose();
    }

    /// <summary>Names, dtypes and shapes of every tensor, from the pickle alone (no tensor data is read).</summary>
    public static IReadOnlyList<TensorHeader> ReadHeader(string path)
    {
        using var contents = Open(path);
        return contents.Tensors.Select(t => new TensorHeader(t.Name, t.Tensor.Storage.DType, t.Tensor.Shape)).ToArray();
    }

    /// <summary>Reads the tensors named in <paramref name="names"/> (all when null) as float32; any other dtype is refused.</summary>
    public static IReadOnlyDictionary<string, SafetensorsEntry> Read(string path, IReadOnlyCollection<string>? names = null)
    {
        using var contents = Open(path);
        var wanted = names is null ? null : new HashSet<string>(names, StringComparer.Ordinal);
        var selected = contents.Tensors.Where(t => wanted is null || wanted.Contains(t.Name)).ToArray();
        foreach (var (name, tensor) in selected)
        {
            if (tensor.Storage.DType != "F32")
                throw new CheckpointFormatException(
                    $"{path}: tensor '{name}' has dtype {tensor.Storage.DType}; only F32 checkpoints are supported (convert with torch: model.float().save_pretrained(...))");
        }
        var result = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        foreach (var (name, tensor) in selected)
        {
            using var storage = contents.OpenStorage(tensor.Storage);
            result[name] = new SafetensorsEntry(name, "F32", tensor.Shape, Values(storage, tensor));
        }
        return result;
    }

    private static Contents Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            Span<byte> start = stackalloc byte[4];
            if (stream.Length < 4) throw new CheckpointFormatException($"{path}: {stream.Length} bytes is too short for a PyTorch checkpoint");
            stream.ReadExactly(start);
            stream.Position = 0;
            if (start.SequenceEqual("PK\u0003\u0004"u8)) return Zip(stream, path);
            if (IsTar(stream))
                throw new CheckpointFormatException($"{path}: the tar format of torch before 0.4 is not read: load it with torch and save it again (torch.save, or save_pretrained)");
            if (start[0] == 0x80) return Legacy(stream, path);
            throw new CheckpointFormatException($"{path}: not a PyTorch checkpoint (neither a zip archive nor a pickle)");
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static Contents Zip(FileStream stream, string path)
    {
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException($"{path}: not a readable zip archive: {e.Message}");
        }
        try
        {
            // One top-level folder named after the file torch.save wrote (archive/, pytorch_model/, …).
            var pickle = archive.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
                ?? throw new CheckpointFormatException($"{path}: a zip archive without ARCHIVE/data.pkl: not a torch.save checkpoint");
            var prefix = pickle.FullName[..^"data.pkl".Length];
            if (archive.GetEntry(prefix + "byteorder") is { } order && ReadAll(order, 16, path) is var text && Encoding.ASCII.GetString(text) != "little")
                throw new CheckpointFormatException($"{path}: written on a big-endian machine ({prefix}byteorder), which is not read");
            var storages = new Dictionary<string, TorchStorage>(StringComparer.Ordinal);
            using var pickleBytes = new MemoryStream(ReadAll(pickle, MaxPickleBytes, path));
            var root = TorchPickle.Load(pickleBytes, $"{path} ({pickle.FullName})", pickleBytes.Length, storages);
            var tensors = StateDict(root, path);
            foreach (var storage in storages.Values)
            {
                var entry = archive.GetEntry(prefix + "data/" + storage.Key)
                    ?? throw new CheckpointFormatException($"{path}: storage '{storage.Key}' has no entry {prefix}data/{storage.Key}");
                // torch.save stores entries uncompressed: a compressed one could claim any size the file does not hold.
                if (entry.CompressedLength != entry.Length)
                    throw new CheckpointFormatException($"{path}: entry {entry.FullName} is compressed; torch.save stores storages uncompressed");
                if (entry.Length != checked(storage.Numel * storage.ElementSize))
                    throw new CheckpointFormatException(string.Create(CultureInfo.InvariantCulture,
                        $"{path}: entry {entry.FullName} is {entry.Length} bytes but its storage holds {storage.Numel} × {storage.ElementSize}"));
            }
            return new Contents(tensors, storage => archive.GetEntry(prefix + "data/" + storage.Key)!.Open()) { Owner = archive };
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    private static Contents Legacy(FileStream stream, string path)
    {
        var storages = new Dictionary<string, TorchStorage>(StringComparer.Ordinal);
        object? Next() => TorchPickle.Load(stream, path, Math.Min(MaxPickleBytes, stream.Length - stream.Position), storages);
        if (Next() is not BigInteger magic || magic != LegacyMagic)
            throw new CheckpointFormatException($"{path}: a pickle, but not a torch.save checkpoint (no magic number)");
        if (Next() is not LegacyProtocol)
            throw new CheckpointFormatException($"{path}: legacy checkpoint of an unknown protocol version (expected {LegacyProtocol})");
        if (Next() is not PickleDict info || !info.Entries.Any(e => e.Key is "little_endian" && e.Value is true))
            throw new CheckpointFormatException($"{path}: written on a big-endian machine (sys_info), which is not read");
        var tensors = StateDict(Next(), path);
        var keys = Next() is List<object?> list && list.All(k => k is string) ? list.Cast<string>().ToArray()
            : throw new CheckpointFormatException($"{path}: the storage key list after the state dict is missing or malformed");

        // Each storage: int64 element count, then its bytes, in the order of the key list.
        var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
        var position = stream.Position;
        Span<byte> count = stackalloc byte[8];
        foreach (var key in keys)
        {
            var storage = storages.GetValueOrDefault(key)
                ?? throw new CheckpointFormatException($"{path}: storage '{key}' is listed but no tensor names it");
            stream.Position = position;
            if (stream.Length - position < 8 || stream.Read(count) != 8)
                throw new CheckpointFormatException($"{path}: truncated before storage '{key}'");
            var numel = BinaryPrimitives.ReadInt64LittleEndian(count);
            var bytes = numel == storage.Numel ? checked(numel * storage.ElementSize)
                : throw new CheckpointFormatException(string.Create(CultureInfo.InvariantCulture, $"{path}: storage '{key}' holds {numel} elements, its tensors say {storage.Numel}"));
            offsets[key] = position + 8;
            position = checked(position + 8 + bytes);
            if (position > stream.Length)
                throw new CheckpointFormatException($"{path}: truncated inside storage '{key}'");
        }
        var missing = storages.Keys.FirstOrDefault(k => !offsets.ContainsKey(k));
        if (missing is not null) throw new CheckpointFormatException($"{path}: storage '{missing}' is named by a tensor but not stored");
        return new Contents(tensors, storage =>
        {
            var view = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            view.Position = offsets[storage.Key];
            return view;
        }) { Owner = stream };
    }

    /// <summary>The root must be a dict of names to tensors, each view inside its storage.</summary>
    private static IReadOnlyList<(string Name, TorchTensor Tensor)> StateDict(object? root, string path)
    {
        if (root is not PickleDict dict)
            throw new CheckpointFormatException($"{path}: not a state dict (the pickle holds a {root?.GetType().Name ?? "None"}, not a dict of tensors)");
        var tensors = new List<(string, TorchTensor)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in dict.Entries)
        {
            if (key is not string name || !names.Add(name))
                throw new CheckpointFormatException($"{path}: not a state dict (a key is {(key is string ? $"'{key}' twice" : "not a string")})");
            if (value is not TorchTensor tensor)
                throw new CheckpointFormatException($"{path}: not a state dict ('{name}' is not a tensor)");
            if (tensor.Shape.Length != tensor.Stride.Length)
                throw new CheckpointFormatException($"{path}: tensor '{name}' has {tensor.Shape.Length} sizes but {tensor.Stride.Length} strides");
            if (tensor.Shape.All(d => d > 0) && (tensor.Offset < 0 || Last(tensor) >= tensor.Storage.Numel))
                throw new CheckpointFormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: tensor '{name}' [{string.Join(", ", tensor.Shape)}] at offset {tensor.Offset} reaches past its storage '{tensor.Storage.Key}' ({tensor.Storage.Numel} elements)"));
            tensors.Add((name, tensor));
        }
        return tensors;
    }

    /// <summary>The storage index of the tensor's last element.</summary>
    private static long Last(TorchTensor t) => t.Shape.Zip(t.Stride).Aggregate(t.Offset, (sum, d) => checked(sum + ((d.First - 1) * d.Second)));

    /// <summary>The tensor's elements in row-major order, from a stream at the start of its storage.</summary>
    private static float[] Values(Stream storage, TorchTensor tensor)
    {
        var count = tensor.Shape.Aggregate(1L, (a, b) => checked(a * b));
        if (count == 0) return [];
        var contiguous = true;
        long rowMajor = 1;
        for (var d = tensor.Shape.Length - 1; d >= 0; d--)
        {
            contiguous &= tensor.Shape[d] == 1 || tensor.Stride[d] == rowMajor;
            rowMajor *= tensor.Shape[d];
        }
        // The span of the storage the view touches: the whole tensor when contiguous, a window to gather from otherwise.
        var window = new float[contiguous ? count : Last(tensor) - tensor.Offset + 1];
        Skip(storage, checked(tensor.Offset * 4));
        storage.ReadExactly(MemoryMarshal.AsBytes(window.AsSpan()));
        if (contiguous) return window;
        var values = new float[count];
        var index = new long[tensor.Shape.Length];
        for (long i = 0; i < count; i++)
        {
            long at = 0;
            for (var d = 0; d < index.Length; d++) at += index[d] * tensor.Stride[d];
            values[i] = window[at];
            for (var d = index.Length - 1; d >= 0 && ++index[d] == tensor.Shape[d]; d--) index[d] = 0;
        }
        return values;
    }

    private static void Skip(Stream stream, long bytes)
    {
        if (stream.CanSeek)
        {
            stream.Position += bytes;
            return;
        }
        var buffer = new byte[1 << 16];
        while (bytes > 0) bytes -= stream.Read(buffer, 0, (int)Math.Min(buffer.Length, bytes)) is > 0 and var n ? n : throw new EndOfStreamException();
    }

    private static byte[] ReadAll(ZipArchiveEntry entry, long limit, string path)
    {
        if (entry.Length > limit)
            throw new CheckpointFormatException(string.Create(CultureInfo.InvariantCulture, $"{path}: entry {entry.FullName} is {entry.Length} bytes (limit {limit})"));
        var bytes = new byte[entry.Length];
        using var stream = entry.Open();
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>A POSIX tar archive has "ustar" at byte 257 of its first header.</summary>
    private static bool IsTar(FileStream stream)
    {
        if (stream.Length < 262) return false;
        Span<byte> magic = stackalloc byte[5];
        stream.Position = 257;
        stream.ReadExactly(magic);
        stream.Position = 0;
        return magic.SequenceEqual("ustar"u8);
    }
}
