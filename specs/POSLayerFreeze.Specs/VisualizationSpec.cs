using System.Text.Json.Nodes;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Golden;
using POSLayerFreeze.Reporting;
using SkiaSharp;

namespace POSLayerFreeze.Specs;

/// <summary>
/// The seed README's "Visualization of Results": result.png, drawn from the same runs as the other specs, with one
/// bar per configuration (baseline grey, SLPF blue, CLPF red), the baseline reference line and Δ vs baseline with
/// 95% bootstrap intervals; tradeoff.png (accuracy against trainable parameters and training time); curves.png
/// (training loss per step, dev accuracy per epoch). The plotted values are compared with summary.json, and the
/// curves with the runs' log_history, through what the figure code reports it drew.
/// </summary>
[TestFixture]
[Category("Visualization")]
[ProfileCategory]
public sealed class VisualizationSpec
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private const int Width = 1400;
    private const int Height = 700;

    [Test]
    public void Result_png_shows_every_configuration_against_the_baseline()
    {
        var study = StudyRuns.Current;
        var runs = study.Of(study.StudyConfigs).SelectMany(r => r).ToArray();
        Summary.Write(study.OutDir);

        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(study.OutDir, Summary.JsonFile)))!;
        var plotted = summary["configs"]!.AsArray().Select(c => c!["config"]!.GetValue<string>()).ToArray();
        var png = File.ReadAllBytes(Path.Combine(study.OutDir, Summary.FigureFile));
        using var image = SKBitmap.Decode(png);
        Assert.Multiple(() =>
        {
            Assert.That(plotted, Is.EquivalentTo(study.StudyConfigs), "one summary entry (one bar) per configuration");
            Assert.That(plotted, Has.Member("baseline"), "the baseline (and its reference line) is drawn");
            Assert.That(png.Take(PngSignature.Length), Is.EqualTo(PngSignature), "PNG signature");
            Assert.That(image, Is.Not.Null, "result.png decodes");
        });
        Assert.Multiple(() =>
        {
            Assert.That((image.Width, image.Height), Is.EqualTo((Width, Height)), "figure size");
            // Bars are filled with their series colour: each series must cover at least a bar's worth of pixels.
            Assert.That(Pixels(image, new SKColor(0x80, 0x80, 0x80)), Is.GreaterThan(500), "grey baseline bar");
            Assert.That(Pixels(image, new SKColor(0x1f, 0x77, 0xb4)), Is.GreaterThan(500), "blue SLPF bars");
            Assert.That(Pixels(image, new SKColor(0xd6, 0x27, 0x28)), Is.GreaterThan(500), "red CLPF bars");
        });
        TestContext.Out.WriteLine($"result.png: {Path.Combine(study.OutDir, Summary.FigureFile)}, {png.Length} bytes");

        // The numbers behind the marks: the figures drawn from summary.json report every value they plotted.
        var figures = Figures.WriteFromSummary(study.OutDir);
        var result = figures.Single(f => f.Path.EndsWith(Summary.FigureFile, StringComparison.Ordinal));
        var tradeoff = figures.Single(f => f.Path.EndsWith(Figures.TradeoffFile, StringComparison.Ordinal));
        var byConfig = summary["configs"]!.AsArray().ToDictionary(c => c!["config"]!.GetValue<string>(), c => c!);
        double Pct(string config, string field) => byConfig[config]![field]!["mean"]!.GetValue<double>() * 100;
        double Delta(string config, string field) => byConfig[config]!["versus_baseline"]![field]!.GetValue<double>() * 100;
        using var tradeoffImage = SKBitmap.Decode(File.ReadAllBytes(tradeoff.Path));
        Assert.Multiple(() =>
        {
            Assert.That(result.Panel("accuracy").Points.Select(p => p.Config), Is.EqualTo(plotted), "one bar per configuration, summary order");
            foreach (var p in result.Panel("accuracy").Points)
                Assert.That(p.Y, Is.EqualTo(Pct(p.Config, "test_accuracy")).Within(1e-9), $"bar {p.Config}");
            var deltas = result.Panel("single-layer-delta").Points.Concat(result.Panel("compound-delta").Points).ToArray();
            Assert.That(deltas.Select(p => p.Config), Is.EquivalentTo(plotted.Where(c => c != "baseline")), "one Δ per non-baseline configuration");
            foreach (var p in deltas)
            {
                Assert.That(p.Y, Is.EqualTo(Delta(p.Config, "difference")).Within(1e-9), $"Δ {p.Config}");
                Assert.That((p.Low, p.High), Is.EqualTo(((double?)Delta(p.Config, "ci_low"), (double?)Delta(p.Config, "ci_high"))), $"95% CI {p.Config}");
            }
            Assert.That(result.Panel("compound-delta").YScale, Is.EqualTo("symlog"), "deep freezes on their own, log-scaled axis");
            Assert.That(result.Panel("single-layer-delta").YScale, Is.EqualTo("linear"));
            Assert.That((tradeoffImage.Width, tradeoffImage.Height), Is.EqualTo((TradeoffFigure.Width, TradeoffFigure.Height)), "tradeoff.png size");
            foreach (var p in tradeoff.Panel("parameters").Points)
            {
                Assert.That(p.X, Is.EqualTo(byConfig[p.Config]!["trainable_parameters"]!.GetValue<long>() / 1e6).Within(1e-9), $"parameters {p.Config}");
                Assert.That(p.Y, Is.EqualTo(Pct(p.Config, "test_accuracy")).Within(1e-9), $"accuracy {p.Config}");
            }
            foreach (var p in tradeoff.Panel("time").Points)
                Assert.That(p.X, Is.EqualTo(Pct(p.Config, "train_seconds") / 100).Within(1e-9), $"training time {p.Config}");
            var best = plotted.MaxBy(c => Pct(c, "test_accuracy"))!;
            var cheapest = plotted.MinBy(c => byConfig[c]!["trainable_parameters"]!.GetValue<long>())!;
            Assert.That(tradeoff.Panel("parameters").ParetoFront, Has.Member(best).And.Member(cheapest),
                "the most accurate and the cheapest configuration are always on the front");
        });

        // curves.png: asserted here, not part of the snapshot (its facts would need a golden re-approval for no number).
        var curves = Figures.WriteCurves(study.OutDir);
        var curvesBytes = new FileInfo(curves.Path).Length;
        using var curvesImage = SKBitmap.Decode(File.ReadAllBytes(curves.Path));
        Assert.Multiple(() =>
        {
            Assert.That(curves.Path, Is.EqualTo(Path.Combine(study.OutDir, Figures.CurvesFile)), "curves.png beside result.png");
            Assert.That((curvesImage.Width, curvesImage.Height), Is.EqualTo((CurvesFigure.Width, CurvesFigure.Height)), "curves.png size");
            Assert.That(curvesBytes, Is.InRange(10_000, 5_000_000), "curves.png is a drawn figure");
            foreach (var config in plotted)
            {
                var history = runs.Where(r => r.Config == config).SelectMany(r => r.Metrics["log_history"]!.AsArray().Select(e => e!)).ToArray();
                var loss = history.Where(e => e["loss"] is not null).GroupBy(e => e["step"]!.GetValue<int>()).OrderBy(g => g.Key)
                    .Select(g => (X: (double)g.Key, Y: g.Average(e => e["loss"]!.GetValue<double>()))).ToArray();
                Assert.That(loss, Is.Not.Empty, $"{config} has a training log");
                Assert.That(curves.Panel("loss").Points.Where(p => p.Config == config).Select(p => (p.X, p.Y)), Is.EqualTo(loss).Using<(double, double)>(Close), $"{config} loss curve");
            }
            var eachEpoch = runs.Any(r => r.Metrics["profile"]!["eval_each_epoch"]?.GetValue<bool>() == true);
            var dev = curves.Panel("dev-accuracy");
            if (eachEpoch)
            {
                foreach (var config in plotted)
                {
                    var evaluated = runs.Where(r => r.Config == config).SelectMany(r => r.Metrics["log_history"]!.AsArray().Select(e => e!))
                        .Where(e => e["eval_accuracy"] is not null).GroupBy(e => e["epoch"]!.GetValue<double>()).OrderBy(g => g.Key)
                        .Select(g => (X: g.Key, Y: g.Average(e => e["eval_accuracy"]!.GetValue<double>()) * 100)).ToArray();
                    Assert.That(dev.Points.Where(p => p.Config == config).Select(p => (p.X, p.Y)), Is.EqualTo(evaluated).Using<(double, double)>(Close), $"{config} dev accuracy per epoch");
                }
            }
            else
            {
                Assert.That(dev.Points, Is.Empty, "no per-epoch evaluation: nothing drawn");
                Assert.That(dev.Note, Does.Contain("eval_each_epoch"), "and the panel says so");
            }
        });
        TestContext.Out.WriteLine($"curves.png: {curves.Path}, {curvesBytes} bytes");

        var facts = new Dictionary<string, Fact>(StringComparer.Ordinal)
        {
            ["configs"] = Fact.Of(string.Join(",", plotted)),
            ["width"] = Fact.Of(image.Width),
            ["height"] = Fact.Of(image.Height),
        };
        Goldens.Verify("visualization", new Snapshot(Goldens.ProvenanceOf(runs, study.Settings), new Dictionary<string, Metric>(), facts));
    }

    // Seed means may sum in another order than the figure code: equal up to rounding, at the same x exactly.
    private static bool Close((double X, double Y) a, (double X, double Y) b) => a.X == b.X && Math.Abs(a.Y - b.Y) <= 1e-12 * Math.Max(1, Math.Abs(a.Y));

    private static int Pixels(SKBitmap image, SKColor color)
    {
        var count = 0;
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var p = image.GetPixel(x, y);
                if (p.Red == color.Red && p.Green == color.Green && p.Blue == color.Blue) count++;
            }
        }
        return count;
    }
}
