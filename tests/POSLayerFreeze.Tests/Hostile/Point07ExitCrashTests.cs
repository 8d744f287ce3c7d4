using System.Buffers.Binary;
using System.Diagnostics;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Cli;

namespace POSLayerFreeze.Tests.Hostile;

/// <summary>
/// Issue 29 point 7 (crash): an intermittent SIGSEGV at exit (exit 139 after the error line), at ip 0x10b0: the raw,
/// unrelocated <c>.fini_array</c> entry (<c>__do_global_dtors_aux</c>) of the libstdc++ compatibility shim, which
/// glibc's <c>_dl_fini</c> calls at every exit of a process that preloaded it. The shim is now built without C
/// start-up files: it has no initialiser or finaliser for the loader to call, so there is nothing left to jump to.
/// </summary>
public class Point07ExitCrashTests
{
    private const long DtInit = 12, DtFini = 13, DtInitArray = 25, DtFiniArray = 26, DtPreinitArray = 32;

    private static string Shim()
    {
        var shim = Path.Combine(AppContext.BaseDirectory, NativeCompat.ShimFileName);
        Assume.That(File.Exists(shim), Is.True, "this system's libstdc++ needs no shim (GLIBCXX_3.4.32 present), so none is built");
        return shim;
    }

    /// <summary>The d_tag of every entry of the ELF64 little-endian file's PT_DYNAMIC segment.</summary>
    private static List<long> DynamicTags(string path)
    {
        var elf = File.ReadAllBytes(path);
        Assert.That(elf.AsSpan(0, 4).SequenceEqual("\u007fELF"u8) && elf[4] == 2 && elf[5] == 1, Is.True, "an ELF64 little-endian file");
        var phoff = (int)BinaryPrimitives.ReadInt64LittleEndian(elf.AsSpan(0x20));
        var phentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x36));
        var phnum = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x38));
        for (var i = 0; i < phnum; i++)
        {
            var header = elf.AsSpan(phoff + i * phentsize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != 2) continue;   // PT_DYNAMIC
            var offset = (int)BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
            var size = (int)BinaryPrimitives.ReadInt64LittleEndian(header[32..]);
            var tags = new List<long>();
            for (var at = offset; at + 16 <= offset + size; at += 16)
            {
                var tag = BinaryPrimitives.ReadInt64LittleEndian(elf.AsSpan(at));
                if (tag == 0) break;
                tags.Add(tag);
            }
            return tags;
        }
        throw new AssertionException($"{path}: no PT_DYNAMIC segment");
    }

    [Test]
    public void The_shim_gives_the_loader_no_initialiser_or_finaliser_to_call_at_exit()
    {
        var tags = DynamicTags(Shim());
        Assert.That(tags, Is.Not.Empty);
        Assert.That(tags, Has.None.AnyOf(DtInit, DtFini, DtInitArray, DtFiniArray, DtPreinitArray),
            "DT_INIT/DT_FINI/DT_(PRE)INIT_ARRAY/DT_FINI_ARRAY: entries _dl_init/_dl_fini would call");
    }

    [Test]
    public void Many_quick_error_exits_all_end_with_the_error_code_never_a_signal()
    {
        // The crash was seen twice in ~450 exits; eng/stress-exits.sh runs 300. Here 60, two at a time, to stay cheap.
        const int Exits = 60;
        var codes = new List<int>();
        var clock = Stopwatch.StartNew();
        Parallel.For(0, Exits, new ParallelOptions { MaxDegreeOfParallelism = 2 }, _ =>
        {
            var result = Poslf.Run("run", "--lr", "-1");
            lock (codes) codes.Add(result.ExitCode);
        });
        TestContext.Out.WriteLine($"{Exits} error exits in {clock.Elapsed.TotalSeconds:F1} s: {string.Join(", ", codes.GroupBy(c => c).Select(g => $"exit {g.Key} × {g.Count()}"))}");
        Assert.That(codes, Is.All.EqualTo(2), "every exit is the usage error's 2; 139 is the SIGSEGV");
    }
}
