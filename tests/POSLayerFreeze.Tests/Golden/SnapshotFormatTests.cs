using System.Globalization;
using POSLayerFreeze.Golden;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Tests.Golden;

public sealed class SnapshotFormatTests
{
    // Culture data is off here (InvariantGlobalization), so named cultures would all format like the invariant one and
    // the test could not fail; these carry the separators the real cultures use.
    private static CultureInfo Like(string name, string decimalSeparator, string groupSeparator, string negativeSign)
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NumberDecimalSeparator = decimalSeparator;
        culture.NumberFormat.NumberGroupSeparator = groupSeparator;
        culture.NumberFormat.NegativeSign = negativeSign;
        culture.NumberFormat.PercentDecimalSeparator = decimalSeparator;
        Assert.That((-1.5).ToString(culture), Is.Not.EqualTo("-1.5"), name + " must differ from the invariant culture");
        return culture;
    }

    private static readonly (string Name, Func<CultureInfo> Culture)[] Cultures =
    [
        ("de-DE", () => Like("de-DE", ",", ".", "-")),
        ("fr-FR", () => Like("fr-FR", ",", "\u202F", "-")),
        ("ar-SA", () => Like("ar-SA", "\u066B", "\u066C", "\u061C-")),
    ];

    private static Snapshot Tricky() => new(
        new Provenance("full", "3", "minilm", "cuda", [42, 43, 44], "0.107.0", "2.10.0", "NVIDIA H100", "2026-11-26", "deadbeef",
            new PlatformFingerprint("system", "cuda", "0.107.0", "2.11.0+cu130 (PyTorch)", "NVIDIA H100 80GB HBM3", CpuThreads: null)),
        new Dictionary<string, Metric>
        {
            ["test.accuracy"] = new(0.9612345678901234, 0.0015),
            ["delta.vs_baseline"] = new(-0.0123, 1e-5),
            ["train.tokens_per_second"] = new(12345.5, 1000),
        },
        new Dictionary<string, Fact>
        {
            ["claim.holds"] = Fact.Of(true),
            ["test.words"] = Fact.Of(25094),
            ["claim.outcome"] = Fact.Of("does not hold"),
        });

    [Test]
    public void FileIsSortedInvariantLfWithTrailingNewline()
    {
        var json = Tricky().ToJson();
        Assert.That(json, Does.EndWith("}\n").And.Not.Contain("\r"));
        Assert.That(json, Does.Contain("\"value\": -0.0123").And.Contain("\"tolerance\": 1E-05").And.Contain("\"value\": 0.9612345678901234"));
        Assert.That(json.IndexOf("\"delta.vs_baseline\"", StringComparison.Ordinal),
            Is.LessThan(json.IndexOf("\"test.accuracy\"", StringComparison.Ordinal)));
        Assert.That(json.IndexOf("\"facts\"", StringComparison.Ordinal), Is.LessThan(json.IndexOf("\"metrics\"", StringComparison.Ordinal)));
        Assert.That(json, Does.Contain("\"claim.holds\": true").And.Contain("\"test.words\": 25094"));
    }

    [Test]
    public void ParseRoundTripsEveryField()
    {
        var original = Tricky();
        var back = Snapshot.Parse(original.ToJson());
        Assert.That(back.ToJson(), Is.EqualTo(original.ToJson()));
        Assert.That(back.Metrics["test.accuracy"].Value, Is.EqualTo(0.9612345678901234));
        Assert.That(back.Facts["test.words"], Is.EqualTo(Fact.Of(25094)));
        Assert.That(back.Facts["claim.holds"], Is.EqualTo(Fact.Of(true)));
        Assert.That(back.Provenance.Seeds, Is.EqualTo((long[])[42, 43, 44]));
        Assert.That(back.Provenance.Fingerprint, Is.EqualTo(original.Provenance.Fingerprint));
    }

    [Test]
    public void ASnapshotWithoutFingerprintKeepsItsBytes()
    {
        // goldens approved before fingerprints (golden/full/cuda) must round-trip unchanged, with no "fingerprint": null
        var old = new Snapshot(Tricky().Provenance with { Fingerprint = null }, Tricky().Metrics, Tricky().Facts);
        var json = old.ToJson();
        Assert.That(json, Does.Not.Contain("fingerprint"));
        Assert.That(Snapshot.Parse(json).Provenance.Fingerprint, Is.Null);
        Assert.That(Snapshot.Parse(json).ToJson(), Is.EqualTo(json));
    }

    [Test]
    public void SameBytesUnderEveryCulture()
    {
        var expected = Tricky().ToJson();
        var store = new GoldenStore(Path.Combine(Path.GetTempPath(), "poslf-golden-" + Guid.NewGuid().ToString("N")));
        var saved = CultureInfo.CurrentCulture;
        try
        {
            foreach (var (name, culture) in Cultures)
            {
                CultureInfo.CurrentCulture = culture();
                Assert.That(Tricky().ToJson(), Is.EqualTo(expected), name);
                Assert.That(Snapshot.Parse(expected).ToJson(), Is.EqualTo(expected), name + " parse");
                var result = store.Check("culture-" + name, Tricky());
                Assert.That(File.ReadAllText(result.ReceivedPath), Is.EqualTo(expected), name + " received file");
                Assert.That(result.Message, Does.Contain("0.9612345678901234").And.Contain("-0.0123").And.Contain("12345.5"), name + " table");
            }
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
            if (Directory.Exists(store.Root)) Directory.Delete(store.Root, recursive: true);
        }
    }

    [Test]
    public void NonFiniteOrNegativeToleranceIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Metric(double.NaN, 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Metric(0.5, -0.1));
    }
}
