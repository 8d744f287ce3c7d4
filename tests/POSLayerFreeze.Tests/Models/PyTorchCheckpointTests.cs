using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using POSLayerFreeze.Models;
using POSLayerFreeze.Models.PyTorch;
using static POSLayerFreeze.Tests.Models.ModelTestSupport;

namespace POSLayerFreeze.Tests.Models;

/// <summary>
/// pytorch_model.bin against what torch.save wrote (Debian's python3-torch, eng/roberta-oracle/make_fixtures.py):
/// every tensor of an awkward state dict (views, shared storages, strides, an int64 buffer, fp16, a Parameter) in both
/// containers; and hostile pickles made here, which must be refused in one line naming the file and the global
/// before anything they ask for could run.
/// </summary>
public class PyTorchCheckpointTests
{
    private static string Fixture(string name) => Path.Combine(TinyDir("pytorch"), name);

    [TestCase("state-dict-zip.bin")]
    [TestCase("state-dict-legacy.bin")]
    public void Every_tensor_reads_as_torch_saved_it(string file)
    {
        var expected = JsonNode.Parse(File.ReadAllText(Fixture("expected.json")))!.AsObject();
        var header = PyTorchCheckpoint.ReadHeader(Fixture(file));
        Assert.That(header.Select(h => h.Name), Is.EqualTo(expected.Select(kv => kv.Key)), "names in torch.save's order");
        foreach (var h in header)
        {
            Assert.That(h.DType, Is.EqualTo(expected[h.Name]!["dtype"]!.GetValue<string>()), h.Name);
            Assert.That(h.Shape, Is.EqualTo(expected[h.Name]!["shape"]!.AsArray().Select(d => d!.GetValue<long>())), h.Name);
        }
        var floats = header.Where(h => h.DType == "F32").Select(h => h.Name).ToArray();
        Assert.That(floats, Has.Length.EqualTo(8));
        var tensors = PyTorchCheckpoint.Read(Fixture(file), floats);
        foreach (var name in floats)
        {
            var values = expected[name]!["values"]!.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray();
            Assert.That(tensors[name].Data, Is.EqualTo(values), name);
        }
    }

    [Test]
    public void Both_containers_and_safetensors_give_the_same_tensors()
    {
        var zip = CheckpointFile.Read(Path.Combine(TinyDir("tiny-roberta"), "pytorch_model.bin"));
        var dir = TempDir();
        var converted = Path.Combine(dir, "model.safetensors");
        Safetensors.Write(converted, zip.Values);
        var back = CheckpointFile.Read(converted);
        Assert.That(back.Keys, Is.EquivalentTo(zip.Keys));
        foreach (var (name, entry) in zip) Assert.That(back[name].Data, Is.EqualTo(entry.Data), name);

        var hf = Safetensors.Read(Path.Combine(TinyDir("tiny-distilbert"), "model.safetensors"));
        var bin = CheckpointFile.Read(Fixture("tiny-distilbert.bin"));
        Assert.That(bin.Keys, Is.EquivalentTo(hf.Keys));
        foreach (var (name, entry) in hf)
        {
            Assert.That(bin[name].Shape, Is.EqualTo(entry.Shape), name);
            Assert.That(bin[name].Data, Is.EqualTo(entry.Data), name);
        }
    }

    [Test]
    public void A_folder_with_only_pytorch_model_bin_loads_like_model_safetensors()
    {
        var dir = TempDir();
        File.Copy(Path.Combine(TinyDir("tiny-distilbert"), "config.json"), Path.Combine(dir, "config.json"));
        File.Copy(Fixture("tiny-distilbert.bin"), Path.Combine(dir, "pytorch_model.bin"));
        using var fromBin = ModelCatalog.LoadTokenClassificationCheckpoint(dir);
        using var fromSafetensors = ModelCatalog.LoadTokenClassificationCheckpoint(TinyDir("tiny-distilbert"));
        var theirs = fromSafetensors.state_dict();
        foreach (var (name, value) in fromBin.state_dict())
            Assert.That(value.equal(theirs[name]).all().item<bool>(), Is.True, name);

        // Both present: model.safetensors is read, as transformers prefers it.
        File.Copy(Path.Combine(TinyDir("tiny-distilbert"), "model.safetensors"), Path.Combine(dir, "model.safetensors"));
        Assert.That(CheckpointFile.Find(dir), Is.EqualTo(Path.Combine(dir, "model.safetensors")));
    }

    [Test]
    public void A_float16_tensor_is_refused_when_read_not_when_listed()
    {
        Assert.That(PyTorchCheckpoint.ReadHeader(Fixture("state-dict-zip.bin")).Single(h => h.Name == "half").DType, Is.EqualTo("F16"));
        Assert.That(() => PyTorchCheckpoint.Read(Fixture("state-dict-zip.bin"), ["half"]),
            Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("tensor 'half' has dtype F16; only F32"));
    }

    // Pickles as an attacker writes them: call a global on an argument (protocol 2 GLOBAL, protocol 4 STACK_GLOBAL).
    private static byte[] Call(string module, string name, string argument) =>
        [0x80, 0x02, .. Encoding.ASCII.GetBytes($"c{module}\n{name}\n"), .. Text(argument), 0x85, (byte)'R', (byte)'.'];

    private static byte[] StackCall(string module, string name, string argument) =>
        [0x80, 0x04, .. Text(module), .. Text(name), 0x93, .. Text(argument), 0x85, (byte)'R', (byte)'.'];

    private static byte[] Text(string s) => [0x8c, (byte)Encoding.UTF8.GetByteCount(s), .. Encoding.UTF8.GetBytes(s)];

    private static string ZipWith(byte[] pickle)
    {
        var path = Path.Combine(TempDir(), "pytorch_model.bin");
        using (var archive = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using var entry = archive.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open();
            entry.Write(pickle);
        }
        return path;
    }

    private static IEnumerable<TestCaseData> Hostile()
    {
        var marker = Path.Combine(Path.GetTempPath(), "poslf-pwned-" + Guid.NewGuid().ToString("N"));
        yield return new TestCaseData(Call("posix", "system", "touch " + marker), "'posix.system'", marker).SetArgDisplayNames("os.system");
        yield return new TestCaseData(Call("builtins", "eval", $"open('{marker}', 'w')"), "'builtins.eval'", marker).SetArgDisplayNames("builtins.eval");
        yield return new TestCaseData(StackCall("builtins", "exec", $"open('{marker}', 'w')"), "'builtins.exec'", marker).SetArgDisplayNames("STACK_GLOBAL exec");
        yield return new TestCaseData(Call("torch", "load", marker), "'torch.load'", marker).SetArgDisplayNames("torch.load");
    }

    [TestCaseSource(nameof(Hostile))]
    public void A_pickle_that_asks_for_another_global_is_refused_naming_file_and_global(byte[] pickle, string global, string marker)
    {
        foreach (var path in new[] { ZipWith(pickle), WriteBytes(pickle) })
        {
            var e = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpoint.ReadHeader(path))!;
            Assert.That(e.Message, Does.StartWith(path).And.Contain("refused").And.Contain(global).And.Not.Contain("\n"));
        }
        Assert.That(File.Exists(marker), Is.False, "nothing ran");
    }

    [TestCase("state-dict-zip.bin")]
    [TestCase("state-dict-legacy.bin")]
    public void A_hostile_global_after_real_tensors_is_refused_too(string file)
    {
        // The storage type of the last tensor ('half') swapped for os.system: the state dict is well formed up to there.
        var bytes = File.ReadAllBytes(Fixture(file));
        var path = Path.Combine(TempDir(), "pytorch_model.bin");
        if (file.Contains("zip", StringComparison.Ordinal))
        {
            using var source = new ZipArchive(new MemoryStream(bytes));
            var pickle = new MemoryStream();
            using (var entry = source.Entries.Single(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)).Open()) entry.CopyTo(pickle);
            File.Move(ZipWith(Replace(pickle.ToArray(), "ctorch\nHalfStorage\n", "cposix\nsystem\n")), path);
        }
        else
        {
            File.WriteAllBytes(path, Replace(bytes, "ctorch\nHalfStorage\n", "cposix\nsystem\n"));
        }
        Assert.That(() => PyTorchCheckpoint.ReadHeader(path),
            Throws.TypeOf<CheckpointFormatException>().With.Message.StartWith(path).And.Message.Contains("refused: the pickle asks for the global 'posix.system'"));
    }

    [TestCase(new byte[] { 0x80, 0x02, 0x81, (byte)'.' }, "opcode 0x81")]                       // NEWOBJ
    [TestCase(new byte[] { 0x80, 0x02, (byte)'i', (byte)'o', (byte)'s', 10, (byte)'x', 10, (byte)'.' }, "opcode 0x69")] // INST
    [TestCase(new byte[] { 0x80, 0x02, (byte)'}' }, "ends without STOP")]
    [TestCase(new byte[] { 0x80, 0x02, 0x58, 0xff, 0xff, 0xff, 0x7f, (byte)'.' }, "runs past the end")]
    [TestCase(new byte[] { 0x80, 0x02, (byte)'K', 7, (byte)'.' }, "not a state dict")]
    public void Malformed_and_object_building_pickles_are_refused_in_one_line(byte[] pickle, string reason)
    {
        var path = ZipWith(pickle);
        Assert.That(() => PyTorchCheckpoint.ReadHeader(path),
            Throws.TypeOf<CheckpointFormatException>().With.Message.StartWith(path).And.Message.Contains(reason).And.Message.Not.Contain("\n"));
    }

    [Test]
    public void Truncated_storages_and_other_containers_are_refused()
    {
        var legacy = File.ReadAllBytes(Fixture("state-dict-legacy.bin"));
        var cut = WriteBytes(legacy[..^10]);
        Assert.That(() => PyTorchCheckpoint.ReadHeader(cut), Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("truncated inside storage"));

        var tar = new byte[1024];
        Encoding.ASCII.GetBytes("ustar").CopyTo(tar, 257);
        var tarPath = WriteBytes(tar);
        Assert.That(() => PyTorchCheckpoint.ReadHeader(tarPath), Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("tar format of torch before 0.4"));

        var text = WriteBytes(Encoding.UTF8.GetBytes("{\"not\": \"a checkpoint\"}"));
        Assert.That(() => PyTorchCheckpoint.ReadHeader(text), Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("not a PyTorch checkpoint"));

        // A zip whose storage entry is shorter than the tensors say; one whose storages are compressed (torch.save
        // never compresses, and a compressed entry could claim sizes the file does not hold).
        var shortened = RewriteZip(bytes => bytes[..^4], CompressionLevel.NoCompression);
        Assert.That(() => PyTorchCheckpoint.ReadHeader(shortened), Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("but its storage holds"));
        var compressed = RewriteZip(bytes => bytes, CompressionLevel.Optimal);
        Assert.That(() => PyTorchCheckpoint.ReadHeader(compressed), Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("is compressed"));
        Assert.That(PyTorchCheckpoint.ReadHeader(RewriteZip(bytes => bytes, CompressionLevel.NoCompression)), Has.Count.EqualTo(10), "unchanged, it reads");
    }

    [Test]
    public void A_folder_without_weights_names_both_files()
    {
        var dir = TempDir();
        File.Copy(Path.Combine(TinyDir("tiny-distilbert"), "config.json"), Path.Combine(dir, "config.json"));
        File.WriteAllText(Path.Combine(dir, "vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n");
        Assert.That(() => ModelCatalog.Resolve(dir), Throws.TypeOf<FileNotFoundException>()
            .With.Message.EqualTo($"{dir}: missing model.safetensors or pytorch_model.bin"));
    }

    /// <summary>The zip fixture re-written with <paramref name="change"/> applied to storage entry 0.</summary>
    private static string RewriteZip(Func<byte[], byte[]> change, CompressionLevel level)
    {
        using var source = new ZipArchive(new MemoryStream(File.ReadAllBytes(Fixture("state-dict-zip.bin"))));
        var path = Path.Combine(TempDir(), "pytorch_model.bin");
        using var target = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var entry in source.Entries)
        {
            using var from = entry.Open();
            var data = new MemoryStream();
            from.CopyTo(data);
            var storage = entry.FullName.Contains("/data/", StringComparison.Ordinal);
            var bytes = entry.FullName.EndsWith("/data/0", StringComparison.Ordinal) ? change(data.ToArray()) : data.ToArray();
            using var to = target.CreateEntry(entry.FullName, storage ? level : CompressionLevel.NoCompression).Open();
            to.Write(bytes);
        }
        return path;
    }

    private static string WriteBytes(byte[] bytes)
    {
        var path = Path.Combine(TempDir(), "pytorch_model.bin");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Replace(byte[] bytes, string from, string to)
    {
        var find = Encoding.ASCII.GetBytes(from);
        var at = bytes.AsSpan().IndexOf(find);
        Assert.That(at, Is.GreaterThan(0), $"'{from.Replace("\n", " ", StringComparison.Ordinal)}' in the fixture");
        return [.. bytes[..at], .. Encoding.ASCII.GetBytes(to), .. bytes[(at + find.Length)..]];
    }
}
