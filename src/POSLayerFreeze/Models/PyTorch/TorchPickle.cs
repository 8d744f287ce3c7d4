using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace POSLayerFreeze.Models.PyTorch;

/// <summary>A storage named by a checkpoint's persistent id: its key, element type (safetensors notation) and size.</summary>
public sealed record TorchStorage(string Key, string DType, int ElementSize, long Numel);

/// <summary>A tensor as <c>torch._utils._rebuild_tensor_v2</c> describes it: a view (offset, shape, strides in elements) into a storage.</summary>
public sealed record TorchTensor(TorchStorage Storage, long Offset, long[] Shape, long[] Stride);

/// <summary>A pickled dict (<c>{}</c> or <c>collections.OrderedDict</c>), its entries in pickle order.</summary>
public sealed class PickleDict
{
    public List<KeyValuePair<object?, object?>> Entries { get; } = [];
}

/// <summary>
/// A pickle reader for the one thing a PyTorch checkpoint may hold: tensors in plain containers. Python's unpickler
/// imports and calls whatever global a pickle names (<c>os.system</c>, <c>builtins.eval</c>), so a checkpoint from the
/// Hub is code. This reader calls nothing: it builds dicts, lists, tuples, numbers and strings itself, and knows four
/// kinds of global — <c>collections.OrderedDict</c>, <c>torch._utils._rebuild_tensor_v2</c>,
/// <c>torch._utils._rebuild_parameter</c> and the <c>torch.*Storage</c> types of a persistent id — each of which it
/// turns into a value of its own. Any other global is refused where the pickle names it, before any opcode could use
/// it; so are the opcodes that build arbitrary objects (NEWOBJ, INST, OBJ, EXT*). Errors are one line naming the file.
/// </summary>
public sealed class TorchPickle
{
    /// <summary>Storage classes as <c>torch.save</c> names them, with the element type and size they hold.</summary>
    private static readonly Dictionary<string, (string DType, int Size)> StorageTypes = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = ("F32", 4), ["DoubleStorage"] = ("F64", 8), ["HalfStorage"] = ("F16", 2),
        ["BFloat16Storage"] = ("BF16", 2), ["LongStorage"] = ("I64", 8), ["IntStorage"] = ("I32", 4),
        ["ShortStorage"] = ("I16", 2), ["CharStorage"] = ("I8", 1), ["ByteStorage"] = ("U8", 1), ["BoolStorage"] = ("BOOL", 1),
    };

    private const string Allowed = "collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter, torch.*Storage";

    private sealed record Global(string Module, string Name)
    {
        public override string ToString() => $"{Module}.{Name}";
    }

    private readonly Stream stream;
    private readonly string file;
    private readonly long budget;
    private readonly Dictionary<string, TorchStorage> storages;
    private readonly List<object?> stack = [];
    private readonly Stack<int> marks = new();
    private readonly Dictionary<long, object?> memo = [];
    private long read;

    private TorchPickle(Stream stream, string file, long budget, Dictionary<string, TorchStorage> storages)
    {
        this.stream = stream;
        this.file = file;
        this.budget = budget;
        this.storages = storages;
    }

    /// <summary>
    /// Reads one pickle from <paramref name="stream"/>'s position up to and including its STOP (the stream is left just
    /// after it), reading at most <paramref name="maxBytes"/>. Storages named by persistent ids are collected in
    /// <paramref name="storages"/> by key (the same key must always name the same storage).
    /// </summary>
    public static object? Load(Stream stream, string file, long maxBytes, Dictionary<string, TorchStorage> storages)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(storages);
        return new TorchPickle(stream, file, maxBytes, storages).Run();
    }

    private object? Run()
    {
        while (true)
        {
            var at = read;
            var opcode = Byte();
            switch (opcode)
            {
                case 0x80: Byte(); break;                                  // PROTO n
                case 0x95: Bytes(8); break;                                // FRAME length: a hint only
                case 0x2e: return Pop();                                   // STOP
                case 0x28: marks.Push(stack.Count); break;                 // MARK
                case 0x30: Pop(); break;                                   // POP
                case 0x31: PopMark(); break;                               // POP_MARK
                case 0x32: Push(Peek()); break;                            // DUP
                case 0x4e: Push(null); break;                              // NONE
                case 0x88: Push(true); break;                              // NEWTRUE
                case 0x89: Push(false); break;                             // NEWFALSE
                case 0x4b: Push((long)Byte()); break;                      // BININT1
                case 0x4d: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2))); break;   // BININT2
                case 0x4a: Push((long)BinaryPrimitives.ReadInt32LittleEndian(Bytes(4))); break;    // BININT
                case 0x8a: Push(Long(Byte())); break;                                               // LONG1
                case 0x8b: Push(Long(Length(BinaryPrimitives.ReadInt32LittleEndian(Bytes(4))))); break; // LONG4
                case 0x47: Push(BinaryPrimitives.ReadDoubleBigEndian(Bytes(8))); break;            // BINFLOAT
                case 0x8c: Push(Text(Byte())); break;                                               // SHORT_BINUNICODE
                case 0x58: Push(Text(Length(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))))); break; // BINUNICODE
                case 0x8d: Push(Text(Length((long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8)), long.MaxValue)))); break; // BINUNICODE8
                // Python 2 str (checkpoints pickled by Python 2 torch): bytes, read as Latin-1 as torch.load does.
                case 0x55: Push(Encoding.Latin1.GetString(Bytes(Byte()))); break;                  // SHORT_BINSTRING
                case 0x54: Push(Encoding.Latin1.GetString(Bytes(Length(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)))))); break; // BINSTRING
                case 0x29: Push(Array.Empty<object?>()); break;            // EMPTY_TUPLE
                case 0x74: Push(PopMark().ToArray()); break;               // TUPLE
                case 0x85: Push(new[] { Pop() }); break;                   // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }            // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; } // TUPLE3
                case 0x5d: Push(new List<object?>()); break;               // EMPTY_LIST
                case 0x6c: Push(PopMark()); break;                         // LIST
                case 0x61: { var item = Pop(); As<List<object?>>(Peek(), "APPEND").Add(item); break; }           // APPEND
                case 0x65: { var items = PopMark(); As<List<object?>>(Peek(), "APPENDS").AddRange(items); break; } // APPENDS
                case 0x7d: Push(new PickleDict()); break;                  // EMPTY_DICT
                case 0x64: { var dict = new PickleDict(); SetItems(dict, PopMark()); Push(dict); break; }         // DICT
                case 0x73: { var value = Pop(); var key = Pop(); As<PickleDict>(Peek(), "SETITEM").Entries.Add(new(key, value)); break; } // SETITEM
                case 0x75: { var items = PopMark(); SetItems(As<PickleDict>(Peek(), "SETITEMS"), items); break; }  // SETITEMS
                case 0x63: Push(Resolve(Line(), Line(), at)); break;       // GLOBAL module\nname\n
                case 0x93: { var name = Pop(); var module = Pop(); Push(Resolve(As<string>(module, "STACK_GLOBAL"), As<string>(name, "STACK_GLOBAL"), at)); break; }
                case 0x52: { var args = Pop(); var callable = Pop(); Push(Reduce(callable, As<object?[]>(args, "REDUCE"), at)); break; } // REDUCE
                case 0x62: { var state = Pop(); Build(Peek(), state, at); break; }                  // BUILD
                case 0x51: Push(PersistentLoad(Pop(), at)); break;         // BINPERSID
                case 0x71: memo[Byte()] = Peek(); break;                   // BINPUT
                case 0x72: memo[BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))] = Peek(); break; // LONG_BINPUT
                case 0x94: memo[memo.Count] = Peek(); break;               // MEMOIZE
                case 0x68: Push(Get(Byte(), at)); break;                   // BINGET
                case 0x6a: Push(Get(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)), at)); break; // LONG_BINGET
                default:
                    throw Refuse(string.Create(CultureInfo.InvariantCulture,
                        $"pickle opcode 0x{opcode:x2} at byte {at} is not read (a checkpoint may hold only tensors and plain containers)"));
            }
        }
    }

    /// <summary>The one place a global is let in: anything not on the list is refused here, before any REDUCE could call it.</summary>
    private Global Resolve(string module, string name, long at)
    {
        var known = (module, name) switch
        {
            ("collections", "OrderedDict") => true,
            ("torch._utils", "_rebuild_tensor_v2" or "_rebuild_parameter") => true,
            ("torch", _) => StorageTypes.ContainsKey(name),
            _ => false,
        };
        if (!known)
            throw Refuse(string.Create(CultureInfo.InvariantCulture,
                $"refused: the pickle asks for the global '{module}.{name}' (byte {at}); a checkpoint may hold only tensors and plain containers ({Allowed})"));
        return new Global(module, name);
    }

    private object? Reduce(object? callable, object?[] args, long at)
    {
        var global = callable as Global ?? throw Refuse(string.Create(CultureInfo.InvariantCulture, $"REDUCE at byte {at} calls something that is not a global"));
        switch (global.Module, global.Name)
        {
            case ("collections", "OrderedDict") when args.Length == 0:
                return new PickleDict();
            case ("torch._utils", "_rebuild_tensor_v2") when args.Length is 6 or 7:
                var storage = As<TorchStorage>(args[0], "_rebuild_tensor_v2 storage");
                var shape = Ints(args[2], "size");
                var stride = Ints(args[3], "stride");
                if (args[5] is not PickleDict { Entries.Count: 0 })
                    throw Refuse(string.Create(CultureInfo.InvariantCulture, $"a tensor at byte {at} has backward hooks"));
                return new TorchTensor(storage, Int(args[1], "storage_offset"), shape, stride);
            case ("torch._utils", "_rebuild_parameter") when args.Length == 3:
                return As<TorchTensor>(args[0], "_rebuild_parameter data");
            default:
                throw Refuse(string.Create(CultureInfo.InvariantCulture, $"REDUCE at byte {at}: {global} is not called with {args.Length} argument(s) in a checkpoint"));
        }
    }

    /// <summary>
    /// BUILD sets an object's state: torch.save's state dicts carry their <c>_metadata</c> (module versions) this way,
    /// which a reader of tensors does not need. Only a dict's state is accepted; it is dropped.
    /// </summary>
    private void Build(object? target, object? state, long at)
    {
        if (target is not PickleDict || state is not PickleDict)
            throw Refuse(string.Create(CultureInfo.InvariantCulture, $"BUILD at byte {at} sets the state of a {Describe(target)}; only a dict's is read"));
    }

    /// <summary>
    /// <c>('storage', torch.XStorage, key, location, numel)</c> (zip format), with a sixth element, the view of a
    /// storage, in the legacy format: null there, since views were written only by torch before 1.0.
    /// </summary>
    private TorchStorage PersistentLoad(object? pid, long at)
    {
        if (pid is not object?[] { Length: 5 or 6 } t || t[0] is not "storage" || t[1] is not Global { Module: "torch" } type
            || t[2] is not string key || t[3] is not string)
            throw Refuse(string.Create(CultureInfo.InvariantCulture, $"persistent id at byte {at} is not a storage ({Describe(pid)})"));
        if (t.Length == 6 && t[5] is not null)
            throw Refuse($"storage '{key}' is a view of another storage (written by torch before 1.0), which is not read: load and save it again with a current torch");
        var (dtype, size) = StorageTypes[type.Name];
        var numel = Int(t[4], "storage size");
        var storage = new TorchStorage(key, dtype, size, numel);
        if (storages.TryGetValue(key, out var seen) && seen != storage)
            throw Refuse($"storage '{key}' is named twice with different types or sizes ({seen.DType} × {seen.Numel}, {dtype} × {numel})");
        storages[key] = storage;
        return storage;
    }

    private void SetItems(PickleDict dict, List<object?> items)
    {
        if (items.Count % 2 != 0) throw Refuse("SETITEMS with an odd number of items");
        for (var i = 0; i < items.Count; i += 2) dict.Entries.Add(new(items[i], items[i + 1]));
    }

    private long[] Ints(object? value, string what) =>
        As<object?[]>(value, what).Select(v => Int(v, what)).ToArray() is var ints && ints.All(i => i >= 0)
            ? ints : throw Refuse($"a tensor's {what} has a negative entry");

    private long Int(object? value, string what) => value switch
    {
        long l => l,
        BigInteger b when b >= long.MinValue && b <= long.MaxValue => (long)b,
        _ => throw Refuse($"{what} is not an integer ({Describe(value)})"),
    };

    private T As<T>(object? value, string what) =>
        value is T t ? t : throw Refuse($"{what} expects {typeof(T).Name}, found {Describe(value)}");

    private static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"'{(s.Length > 40 ? s[..40] + "…" : s)}'",
        object?[] => "tuple",
        PickleDict => "dict",
        List<object?> => "list",
        _ => value.GetType().Name,
    };

    private object? Get(long index, long at) =>
        memo.TryGetValue(index, out var value) ? value
            : throw Refuse(string.Create(CultureInfo.InvariantCulture, $"memo entry {index} read at byte {at} was never stored"));

    private void Push(object? value) => stack.Add(value);

    private object? Peek() => stack.Count > 0 ? stack[^1] : throw Refuse("the pickle's stack is empty");

    private object? Pop()
    {
        var value = Peek();
        stack.RemoveAt(stack.Count - 1);
        return value;
    }

    private List<object?> PopMark()
    {
        if (marks.Count == 0) throw Refuse("the pickle closes a MARK it never opened");
        var start = marks.Pop();
        var items = stack.GetRange(start, stack.Count - start);
        stack.RemoveRange(start, stack.Count - start);
        return items;
    }

    private int Length(long length) =>
        length >= 0 && length <= budget - read ? (int)length
            : throw Refuse(string.Create(CultureInfo.InvariantCulture, $"a length of {length} bytes at byte {read} runs past the end of the pickle"));

    private static object Long(byte[] bytes)
    {
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
    }

    private object Long(int length) => Long(Bytes(length));

    private string Text(int length) => Encoding.UTF8.GetString(Bytes(length));

    private string Line()
    {
        var line = new StringBuilder();
        for (byte b; (b = Byte()) != (byte)'\n';)
        {
            if (line.Length > 256) throw Refuse("a GLOBAL name longer than 256 characters");
            line.Append((char)b);
        }
        return line.ToString();
    }

    private byte Byte() => Bytes(1)[0];

    private byte[] Bytes(int count)
    {
        if (count > budget - read)
            throw Refuse(string.Create(CultureInfo.InvariantCulture, $"the pickle ends without STOP (after {read} bytes)"));
        var bytes = new byte[count];
        var got = stream.ReadAtLeast(bytes, count, throwOnEndOfStream: false);
        if (got < count) throw Refuse(string.Create(CultureInfo.InvariantCulture, $"the pickle ends without STOP (after {read + got} bytes)"));
        read += count;
        return bytes;
    }

    private CheckpointFormatException Refuse(string reason) => new($"{file}: {reason}");
}
