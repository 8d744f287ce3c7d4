using System.Text.Json.Nodes;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Experiments;
using SkiaSharp;

namespace POSLayerFreeze.Tests.Reporting;

/// <summary>result.png and tradeoff.png: what they plot equals the summary; Pareto front and axis transform by hand;
/// curves.png: what it plots equals the runs' log_history (seed means by hand).</summary>
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
        Assert.That(Plotting.ParetoFront(points), Is.EqualTo(new[] { "a", "b", "e" }));
    }

    [Test]
    public void Symmetric_log_axis_is_odd_monotone_and_logarithmic_beyond_the_threshold()
    {
        Assert.That(Plotting.Symlog(0), Is.Zero);
        Assert.That(Plotting.Symlog(Plotting.SymlogThreshold), Is.EqualTo(Math.Log10(2)).Within(1e-12));
        Assert.That(Plotting.Symlog(-30), Is.EqualTo(-Plotting.Symlog(30)));
        Assert.That(Plotting.Symlog(-0.2), Is.GreaterThan(Plotting.Symlog(-0.3)));
        // Each decade far from 0 takes about the same height (exactly 1 in the limit): 3 → 30 like 30 → 300.
        Assert.That(Plotting.Symlog(3) - Plotting.Symlog(30), Is.EqualTo(Plotting.Symlog(30) - Plotting.Symlog(300)).Within(0.02));
    }

    [Test]
    public void Result_panels_are_sized_from_their_configurations_and_grow_the_figure_only_when_needed()
    {
        static string Title(int length) => new('x', length);
        // A 6-layer study (13 bars; 6 and 6 Δ intervals) fits the default width, which the visualization golden pins.
        var six = ResultFigure.PanelWidths(ResultFigure.Width, [(13, 28, Title(50)), (6, 60, Title(42)), (6, 60, Title(38))]);
        Assert.That(six.Sum(), Is.EqualTo(ResultFigure.Width));
        Assert.That(six[2] - six[1], Is.InRange(0, 1), "as many Δ slots, as wide (up to the rounding remainder)");
        Assert.That(six[0], Is.GreaterThan(six[1]), "13 bars take more room than 6 intervals");
        // A 12-layer study (26 bars; 12 and 13 Δ intervals) does not fit: the figure grows, no slot shrinks.
        var twelve = ResultFigure.PanelWidths(ResultFigure.Width, [(26, 28, Title(50)), (12, 60, Title(42)), (13, 60, Title(38))]);
        Assert.That(twelve.Sum(), Is.GreaterThan(ResultFigure.Width));
        Assert.That(twelve[2] - twelve[1], Is.EqualTo(60), "one more interval, one Δ slot wider");
        Assert.That(twelve[0] - six[0], Is.GreaterThanOrEqualTo(13 * 28 - 30), "13 more bars, at least 13 more bar slots (less what was spare)");
        // Few configurations: a long title (model and profile names) keeps its panel wide enough to be read whole.
        var few = ResultFigure.PanelWidths(ResultFigure.Width, [(2, 28, Title(100)), (1, 60, Title(42))]);
        Assert.That(few[0], Is.GreaterThan(100 * 7), "~7–8 px per title character at 13 pt");
        Assert.That(few.Sum(), Is.EqualTo(ResultFigure.Width));
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
        using (var png = SKBitmap.Decode(result.Path)) Assert.That((png.Width, png.Height), Is.EqualTo((ResultFigure.Width, ResultFigure.Height)));
        using (var png = SKBitmap.Decode(tradeoff.Path)) Assert.That((png.Width, png.Height), Is.EqualTo((TradeoffFigure.Width, TradeoffFigure.Height)));

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
        var (read, profile, model) = SummaryJson.Read(Path.Combine(alone, Summary.JsonFile));
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

    private static JsonArray History(params (int Step, double Epoch, double? Loss, double? Eval)[] entries) => new(entries.Select(e =>
        (JsonNode)(e.Loss is { } loss
            ? new JsonObject { ["epoch"] = e.Epoch, ["grad_norm"] = 1.0, ["learning_rate"] = 1e-4, ["loss"] = loss, ["step"] = e.Step }
            : new JsonObject { ["epoch"] = e.Epoch, ["eval_accuracy"] = e.Eval, ["step"] = e.Step })).ToArray());

    [Test]
    public void Curves_plot_each_configurations_log_history_averaged_over_seeds()
    {
        var dir = TinyWorld.TempDir("curves");
        var (correct, words) = SyntheticRuns.Uniform(8);
        SyntheticRuns.Write(dir, "baseline", 42, correct, words, evalEachEpoch: true,
            logHistory: History((10, 0.5, 2.0, null), (20, 1, 1.0, null), (20, 1, null, 0.50), (40, 2, 0.5, null), (40, 2, null, 0.70)));
        SyntheticRuns.Write(dir, "baseline", 43, correct, words, evalEachEpoch: true,
            logHistory: History((10, 0.5, 3.0, null), (20, 1, 2.0, null), (20, 1, null, 0.60), (40, 2, 0.25, null), (40, 2, null, 0.80)));
        SyntheticRuns.Write(dir, "all", 42, SyntheticRuns.Uniform(2).Correct, words, evalEachEpoch: true,
            logHistory: History((20, 1, 2.5, null), (20, 1, null, 0.2), (40, 2, 2.4, null), (40, 2, null, 0.25)));
        SyntheticRuns.Write(dir, "slpf-1", 42, correct, words);   // an older run without log_history: a legend entry, no line
        Summary.Write(dir);
        var path = Path.Combine(dir, Figures.CurvesFile);
        Assert.That(File.Exists(path), Is.True, "Summary.Write draws curves.png beside result.png");
        Assert.That(File.ReadAllText(Path.Combine(dir, Summary.MarkdownFile)), Does.Contain("(curves.png)"), "summary.md shows it");

        var curves = Figures.WriteCurves(dir);
        using (var png = SKBitmap.Decode(path)) Assert.That((png.Width, png.Height), Is.EqualTo((CurvesFigure.Width, CurvesFigure.Height)));
        Assert.That(new FileInfo(path).Length, Is.InRange(10_000, 2_000_000), "a drawn figure, not an empty canvas");
        var loss = curves.Panel("loss").Points.Select(p => (p.Config, p.X, p.Y)).ToArray();
        Assert.That(loss, Is.EqualTo(new[]
        {
            ("baseline", 10.0, 2.5), ("baseline", 20.0, 1.5), ("baseline", 40.0, 0.375), ("all", 20.0, 2.5), ("all", 40.0, 2.4),
        }).Using<(string, double, double)>((a, b) => a.Item1 == b.Item1 && a.Item2 == b.Item2 && Math.Abs(a.Item3 - b.Item3) < 1e-12),
            "per configuration in summary order, mean over seeds at each step");
        var dev = curves.Panel("dev-accuracy").Points.Select(p => (p.Config, p.X, p.Y)).ToArray();
        Assert.That(dev, Is.EqualTo(new[] { ("baseline", 1.0, 55.0), ("baseline", 2.0, 75.0), ("all", 1.0, 20.0), ("all", 2.0, 25.0) })
            .Using<(string, double, double)>((a, b) => a.Item1 == b.Item1 && a.Item2 == b.Item2 && Math.Abs(a.Item3 - b.Item3) < 1e-9), "percent");
        Assert.That((curves.Panel("loss").Note, curves.Panel("dev-accuracy").Note), Is.EqualTo(((string?)null, (string?)null)));
        Assert.That(TinyWorld.TempFiles(dir), Is.Empty, "written atomically");
    }

    [Test]
    public void Curves_say_on_the_panel_when_no_run_measured_dev_accuracy_per_epoch()
    {
        var dir = TinyWorld.TempDir("curves-no-eval");
        var (correct, words) = SyntheticRuns.Uniform(8);
        SyntheticRuns.Write(dir, "baseline", 42, correct, words, logHistory: History((32, 1, 0.8, null), (32, 1, null, 0.9)));
        SyntheticRuns.Write(dir, "all", 42, correct, words, logHistory: History((32, 1, 2.7, null), (32, 1, null, 0.5)));
        Summary.Write(dir);
        var curves = Figures.WriteCurves(dir);
        Assert.Multiple(() =>
        {
            Assert.That(curves.Panel("dev-accuracy").Points, Is.Empty, "the one evaluation after training is not a per-epoch curve");
            Assert.That(curves.Panel("dev-accuracy").Note, Does.Contain("No run measured dev accuracy after each epoch").And.Contain("--eval-each-epoch"));
            Assert.That(curves.Panel("loss").Points.Select(p => (p.Config, p.X, p.Y)), Is.EqualTo(new[] { ("baseline", 32.0, 0.8), ("all", 32.0, 2.7) }));
            Assert.That(curves.Panel("loss").Note, Does.Contain("One loss read per run").And.Contain("--logging-steps"));
        });
    }

    [Test]
    public void A_broken_summary_json_names_the_file_and_the_missing_field()
    {
        var dir = TinyWorld.TempDir("broken-summary");
        var path = Path.Combine(dir, Summary.JsonFile);
        File.WriteAllText(path, """{"profile": {"name": "smoke"}, "model": "minilm", "configs": [{"config": "baseline"}]}""");
        Assert.That(() => SummaryJson.Read(path), Throws.TypeOf<InvalidDataException>()
            .With.Message.Contains(path).And.Message.Contains("configs[0] has no 'frozen'"));
        File.WriteAllText(path, "{ not json");
        Assert.That(() => SummaryJson.Read(path), Throws.TypeOf<InvalidDataException>().With.Message.Contains(path));
    }
}

/// <summary>curves.png of real (tiny) runs: the plotted series are exactly the runs' log_history.</summary>
public class CurvesOfRealRunsTests : TinyTorchFixture
{
    [Test]
    public void Curves_plot_exactly_what_the_runs_logged_per_step_and_per_epoch()
    {
        var dir = TinyWorld.TempDir("curves-real");
        var model = TinyWorld.Model;
        var profile = TinyWorld.Profile with { Name = "test-curves", Epochs = 2, EvalEachEpoch = true, LoggingSteps = 1 };
        var data = ExperimentData.Load(model, profile, POSLayerFreeze.Data.Treebank.FromFolder(TinyWorld.DataDir, "test"));
        var metrics = new Dictionary<string, JsonObject>();
        foreach (var config in new[] { "baseline", "all" })
        {
            var spec = new RunSpec(config, 42, profile, model.Name, Sweep.ModelIdentity(model), "cpu", Tf32: false) { Dataset = data.Treebank.Identity };
            metrics[config] = RunExecutor.Execute(spec, data, Path.Combine(dir, spec.RelativeDirectory));
        }
        Summary.Write(dir);
        var curves = Figures.WriteCurves(dir);
        foreach (var (config, m) in metrics)
        {
            var history = m["log_history"]!.AsArray();
            var logged = history.Where(e => e!["loss"] is not null).Select(e => (e!["step"]!.GetValue<int>() * 1.0, e["loss"]!.GetValue<double>())).ToArray();
            var evaluated = history.Where(e => e!["eval_accuracy"] is not null)
                .Select(e => (e!["epoch"]!.GetValue<double>(), e["eval_accuracy"]!.GetValue<double>() * 100)).ToArray();
            Assert.That(logged, Has.Length.EqualTo(m["train"]!["steps"]!.GetValue<int>()), "logging_steps 1: a point per step");
            Assert.That(curves.Panel("loss").Points.Where(p => p.Config == config).Select(p => (p.X, p.Y)), Is.EqualTo(logged), $"{config} loss");
            Assert.That(curves.Panel("dev-accuracy").Points.Where(p => p.Config == config).Select(p => (p.X, p.Y)), Is.EqualTo(evaluated), $"{config} dev");
            Assert.That(evaluated.Select(e => e.Item1), Is.EqualTo(new[] { 1.0, 2.0 }));
        }
    }
}
