using POSLayerFreeze.Freezing;

namespace POSLayerFreeze.Tests.Freezing;

public class FreezePlanTests
{
    [TestCase("baseline", "baseline", new string[0])]
    [TestCase(" Baseline ", "baseline", new string[0])]
    [TestCase("slpf-0", "slpf-0", new[] { "0" })]
    [TestCase("slpf-5", "slpf-5", new[] { "5" })]
    [TestCase("clpf-0+1", "clpf-0+1", new[] { "0", "1" })]
    [TestCase("clpf-2+0", "clpf-0+2", new[] { "0", "2" })]
    [TestCase("clpf-5+emb+3", "clpf-emb+3+5", new[] { "emb", "3", "5" })]
    [TestCase("clpf-emb", "clpf-emb", new[] { "emb" })]
    [TestCase("all", "all", new[] { "emb", "0", "1", "2", "3", "4", "5" })]
    public void Parse_gives_the_canonical_name_and_units(string text, string name, string[] units)
    {
        var plan = FreezePlan.Parse(text, numLayers: 6);
        Assert.That(plan.Name, Is.EqualTo(name));
        Assert.That(plan.FrozenUnits, Is.EqualTo(units));
        Assert.That(FreezePlan.Parse(plan.Name, 6).FrozenUnits, Is.EqualTo(units), "the canonical name parses to the same plan");
    }

    [TestCase("clpf-1+1", "listed twice")]
    [TestCase("clpf-emb+0+emb", "listed twice")]
    [TestCase("clpf-01+1", "listed twice")]
    public void Duplicates_are_rejected(string text, string message) =>
        Assert.That(() => FreezePlan.Parse(text, 6), Throws.TypeOf<FormatException>().With.Message.Contains(message));

    [TestCase("slpf-6")]
    [TestCase("slpf--1")]
    [TestCase("clpf-0+6")]
    [TestCase("clpf-0+x")]
    [TestCase("slpf-emb")]
    [TestCase("slpf-")]
    [TestCase("clpf-")]
    [TestCase("clpf-0+")]
    public void Out_of_range_or_malformed_layers_name_the_valid_range(string text) =>
        Assert.That(() => FreezePlan.Parse(text, 6), Throws.TypeOf<FormatException>().With.Message.Contains("0..5"));

    [TestCase("frozen")]
    [TestCase("slpf")]
    [TestCase("")]
    public void Unknown_names_are_rejected(string text) =>
        Assert.That(() => FreezePlan.Parse(text, 6), Throws.TypeOf<FormatException>().With.Message.Contains("baseline, slpf-K"));

    [Test]
    public void Study_for_six_layers_is_baseline_then_slpf_then_clpf_prefixes_then_all()
    {
        string[] expected =
        [
            "baseline", "slpf-0", "slpf-1", "slpf-2", "slpf-3", "slpf-4", "slpf-5",
            "clpf-0+1", "clpf-0+1+2", "clpf-0+1+2+3", "clpf-0+1+2+3+4", "clpf-0+1+2+3+4+5", "all",
        ];
        Assert.That(Suites.Expand("study", 6).Select(p => p.Name), Is.EqualTo(expected));
        Assert.That(Suites.Expand("baseline", 6).Select(p => p.Name), Is.EqualTo(expected[..1]));
        Assert.That(Suites.Expand("slpf", 6).Select(p => p.Name), Is.EqualTo(expected[1..7]));
        Assert.That(Suites.Expand("clpf", 6).Select(p => p.Name), Is.EqualTo(expected[7..]));
        Assert.That(Suites.Expand("clpf", 6)[^2].FrozenUnits, Is.EqualTo(new[] { "0", "1", "2", "3", "4", "5" }));
        Assert.That(() => Suites.Expand("everything", 6), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void Two_layer_study_has_one_clpf_prefix()
    {
        Assert.That(Suites.Expand("study", 2).Select(p => p.Name),
            Is.EqualTo(new[] { "baseline", "slpf-0", "slpf-1", "clpf-0+1", "all" }));
    }
}
