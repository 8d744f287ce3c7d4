using System.Globalization;
using POSLayerFreeze.Models;
using TorchSharp.Modules;

namespace POSLayerFreeze.Freezing;

/// <summary>
/// Which units of the encoder stay fixed during fine-tuning, as data. One grammar for every name:
/// <c>baseline</c> (nothing frozen), <c>slpf-K</c> (layer K), <c>clpf-A+B+…</c> (any subset; <c>emb</c> may be a
/// member), <c>all</c> (embeddings and every layer; only the classifier trains), and the controls <c>random-init</c>
/// and <c>drop-top-K</c>, which freeze nothing but change the model first (<see cref="Control"/>). Names are canonical:
/// units are listed embeddings first, then layers ascending, so <c>clpf-2+0</c> parses to the plan named <c>clpf-0+2</c>.
/// Plans that change during the run (<c>gradual-N{s|e}</c>, <c>freezeout-T</c>) carry a <see cref="Schedule"/>;
/// <c>llrd-ξ</c> freezes nothing and carries its <see cref="LayerDecay"/>.
/// </summary>
public sealed record FreezePlan
{
    private FreezePlan(string name, IReadOnlyList<string> frozenUnits, FreezeSchedule? schedule = null, double? layerDecay = null)
    {
        Name = name;
        FrozenUnits = frozenUnits;
        Schedule = schedule;
        LayerDecay = layerDecay;
    }

    public string Name { get; }

    /// <summary>Unit names as <see cref="TokenClassifier.FreezableUnits"/> names them: <c>emb</c>, <c>0</c>…<c>L−1</c>.
    /// For a scheduled plan: the units frozen before the first step.</summary>
    public IReadOnlyList<string> FrozenUnits { get; }

    /// <summary>How the frozen units change at step boundaries; null when they stay <see cref="FrozenUnits"/> throughout.</summary>
    public FreezeSchedule? Schedule { get; }

    /// <summary>The layer-wise learning-rate decay this plan runs with (<c>llrd-ξ</c>); null: the profile's.</summary>
    public double? LayerDecay { get; }

    /// <summary>Reads a plan's name (see <see cref="FreezePlanName"/>, the grammar) for a model of <paramref name="numLayers"/> layers.</summary>
    public static FreezePlan Parse(string name, int numLayers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numLayers);
        var plan = FreezePlanName.Parse(name, numLayers);
        if (plan.Schedule is { } schedule)
            return new FreezePlan(plan.Name, schedule.FrozenUnits(new ScheduleClock(0, 0, 1), numLayers), schedule);
        return plan.Kind == FreezeKind.All
            ? new FreezePlan(plan.Name, ["emb", .. Enumerable.Range(0, numLayers).Select(Unit)])
            : new FreezePlan(plan.Name, plan.Units, layerDecay: plan.LayerDecay?.Value) { Control = ControlPlan.Of(plan, numLayers) };
    }

    /// <summary>For <c>random-init</c> and <c>drop-top-K</c>: what happens to the model before training; null otherwise.</summary>
    public ControlPlan? Control { get; private init; }

    /// <summary>The model this plan fine-tunes: <paramref name="model"/> itself, or as a control plan changes it (see <see cref="ControlPlan.Prepare"/>).</summary>
    public TokenClassifier Prepare(TokenClassifier model, long seed) => Control?.Prepare(model, seed) ?? model;

    /// <summary>
    /// Sets requires_grad on every encoder parameter (false for frozen units) and returns the trainable
    /// parameters in model order: exactly what the optimizer may see. A scheduled plan may train every parameter at
    /// some step, so it returns all of them, with requires_grad as before its first step.
    /// </summary>
    public IReadOnlyList<Parameter> Apply(TokenClassifier model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Control?.CheckPrepared(model);
        var trainable = SetRequiresGrad(model, FrozenUnits);
        return Schedule is null ? trainable : model.parameters().ToArray();
    }

    /// <summary>requires_grad false on the <paramref name="frozenUnits"/>, true on every other parameter; returns the
    /// trainable ones in model order.</summary>
    internal IReadOnlyList<Parameter> SetRequiresGrad(TokenClassifier model, IReadOnlyList<string> frozenUnits)
    {
        var units = model.FreezableUnits();
        var known = units.Select(u => u.Name).ToHashSet(StringComparer.Ordinal);
        var unknown = frozenUnits.Where(u => !known.Contains(u)).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"Freeze plan '{Name}' names units the model does not have: {string.Join(", ", unknown)}.");
        var frozen = frozenUnits.ToHashSet(StringComparer.Ordinal);
        var trainable = new List<Parameter>();
        foreach (var unit in units)
        {
            var train = !frozen.Contains(unit.Name);
            foreach (var p in unit.Parameters)
            {
                p.requires_grad = train;
                if (train) trainable.Add(p);
            }
        }
        foreach (var p in model.ClassifierParameters())
        {
            p.requires_grad = true;
            trainable.Add(p);
        }
        return trainable;
    }

    public override string ToString() => Name;

    private static string Unit(int layer) => layer.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The seed README's experiments as named suites of freeze plans.</summary>
public static class Suites
{
    public static readonly IReadOnlyList<string> Names = ["baseline", "slpf", "clpf", "study", "methods"];

    /// <summary>
    /// The <c>methods</c> suite (issue 26): how the freezing literature compares methods, sized for the smoke profile
    /// (one epoch of 32 steps): the baseline; gradual unfreezing of one unit every 4 steps (every unit trains from step
    /// 4·(L+1), step 28 on a 6-layer model); FreezeOut from half of training; layer-wise rates (BEiT's and MAE's
    /// <c>param_groups_lrd</c>) with ξ = 0.8; and the two controls, a randomly initialised encoder and the top two layers dropped (one on a
    /// two-layer model). For the full protocol, name other schedules with <c>--configs</c> (e.g. <c>gradual-1e</c>).
    /// </summary>
    public static IReadOnlyList<string> Methods(int numLayers) =>
        ["baseline", "gradual-4s", "freezeout-0.5", "llrd-0.8", "random-init", .. numLayers > 1 ? [$"drop-top-{Math.Min(2, numLayers - 1)}"] : Array.Empty<string>()];

    public static IReadOnlyList<FreezePlan> Expand(string suite, int numLayers) => suite.Trim().ToLowerInvariant() switch
    {
        "baseline" => [FreezePlan.Parse("baseline", numLayers)],
        "slpf" => Enumerable.Range(0, numLayers).Select(k => FreezePlan.Parse($"slpf-{k}", numLayers)).ToArray(),
        // Bottom-up prefixes 0+1, 0+1+2, …, 0+…+(L−1), then everything (embeddings too).
        "clpf" => Enumerable.Range(2, numLayers - 1)
            .Select(n => FreezePlan.Parse("clpf-" + string.Join('+', Enumerable.Range(0, n)), numLayers))
            .Append(FreezePlan.Parse("all", numLayers)).ToArray(),
        "study" => [.. Expand("baseline", numLayers), .. Expand("slpf", numLayers), .. Expand("clpf", numLayers)],
        "methods" => Methods(numLayers).Select(name => FreezePlan.Parse(name, numLayers)).ToArray(),
        _ => throw new FormatException($"Unknown suite '{suite}': expected one of {string.Join(", ", Names)}."),
    };
}
