using System.Text.Json.Nodes;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tests.Training.Oracle;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Models;

/// <summary>
/// Our bf16 forward against an independent PyTorch one (eng/oracle-bf16/bf16_forward.py: the training oracle's
/// models with the bf16 rule applied by hand), on the oracle cases' initial weights and first two batches. bf16
/// GEMMs in two libraries need not round identically, and a bf16 output that lands on the other side of a rounding
/// boundary moves by a whole bf16 step (2⁻¹⁰ at the logits' scale, as large as bf16's whole effect on the largest
/// logit), so the check is on the mean: our bf16 logits must sit on average far closer to the oracle's bf16 logits
/// than bf16 sits from fp32 (a model that skipped a cast, or cast where the rule says fp32, lands at the fp32
/// distance).
/// </summary>
public class AutocastOracleTests
{
    [TestCase("tiny-bert")]
    [TestCase("tiny-distilbert")]
    public void Bf16_logits_match_an_independent_PyTorch_forward(string caseName)
    {
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "oracle-bf16", caseName + ".json")))!;
        var batches = JsonNode.Parse(File.ReadAllText(Path.Combine(OracleCases.FixtureDir, caseName, "batches.json")))!["steps"]!.AsArray();
        using var model = OracleCases.CreateModel(OracleCases.Case(caseName).Model);
        model.eval();
        var steps = expected["steps"]!.AsArray();
        Assert.That(steps, Has.Count.EqualTo(2));
        for (var s = 0; s < steps.Count; s++)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var ids = Matrix(batches[s]!["input_ids"]!);
            var mask = Matrix(batches[s]!["attention_mask"]!);
            float[] Logits(Precision precision)
            {
                model.Precision = precision;
                return model.call(ids, mask).reshape(-1).data<float>().ToArray();
            }
            var oracleFp32 = Values(steps[s]!["fp32"]!);
            var oracleBf16 = Values(steps[s]!["bf16"]!);
            var fp32 = Logits(Precision.Fp32);
            var bf16 = Logits(Precision.Bf16);
            var bf16Effect = MeanDifference(oracleBf16, oracleFp32);
            var miss = MeanDifference(bf16, oracleBf16);
            TestContext.Out.WriteLine($"{caseName} batch {s}: mean |ours bf16 − oracle bf16| {miss:G3}, mean |oracle bf16 − oracle fp32| {bf16Effect:G3}, " +
                $"max {MaxDifference(bf16, oracleBf16):G3} and {MaxDifference(oracleBf16, oracleFp32):G3}");
            Assert.Multiple(() =>
            {
                Assert.That(MaxDifference(fp32, oracleFp32), Is.LessThan(1e-5), "fp32: the same weights and batch (else regenerate the fixture)");
                Assert.That(bf16Effect, Is.GreaterThan(1e-5), "the oracle's bf16 really rounds");
                Assert.That(miss, Is.LessThan(0.25 * bf16Effect), "our bf16 forward follows the bf16 rule");
            });
        }
    }

    private static float[] Values(JsonNode node) => node.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray();

    private static double MeanDifference(float[] a, float[] b)
    {
        Assert.That(a, Has.Length.EqualTo(b.Length));
        return a.Zip(b, (x, y) => Math.Abs((double)x - y)).Average();
    }

    private static double MaxDifference(float[] a, float[] b)
    {
        Assert.That(a, Has.Length.EqualTo(b.Length));
        return a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
    }

    private static Tensor Matrix(JsonNode rows)
    {
        var array = rows.AsArray();
        var width = array[0]!.AsArray().Count;
        var flat = array.SelectMany(r => r!.AsArray().Select(v => v!.GetValue<long>())).ToArray();
        return tensor(flat, [array.Count, width]);
    }
}
