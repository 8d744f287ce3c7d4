using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>
/// log_history in metrics.json and the TensorBoard event file of a run say the same thing. The event file is read
/// back here with an independent reader: TFRecord framing (length, masked CRC-32C of the length, data, masked
/// CRC-32C of the data) and the Event/Summary protobuf fields decoded by hand.
/// </summary>
public class TrainLogTests : TinyTorchFixture
{
    private static readonly Lazy<(string RunDir, JsonObject Metrics)> Run = new(() =>
    {
        var dir = TinyWorld.TempDir("trainlog");
        var model = TinyWorld.Model;
        var data = ExperimentData.Load(model, TinyWorld.Profile, Treebank.FromFolder(TinyWorld.DataDir, "test"));
        // Two epochs with eval_each_epoch: the event file then holds several eval/accuracy scalars to read back.
        var profile = TinyWorld.Profile with { Name = "test-eval-epochs", Epochs = 2, EvalEachEpoch = true };
        var spec = new RunSpec("baseline", 42, profile, model.Name, Sweep.ModelIdentity(model), "cpu", Tf32: false)
        {
            Dataset = data.Treebank.Identity,
        };
        var runDir = Path.Combine(dir, spec.RelativeDirectory);
        return (runDir, RunMetricsFile.ToNode(RunExecutor.Execute(spec, data, runDir)));
    });

    [Test]
    public void Log_history_has_the_Hugging_Face_trainer_state_shape()
    {
        var history = Run.Value.Metrics["log_history"]!.AsArray();
        var train = history.Where(e => e!["loss"] is not null).ToArray();
        Assert.That(train, Is.Not.Empty);
        foreach (var e in train)
            Assert.That(e!.AsObject().Select(kv => kv.Key), Is.EquivalentTo(new[] { "epoch", "grad_norm", "learning_rate", "loss", "step" }));
        var steps = Run.Value.Metrics["train"]!["steps"]!.GetValue<int>();
        var evals = history.Where(e => e!["eval_accuracy"] is not null).ToArray();
        Assert.That(evals.Select(e => e!["epoch"]!.GetValue<double>()), Is.EqualTo(new[] { 1.0, 2.0 }), "one evaluation per epoch");
        var eval = evals[^1]!;
        Assert.That(eval["eval_accuracy"]!.GetValue<double>(), Is.EqualTo(Run.Value.Metrics["dev"]!["accuracy"]!.GetValue<double>()));
        Assert.That(eval["step"]!.GetValue<int>(), Is.EqualTo(steps), "evaluated after the last step");
        Assert.That(train[^1]!["step"]!.GetValue<int>(), Is.EqualTo(steps), "the last step is always logged");
        Assert.That(history.Select(e => e!["step"]!.GetValue<int>()), Is.Ordered, "time order");
        Assert.That(train.Select(e => e!["loss"]!.GetValue<double>()), Is.EqualTo(Run.Value.Metrics["train"]!["loss"]!.AsArray().Select(p => p![1]!.GetValue<double>())),
            "the same losses as train.loss");
    }

    [Test]
    public void TensorBoard_event_file_reads_back_as_the_log_history()
    {
        var files = Directory.GetFiles(Path.Combine(Run.Value.RunDir, TrainLog.TensorBoardDirectory), "events.out.tfevents.*");
        Assert.That(files, Has.Length.EqualTo(1));
        var events = ReadEvents(File.ReadAllBytes(files[0]));
        Assert.That(events[0].FileVersion, Is.EqualTo("brain.Event:2"), "TensorBoard's file header event");
        var scalars = events.Where(e => e.Tag is not null).ToLookup(e => e.Tag!);
        var history = Run.Value.Metrics["log_history"]!.AsArray();
        void Same(string tag, string key, Func<JsonNode, bool> select)
        {
            var expected = history.Where(e => select(e!)).Select(e => ((long)e!["step"]!.GetValue<int>(), (float)e[key]!.GetValue<double>())).ToArray();
            var actual = scalars[tag].Select(e => (e.Step, e.Value)).ToArray();
            Assert.That(actual, Is.EqualTo(expected), tag);
        }
        Same("train/loss", "loss", e => e["loss"] is not null);
        Same("train/learning_rate", "learning_rate", e => e["loss"] is not null);
        Same("train/grad_norm", "grad_norm", e => e["loss"] is not null);
        Same("train/epoch", "epoch", e => e["loss"] is not null);
        Same("eval/accuracy", "eval_accuracy", e => e["eval_accuracy"] is not null);
        Assert.That(scalars["eval/accuracy"].Count(), Is.EqualTo(2), "both epochs' dev accuracy is in the event file");
        Assert.That(TinyWorld.TempFiles(Run.Value.RunDir), Is.Empty);
        Assert.That(Directory.GetDirectories(Run.Value.RunDir).Select(Path.GetFileName), Has.None.StartsWith("."), "no temp folder left");
    }

    [Test]
    public void A_corrupt_record_fails_its_crc()
    {
        var file = Directory.GetFiles(Path.Combine(Run.Value.RunDir, TrainLog.TensorBoardDirectory))[0];
        var bytes = File.ReadAllBytes(file);
        bytes[^6] ^= 0x01;   // inside the last record's data
        Assert.That(() => ReadEvents(bytes), Throws.TypeOf<InvalidDataException>().With.Message.Contains("data CRC"));
    }

    private sealed record Event(long Step, string? FileVersion, string? Tag, float Value);

    private static List<Event> ReadEvents(byte[] bytes)
    {
        var events = new List<Event>();
        var at = 0;
        while (at < bytes.Length)
        {
            var length = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at, 8));
            if (MaskedCrc(bytes.AsSpan(at, 8)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8, 4)))
                throw new InvalidDataException($"record at {at}: length CRC mismatch");
            var data = bytes.AsSpan(at + 12, (int)length);
            if (MaskedCrc(data) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + (int)length, 4)))
                throw new InvalidDataException($"record at {at}: data CRC mismatch");
            events.Add(ParseEvent(data.ToArray()));
            at += 12 + (int)length + 4;
        }
        return events;
    }

    // tensorflow.Event: 1 wall_time (double), 2 step (int64), 3 file_version (string), 5 summary (Summary);
    // Summary: 1 value (repeated Value); Value: 1 tag (string), 2 simple_value (float).
    private static Event ParseEvent(byte[] data)
    {
        long step = 0;
        string? version = null, tag = null;
        float value = float.NaN;
        foreach (var (field, wire, payload, number) in Fields(data))
        {
            if (field == 2 && wire == 0) step = (long)number;
            else if (field == 3 && wire == 2) version = Encoding.UTF8.GetString(payload);
            else if (field == 5 && wire == 2)
            {
                foreach (var (f, w, p, _) in Fields(payload))
                {
                    if (f != 1 || w != 2) continue;
                    foreach (var (vf, vw, vp, _) in Fields(p))
                    {
                        if (vf == 1 && vw == 2) tag = Encoding.UTF8.GetString(vp);
                        if (vf == 2 && vw == 5) value = BinaryPrimitives.ReadSingleLittleEndian(vp);
                    }
                }
            }
        }
        return new Event(step, version, tag, value);
    }

    private static IEnumerable<(int Field, int Wire, byte[] Payload, ulong Number)> Fields(byte[] data)
    {
        var at = 0;
        ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = data[at++];
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return result;
            }
        }
        while (at < data.Length)
        {
            var key = Varint();
            var (field, wire) = ((int)(key >> 3), (int)(key & 7));
            switch (wire)
            {
                case 0: yield return (field, wire, [], Varint()); break;
                case 1: yield return (field, wire, data[at..(at + 8)], 0); at += 8; break;
                case 5: yield return (field, wire, data[at..(at + 4)], 0); at += 4; break;
                case 2:
                    var n = (int)Varint();
                    yield return (field, wire, data[at..(at + n)], 0);
                    at += n;
                    break;
                default: throw new InvalidDataException($"unexpected wire type {wire}");
            }
        }
    }

    /// <summary>TFRecord's masked CRC-32C (Castagnoli, reflected polynomial 0x82F63B78).</summary>
    private static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        crc = ~crc;
        return unchecked(((crc >> 15) | (crc << 17)) + 0xA282EAD8u);
    }
}
