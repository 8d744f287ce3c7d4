using System.Text.Json.Nodes;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Golden;
using SkiaSharp;

namespace POSLayerFreeze.Specs;

/// <summary>
/// The seed README's "Visualization of Results": result.png, drawn from the same runs as the other specs, with one
/// bar per configuration (baseline grey, SLPF blue, CLPF red) and the baseline reference line.
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

        var facts = new Dictionary<string, Fact>(StringComparer.Ordinal)
        {
            ["configs"] = Fact.Of(string.Join(",", plotted)),
            ["width"] = Fact.Of(image.Width),
            ["height"] = Fact.Of(image.Height),
        };
        Goldens.Verify("visualization", new Snapshot(Goldens.ProvenanceOf(runs, study.Settings), new Dictionary<string, Metric>(), facts));
    }

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
