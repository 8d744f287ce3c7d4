using System.Diagnostics;
using System.Globalization;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Tests.Runtime;

/// <summary>
/// What a write killed half-way leaves (a <c>.NAME.PID.GUID.tmp</c> file or folder) is removed by the next sweep,
/// but only when its process is gone: a --parallel sibling writing into the same folder keeps its temps.
/// </summary>
public class AtomicFileTests
{
    [Test]
    public void Stale_temps_of_dead_processes_are_removed_and_live_ones_kept()
    {
        var dir = Directory.CreateTempSubdirectory("poslf-atomic-").FullName;
        using var exited = Process.Start(new ProcessStartInfo("true"))!;
        exited.WaitForExit();   // reaped: its PID names no live process now
        string Temp(string folder, string name, int pid) =>
            Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $".{name}.{pid}.{Guid.NewGuid():N}.tmp"));

        var run = Directory.CreateDirectory(Path.Combine(dir, "baseline", "seed-42")).FullName;
        var deadFile = Temp(run, "metrics.json", exited.Id);
        var deadFolder = Temp(run, "tensorboard", exited.Id);
        var live = Temp(run, "test.predictions.conllu", Environment.ProcessId);
        var notOurs = Path.Combine(run, ".notes.tmp");
        File.WriteAllText(deadFile, "{\"half");
        Directory.CreateDirectory(deadFolder);
        File.WriteAllText(Path.Combine(deadFolder, "events.out.tfevents.1.host.1.1"), "x");
        File.WriteAllText(live, "in progress");
        File.WriteAllText(notOurs, "a user's file");

        Assert.That(AtomicFile.RemoveStaleTemps(dir), Is.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(deadFile), Is.False);
            Assert.That(Directory.Exists(deadFolder), Is.False);
            Assert.That(File.Exists(live), Is.True, "a live writer's temp is left alone");
            Assert.That(File.Exists(notOurs), Is.True, "only AtomicFile's own names are touched");
        });
        Assert.That(AtomicFile.RemoveStaleTemps(Path.Combine(dir, "missing")), Is.Zero);
        Directory.Delete(dir, recursive: true);
    }

    [Test]
    public void A_write_leaves_no_temp_and_the_temp_name_carries_the_pid()
    {
        var dir = Directory.CreateTempSubdirectory("poslf-atomic-").FullName;
        var target = Path.Combine(dir, "metrics.json");
        AtomicFile.WriteAllText(target, "{}\n");
        Assert.That(File.ReadAllText(target), Is.EqualTo("{}\n"));
        Assert.That(Directory.GetFiles(dir, "*.tmp"), Is.Empty);
        Assert.That(Path.GetFileName(AtomicFile.TempName(target)), Does.StartWith($".metrics.json.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.").And.EndWith(".tmp"));
        Directory.Delete(dir, recursive: true);
    }
}
