using System.Text.Json.Nodes;
using POSLayerFreeze.Analysis;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Tests.Experiments;
using SkiaSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Analysis;

/// <summary>A study with --save-model on the tiny BERT (<see cref="TinyWorld"/>): summary.json gets a layers section,
/// layers.png plots exactly its numbers, frozen outputs equal the pretrained ones (CKA 1, same probe), caches are
/// reused; a study without saved models gets neither section nor figure.</summary>
public class LayerStudyTests : TinyTorchFixture
{
    private static readonly ProbeProfile Probe = ProbeProfile.Smoke with { TrainSentences = 20, MaxLength = 32, MaxIterations = 100, CkaWords = 200 };

    private static readonly Lazy<string> Study = new(() =>
    {
        var dir = TinyWorld.TempDir("layers");
        var model = TinyWorld.Model;
        var data = ExperimentData.Load(model, TinyWorld.Profile, Treebank.FromFolder(TinyWorld.DataDir, "test"));
        foreach (var config in new[] { "baseline", "clpf-emb+0" })
        {
            var spec = new RunSpec(config, 42, TinyWorld.Profile, model.Name, Sweep.ModelIdentity(model), "cpu", Tf32: false)
            {
                SaveModel = true,
                Dataset = data.Treebank.Identity,
            };
            RunExecutor.Execute(spec, data, Path.Combine(dir, spec.RelativeDirectory));
        }
        return dir;
    });

    private static LayerStudyInputs Inputs() => LayersSection.InputsFor(TinyWorld.Model, Treebank.FromFolder(TinyWorld.DataDir, "test"), "test", CPU) with { Profile = Probe };

    [Test]
    public void Layers_png_plots_the_summary_json_numbers_and_marks_the_frozen_outputs()
    {
        var dir = Study.Value;
        using var log = new StringWriter();
        Summary.Write(dir, Inputs(), log);
        var layers = SweepSummaryFile.Read(Path.Combine(dir, Summary.JsonFile)).Layers;
        Assert.That(layers, Is.Not.Null, log.ToString());
        var states = TinyWorld.Model.Config.NumLayers + 1;
        Assert.That(layers!.Units, Is.EqualTo(new[] { "emb" }.Concat(Enumerable.Range(0, states - 1).Select(i => POSLayerFreeze.Runtime.Invariant.Format(i)))));
        Assert.That(layers.Configs.Select(c => c.Config), Is.EqualTo(new[] { "baseline", "clpf-emb+0" }));
        Assert.That(layers.Configs.Select(c => c.Cka.Count), Is.All.EqualTo(states));

        // The frozen embeddings and layer 0 give the pretrained hidden states 0 and 1: the same probe, CKA 1.
        var frozen = layers.Configs[1];
        for (var l = 0; l < 2; l++)
        {
            Assert.That(frozen.DevAccuracy[l], Is.EqualTo(layers.PretrainedDevAccuracy[l]), $"hidden state {l}");
            Assert.That(frozen.Cka[l], Is.EqualTo(1.0).Within(1e-9), $"hidden state {l}");
            Assert.That(frozen.CkaDebiased[l], Is.EqualTo(1.0).Within(1e-9), $"hidden state {l}");
        }
        // Fine-tuning at lr 1e-3 moves every unit of the baseline: no hidden state after the embeddings is unchanged.
        Assert.That(layers.Configs[0].Cka.Skip(1), Is.All.LessThan(1 - 1e-6));

        var figure = Figures.WriteFromSummary(dir).Single(f => Path.GetFileName(f.Path) == LayersSection.FigureFile);
        using (var png = SKBitmap.Decode(figure.Path)) Assert.That((png.Width, png.Height), Is.EqualTo((LayersFigure.Width, LayersFigure.Height)));
        var expectedProbe = new[] { (LayersFigure.Pretrained, layers.PretrainedDevAccuracy) }
            .Concat(layers.Configs.Select(c => (c.Config, c.DevAccuracy)))
            .SelectMany(r => r.Item2.Select((a, l) => (r.Item1, (double)l, a * 100))).ToArray();
        Assert.That(figure.Panel("probe").Points.Select(p => (p.Config, p.X, p.Y)), Is.EqualTo(expectedProbe));
        Assert.That(figure.Panel("cka").Points.Select(p => (p.Config, p.X, p.Y)),
            Is.EqualTo(layers.Configs.SelectMany(c => c.Cka.Select((v, l) => (c.Config, (double)l, v)))));
        Assert.That(figure.Panel("frozen").Points.Select(p => (p.Config, p.X)), Is.EqualTo(new[] { ("clpf-emb+0", 0.0), ("clpf-emb+0", 1.0) }));

        var md = File.ReadAllText(Path.Combine(dir, Summary.MarkdownFile));
        Assert.That(md, Does.Contain("## Layers: linear probes").And.Contain("![probe accuracy and CKA per hidden state](layers.png)"));
        Assert.That(TinyWorld.TempFiles(dir), Is.Empty);
    }

    [Test]
    public void A_second_report_reuses_every_cache_and_writes_the_same_summary()
    {
        var dir = Study.Value;
        Summary.Write(dir, Inputs(), TextWriter.Null);
        var first = File.ReadAllText(Path.Combine(dir, Summary.JsonFile));
        Assert.That(File.Exists(Path.Combine(dir, LayerStudy.PretrainedFile)), Is.True);
        using var log = new StringWriter();
        Summary.Write(dir, Inputs(), log);
        Assert.That(log.ToString(), Does.Not.Contain("measuring"));
        Assert.That(File.ReadAllText(Path.Combine(dir, Summary.JsonFile)), Is.EqualTo(first));
        // Another CKA sample is another measurement: the caches no longer match.
        using var again = new StringWriter();
        Summary.Write(dir, Inputs() with { Profile = Probe with { CkaSeed = 7 } }, again);
        Assert.That(again.ToString(), Does.Contain("measuring the pretrained encoder").And.Contain("measuring baseline seed 42"));
        Summary.Write(dir, Inputs(), TextWriter.Null);
    }

    [Test]
    public void Without_saved_models_there_is_no_section_no_figure_and_one_line_why()
    {
        var dir = TinyWorld.TempDir("no-layers");
        var words = SyntheticRuns.Uniform(8).Words;
        SyntheticRuns.Write(dir, "baseline", 42, SyntheticRuns.Uniform(8).Correct, words);
        SyntheticRuns.Write(dir, "slpf-0", 42, SyntheticRuns.Uniform(7).Correct, words);
        // A figure left by an earlier report would contradict a summary without the section.
        File.WriteAllText(Path.Combine(dir, LayersSection.FigureFile), "stale");
        using var log = new StringWriter();
        Summary.Write(dir, null, log);
        Assert.That(JsonNode.Parse(File.ReadAllText(Path.Combine(dir, Summary.JsonFile)))!.AsObject().ContainsKey("layers"), Is.False);
        Assert.That(File.ReadAllText(Path.Combine(dir, Summary.MarkdownFile)), Does.Not.Contain("Layers"));
        Assert.That(File.Exists(Path.Combine(dir, LayersSection.FigureFile)), Is.False);
        Assert.That(log.ToString().Trim().Split('\n'), Has.Length.EqualTo(1).And.Some.Contains("--save-model"));
        Assert.That(Figures.WriteFromSummary(dir).Select(f => Path.GetFileName(f.Path)), Does.Not.Contain(LayersSection.FigureFile));
    }

    [Test]
    public void Saved_models_without_their_inputs_get_a_section_that_says_why()
    {
        Assert.That(LayersSection.Markdown(null, "the treebank found is not the one the runs read.", anySaved: true),
            Is.EqualTo("\n## Layers\n\nNot drawn: the treebank found is not the one the runs read.\n"));
        Assert.That(LayersSection.Markdown(null, "no run saved its model", anySaved: false), Is.Empty);
    }

    [Test]
    public void The_cka_sample_is_seeded_sorted_and_bounded_by_the_dev_words()
    {
        var sample = LayerStudy.CkaSample(1000, 100, 42);
        Assert.That(sample, Is.EqualTo(LayerStudy.CkaSample(1000, 100, 42)));
        Assert.That(sample, Is.Ordered.And.Unique.And.Length.EqualTo(100).And.All.InRange(0, 999));
        Assert.That(LayerStudy.CkaSample(1000, 100, 43), Is.Not.EqualTo(sample));
        Assert.That(LayerStudy.CkaSample(50, 100, 42), Is.EqualTo(Enumerable.Range(0, 50)));
    }

    [Test]
    public void A_study_uses_the_probe_profile_named_like_its_training_profile()
    {
        Assert.That(ProbeProfile.ForStudy("smoke"), Is.SameAs(ProbeProfile.Smoke));
        Assert.That(ProbeProfile.ForStudy("smoke+train=256"), Is.SameAs(ProbeProfile.Smoke), "command-line overrides keep the base profile's probe");
        Assert.That(ProbeProfile.ForStudy("full"), Is.SameAs(ProbeProfile.Full));
        Assert.That(ProbeProfile.ForStudy("paper"), Is.SameAs(ProbeProfile.Default));
        Assert.That(() => (ProbeProfile.Smoke with { CkaWords = 3 }).Validated(), Throws.ArgumentException.With.Message.Contains("cka_words"));
        Assert.That(() => (ProbeProfile.Smoke with { DevSentences = 0 }).Validated(), Throws.ArgumentException.With.Message.Contains("dev_sentences"));
    }
}
