using POSLayerFreeze.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static POSLayerFreeze.Tests.Training.Float64Params;

namespace POSLayerFreeze.Tests.Training;

/// <summary>
/// FlatAdamW's parameter groups as freeze schedules use them: an inactive group is untouched (no update, no decay, no
/// moment update: bit-identical), a group that joins starts with zero moments and step 0, so its first update is
/// exactly a fresh optimizer's first update; each group runs at its own rate scale.
/// </summary>
[TestFixture]
public sealed class FlatAdamWGroupsTests
{
    [Test]
    public void AnInactiveGroupStaysBitIdenticalAndAJoiningGroupStartsFresh()
    {
        using var a = Param(0.5, -1.5);
        using var b = Param(2.0, 3.0);
        using var optimizer = FlatAdamW.ForGroups([new ParameterGroup("a", [a]), new ParameterGroup("b", [b])], 1e-2, weightDecay: 0.1);
        // Both train three steps: b's moments are not zero when it leaves.
        for (var i = 0; i < 3; i++)
        {
            SetGrad(a, 0.3, -0.2);
            SetGrad(b, 1.0, -4.0);
            optimizer.Step();
        }
        Assert.That(Values(optimizer.Moments("b").ExpAvg), Has.Some.Not.Zero);
        Assert.That(optimizer.GroupStepCount("b"), Is.EqualTo(3));

        optimizer.SetActive("b", false);
        var frozen = Values(b);
        for (var i = 0; i < 4; i++)
        {
            optimizer.ZeroGrad();
            SetGrad(a, 0.3, -0.2);
            optimizer.Step();
            Assert.That(Values(b), Is.EqualTo(frozen), $"inactive group moved in step {i + 1} (weight decay or a stale moment)");
        }
        Assert.That(Values(optimizer.Moments("b").ExpAvg), Is.All.Zero, "leaving drops the moments");
        Assert.That(optimizer.GroupStepCount("a"), Is.EqualTo(7));
        Assert.That(optimizer.StepCount, Is.EqualTo(7));

        optimizer.SetActive("b", true);
        Assert.That(optimizer.GroupStepCount("b"), Is.Zero);
        Assert.That(Values(optimizer.Moments("b").ExpAvg).Concat(Values(optimizer.Moments("b").ExpAvgSq)), Is.All.Zero, "a joining group's moments");
        // Its first update after joining equals a brand-new optimizer's first update, bit for bit (bias correction of step 1).
        using var twin = Param(Values(b));
        using var fresh = new FlatAdamW([twin], 1e-2, weightDecay: 0.1);
        optimizer.ZeroGrad();
        SetGrad(a, 0.3, -0.2);
        SetGrad(b, -0.7, 0.25);
        SetGrad(twin, -0.7, 0.25);
        optimizer.Step();
        fresh.Step();
        Assert.That(Values(b), Is.EqualTo(Values(twin)));
        Assert.That(optimizer.GroupStepCount("b"), Is.EqualTo(1));
    }

    [Test]
    public void EachGroupRunsAtItsScaledRate()
    {
        // Adam's first step moves every element by lr·scale (sign of the gradient) when eps is negligible and decay off.
        using var head = Param(0.0, 0.0);
        using var layer = Param(0.0, 0.0);
        using var optimizer = FlatAdamW.ForGroups([new ParameterGroup("head", [head]), new ParameterGroup("0", [layer], 0.25)],
            0.1, eps: 1e-12, weightDecay: 0);
        SetGrad(head, 2.0, -3.0);
        SetGrad(layer, 2.0, -3.0);
        optimizer.Step();
        Assert.That(Values(head), Is.EqualTo(new[] { -0.1, 0.1 }).Within(1e-12));
        Assert.That(Values(layer), Is.EqualTo(new[] { -0.025, 0.025 }).Within(1e-12));
    }

    [Test]
    public void GroupsAreNamedOnceAndKnownByName()
    {
        using var a = Param(1.0);
        using var b = Param(2.0);
        Assert.That(() => FlatAdamW.ForGroups([new ParameterGroup("x", [a]), new ParameterGroup("x", [b])], 1e-3),
            Throws.ArgumentException.With.Message.EqualTo("a group name is listed twice"));
        Assert.That(() => FlatAdamW.ForGroups([new ParameterGroup("x", [])], 1e-3),
            Throws.ArgumentException.With.Message.StartsWith("nothing to optimize"));
        using var optimizer = FlatAdamW.ForGroups([new ParameterGroup("x", [a])], 1e-3);
        Assert.That(() => optimizer.SetActive("y", false), Throws.ArgumentException.With.Message.StartsWith("no parameter group 'y' (groups: x)"));
    }
}
