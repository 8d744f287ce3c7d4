using System.Text.Json.Nodes;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Runtime;
using SkiaSharp;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>result.png and tradeoff.png: what they plot equals the summary; Pareto front and axis transform by hand.</summary>
public class FigureTests
{
    /// <summary>Baseline and two seeds of slpf-1, plus slpf-0, a CLPF prefix and all, with known costs and times.</summary>
    private static string WriteStudy()
    {
        var dir = TinyWorld.TempDir("figures");
        var words = SyntheticRuns.Uniform(8).Words;
        SyntheticRuns.Write(dir, "baseline", 42, SyntheticRuns.Uniform(8).Correct, words, trainable: 22_000_000, seconds: 50);
        SyntheticRuns.Write(dir, "baseline", 43, SyntheticRuns.Uniform(8).Correct, words, trainable: 22_000_000, seconds: 52);
        SyntheticRuns.Write(dir, "slpf-0", 42, SyntheticRuns.Uniform(7).Correct, words, trainable: 20_000_000, seconds: 45);
        SyntheticRuns.Write(dir, "slpf-1", 42, SyntheticRuns.Uniform(9).Correct, words, trainable: 20_000_000, seconds: 47);
        SyntheticRuns.Write(dir, "clpf-0+1", 42, SyntheticRuns.Uniform(6).Correct, words, trainable: 18_000_000, seconds: 44);
        SyntheticRuns.Write(dir, "all", 42, SyntheticRuns.Uniform(2).Correct, words, trainable: 6_545, seconds: 20);
        return dir;
    }

    [Test]
    public void Pareto_front_keeps_exactly_the_undominated_points()
    {
        PlottedPoint[] points =
        [
            new("a", 1, 90), new("b", 2, 95), new("c", 2, 94), new("d", 3, 95), new("e", 0.5, 50), new("f", 0.5, 40),
        ];
        // c: b costs the same and is more accurate; d: b is cheaper and as accurate; f: e is as cheap and more accurate.
        Assert.That(ResultPlot.ParetoFront(points), Is.EqualTo(new[] { "a", "b", "e" }));
    }

    [Test]
    public void Symmetric_log_axis_is_odd_monotone_and_logarithmic_beyond_the_threshold()
    {
        Assert.That(ResultPlot.Symlog(0), Is.Zero);
        Assert.That(ResultPlot.Symlog(ResultPlot.SymlogThreshold), Is.EqualTo(Math.Log10(2)).Within(1e-12));
        Assert.That(ResultPlot.Symlog(-30), Is.EqualTo(-ResultPlot.Symlog(30)));
        Assert.That(ResultPlot.Symlog(-0.2), Is.GreaterThan(ResultPlot.Symlog(-0.3)));
        // Each decade far from 0 takes about the same height (exactly 1 in the limit): 3 → 30 like 30 → 300.
        Assert.That(ResultPlot.Symlog(3) - ResultPlot.Symlog(30), Is.EqualTo(ResultPlot.Symlog(30) - ResultPlot.Symlog(300)).Within(0.02));
    }

    [Test]
    public void Figures_plot_the_summary_values_and_have_their_sizes()
    {
        var dir = WriteStudy();
        var configs = Summary.Write(dir);
        var figures = Figures.WriteFromSummary(dir);
        var result = figures[0];
        var tradeoff = figures[1];
        Assert.That(result.Path, Is.EqualTo(Path.Combine(dir, Summary.FigureFile)));
        Assert.That(tradeoff.Path, Is.EqualTo(Path.Combine(dir, Figures.TradeoffFile)));
        using (var png = SKBitmap.Decode(result.Path)) Assert.That((png.Width, png.Height), Is.EqualTo((ResultPlot.Width, ResultPlot.Height)));
        using (var png = SKBitmap.Decode(tradeoff.Path)) Assert.That((png.Width, png.Height), Is.EqualTo((ResultPlot.TradeoffWidth, ResultPlot.TradeoffHeight)));

        var accuracy = result.Panel("accuracy").Points;
        Assert.That(accuracy.Select(p => p.Config), Is.EqualTo(new[] { "baseline", "slpf-0", "slpf-1", "clpf-0+1", "all" }));
        Assert.That(accuracy.Select(p => p.Y), Is.EqualTo(new[] { 80.0, 70.0, 90.0, 60.0, 20.0 }).Within(1e-9));
        var single = result.Panel("single-layer-delta");
        Assert.That(single.Points.Select(p => p.Config), Is.EqualTo(new[] { "slpf-0", "slpf-1" }));
        Assert.That(single.Points.Select(p => p.Y), Is.EqualTo(new[] { -10.0, 10.0 }).Within(1e-9));
        var slpf1 = configs.Single(c => c.Config == "slpf-1").VersusBaseline!;
        Assert.That((single.Points[1].Low, single.Points[1].High), Is.EqualTo(((double?)(slpf1.Lower * 100), (double?)(slpf1.Upper * 100))));
        var compound = result.Panel("compound-delta");
        Assert.That(compound.YScale, Is.EqualTo("symlog"));
        Assert.That(compound.Points.Select(p => (p.Config, p.Y)), Is.EqualTo(new[] { ("clpf-0+1", -20.0), ("all", -60.0) }).Using<(string, double)>(
            (a, b) => a.Item1 == b.Item1 && Math.Abs(a.Item2 - b.Item2) < 1e-9));

        var parameters = tradeoff.Panel("parameters");
        Assert.That(parameters.Points.Select(p => p.X), Is.EqualTo(new[] { 22.0, 20.0, 20.0, 18.0, 0.006545 }).Within(1e-12));
        // slpf-1 (20 M, 90%) dominates the baseline (22 M, 80%) and slpf-0; clpf-0+1 and all are cheaper.
        Assert.That(parameters.ParetoFront, Is.EqualTo(new[] { "slpf-1", "clpf-0+1", "all" }));
        var time = tradeoff.Panel("time");
        Assert.That(time.XLabel, Does.StartWith("training time (s"));
        Assert.That(time.Points.Select(p => p.X), Is.EqualTo(new[] { 51.0, 45.0, 47.0, 44.0, 20.0 }).Within(1e-9));
        // By time, slpf-0 (45 s, 70%) is on the front too: only clpf-0+1 (44 s, 60%) and all are faster.
        Assert.That(time.ParetoFront, Is.EqualTo(new[] { "slpf-0", "slpf-1", "clpf-0+1", "all" }));
        Assert.That(TinyWorld.TempFiles(dir), Is.Empty);
    }

    [Test]
    public void A_summary_json_alone_redraws_the_figures_the_runs_would()
    {
        var dir = WriteStudy();
        var configs = Summary.Write(dir);
        var alone = TinyWorld.TempDir("summary-alone");
        File.Copy(Path.Combine(dir, Summary.JsonFile), Path.Combine(alone, Summary.JsonFile));
        var (read, profile, model) = Figures.ReadSummary(Path.Combine(alone, Summary.JsonFile));
        Assert.That((profile, model), Is.EqualTo(("test", "synthetic")));
        Assert.That(read.Select(c => (c.Config, c.TestAccuracy, c.VersusBaseline, c.TrainSeconds, c.TrainableParameters)),
            Is.EqualTo(configs.Select(c => (c.Config, c.TestAccuracy, c.VersusBaseline, c.TrainSeconds, c.TrainableParameters))));
        var fromRuns = Figures.Write(dir, configs, profile, model);
        var fromJson = Figures.WriteFromSummary(alone);
        Assert.That(Invariant.ToJson(fromJson[0].ToJson()), Is.EqualTo(Invariant.ToJson(fromRuns[0].ToJson())));
        Assert.That(Invariant.ToJson(fromJson[1].ToJson()), Is.EqualTo(Invariant.ToJson(fromRuns[1].ToJson())));
        Assert.That(File.ReadAllBytes(Path.Combine(alone, Summary.FigureFile)), Is.EqualTo(File.ReadAllBytes(Path.Combine(dir, Summary.FigureFile))),
            "same statistics, same pixels");
    }

    [Test]
    public void An_older_summary_without_train_seconds_plots_time_per_million_tokens()
    {
        var dir = WriteStudy();
        Summary.Write(dir);
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, Summary.JsonFile)))!;
        foreach (var c in json["configs"]!.AsArray()) ((JsonObject)c!).Remove("train_seconds");
        var old = TinyWorld.TempDir("old-summary");
        File.WriteAllText(Path.Combine(old, Summary.JsonFile), Invariant.ToJson(json));
        var time = Figures.WriteFromSummary(old)[1].Panel("time");
        Assert.That(time.XLabel, Does.Contain("per million train tokens"));
        // The synthetic runs train 100 tokens in `seconds`: slpf-0 (45 s) ran at 100/45 tokens/s, so 1e6 tokens take 450,000 s.
        Assert.That(time.Points[1].X, Is.EqualTo(1e6 / (100.0 / 45)).Within(1e-6));
    }

    [Test]
    public void A_broken_summary_json_names_the_file_and_the_missing_field()
    {
        var dir = TinyWorld.TempDir("broken-summary");
        var path = Path.Combine(dir, Summary.JsonFile);
        File.WriteAllText(path, """{"profile": {"name": "smoke"}, "model": "minilm", "configs": [{"config": "baseline"}]}""");
        Assert.That(() => Figures.ReadSummary(path), Throws.TypeOf<InvalidDataException>()
            .With.Message.Contains(path).And.Message.Contains("configs[0] has no 'frozen'"));
        File.WriteAllText(path, "{ not json");
        Assert.That(() => Figures.ReadSummary(path), Throws.TypeOf<InvalidDataException>().With.Message.Contains(path));
    }
}
