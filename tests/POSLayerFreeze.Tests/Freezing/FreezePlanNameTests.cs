using POSLayerFreeze.Freezing;
using POSLayerFreeze.Reporting;

namespace POSLayerFreeze.Tests.Freezing;

/// <summary>The one reader of plan names: a run's recorded name read back without the model, and the order and
/// families reports derive from it.</summary>
public class FreezePlanNameTests
{
    [TestCase("baseline", FreezeKind.Baseline, false, new int[0], 0)]
    [TestCase("slpf-11", FreezeKind.SingleLayer, false, new[] { 11 }, 1)]
    [TestCase("clpf-0+1+2", FreezeKind.Compound, false, new[] { 0, 1, 2 }, 3)]
    [TestCase("clpf-emb+3+10", FreezeKind.Compound, true, new[] { 3, 10 }, 3)]
    [TestCase("clpf-emb", FreezeKind.Compound, true, new int[0], 1)]
    [TestCase("all", FreezeKind.All, false, new int[0], 0)]
    public void A_recorded_name_reads_back_as_its_kind_and_units_for_any_depth(string name, FreezeKind kind, bool embeddings, int[] layers, int listed)
    {
        var plan = FreezePlanName.TryRead(name)!;
        Assert.That((plan.Kind, plan.Embeddings, plan.ListedUnits), Is.EqualTo((kind, embeddings, listed)));
        Assert.That(plan.Layers, Is.EqualTo(layers));
        Assert.That(plan.Name, Is.EqualTo(name), "a canonical name prints as itself");
    }

    [TestCase("SLPF-1")]
    [TestCase(" baseline")]
    [TestCase("slpf-x")]
    [TestCase("clpf-1+1")]
    [TestCase("clpf-")]
    [TestCase("frozen")]
    public void What_no_run_could_be_named_is_not_a_plan(string name) =>
        Assert.That(FreezePlanName.TryRead(name), Is.Null);

    [Test]
    public void Parse_forgives_case_and_spaces_and_checks_the_model_depth()
    {
        Assert.That(FreezePlanName.Parse(" Clpf-3+EMB+0 ", 6).Name, Is.EqualTo("clpf-emb+0+3"));
        Assert.That(() => FreezePlanName.Parse("slpf-6", 6), Throws.TypeOf<FormatException>().With.Message.Contains("(0..5)"));
        Assert.That(FreezePlanName.TryRead("slpf-6")!.Layers, Is.EqualTo(new[] { 6 }), "without a model any layer reads");
    }

    [Test]
    public void Reports_order_and_colour_by_the_parsed_kind()
    {
        // A 12-layer model: slpf by layer number (not text: slpf-10 after slpf-9), clpf by size, emb counted as a unit.
        string[] ordered =
        [
            "baseline", "slpf-0", "slpf-9", "slpf-10", "clpf-emb", "clpf-0+1", "clpf-emb+0", "clpf-0+1+2", "clpf-0+1+2+3+4+5+6+7+8+9+10+11",
            "all", "custom",
        ];
        Assert.That(ordered.Reverse().OrderBy(Aggregation.OrderKey).ThenBy(c => c, StringComparer.Ordinal),
            Is.EqualTo(ordered.OrderBy(Aggregation.OrderKey).ThenBy(c => c, StringComparer.Ordinal)));
        Assert.That(ordered.Select(Aggregation.OrderKey), Is.Ordered);
        Assert.That(Aggregation.OrderKey("clpf-0+1"), Is.EqualTo(Aggregation.OrderKey("clpf-emb+0")), "same size, same band: ties go by name");
        Assert.That(ordered.Select(Aggregation.KindOf), Is.EqualTo(new FreezeKind?[]
        {
            FreezeKind.Baseline, FreezeKind.SingleLayer, FreezeKind.SingleLayer, FreezeKind.SingleLayer, FreezeKind.Compound, FreezeKind.Compound,
            FreezeKind.Compound, FreezeKind.Compound, FreezeKind.Compound, FreezeKind.All, null,
        }));
        Assert.That(ordered.Select(c => Plotting.ColorOf(c).ToHex()).Distinct(), Is.EqualTo(new[]
        {
            Plotting.BaselineColor.ToHex(), Plotting.SlpfColor.ToHex(), Plotting.ClpfColor.ToHex(),
        }));
    }
}
