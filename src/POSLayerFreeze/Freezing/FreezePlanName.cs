using System.Globalization;

namespace POSLayerFreeze.Freezing;

/// <summary>The kinds of freeze plan a name can give.</summary>
public enum FreezeKind
{
    /// <summary><c>baseline</c>: nothing frozen.</summary>
    Baseline,

    /// <summary><c>slpf-K</c>: one layer frozen alone.</summary>
    SingleLayer,

    /// <summary><c>clpf-A+B+…</c>: several units (layers, <c>emb</c>) frozen together.</summary>
    Compound,

    /// <summary><c>all</c>: embeddings and every layer; only the classifier trains.</summary>
    All,

    /// <summary><c>random-init</c>: a control; nothing frozen, the encoder re-initialised (<see cref="ControlPlan"/>).</summary>
    RandomInit,

    /// <summary><c>drop-top-K</c>: a control; nothing frozen, the top K layers removed (<see cref="ControlPlan"/>).</summary>
    DropTop,
    /// <summary><c>gradual-N{s|e}</c>: gradual unfreezing from the top (<see cref="GradualUnfreezing"/>).</summary>
    Gradual,

    /// <summary><c>freezeout-T</c>: progressive freezing from the bottom (<see cref="ProgressiveFreezing"/>).</summary>
    FreezeOut,

    /// <summary><c>llrd-ξ</c>: nothing frozen, layer-wise learning-rate decay ξ for this run (<see cref="Training.LayerRates"/>).</summary>
    LayerDecay,
}

/// <summary>
/// What a freeze plan's name says, read without a model: its kind and the units it lists. The one parser of plan
/// names: <see cref="FreezePlan.Parse"/> reads a name typed by people (any case and spacing, layers checked against
/// the model), and reports read the configuration names of finished runs with <see cref="TryRead"/>.
/// </summary>
public sealed partial record FreezePlanName
{
    private FreezePlanName(FreezeKind kind, bool embeddings, IReadOnlyList<int> layers, int droppedLayers = 0)
    {
        Kind = kind;
        Embeddings = embeddings;
        Layers = layers;
        DroppedLayers = droppedLayers;
    }

    public FreezeKind Kind { get; }

    /// <summary>The schedule of a <c>gradual-…</c> or <c>freezeout-…</c> plan; null for a plan fixed for the whole run.</summary>
    public FreezeSchedule? Schedule { get; private init; }

    /// <summary>ξ of an <c>llrd-ξ</c> plan; null otherwise.</summary>
    public DecimalFraction? LayerDecay { get; private init; }

    /// <summary>The name lists <c>emb</c> (only a compound plan can; <c>all</c> freezes it without listing it).</summary>
    public bool Embeddings { get; }

    /// <summary>The layers the name lists, ascending; none for <c>baseline</c> and <c>all</c> (which covers every layer of
    /// the model, however many).</summary>
    public IReadOnlyList<int> Layers { get; }

    /// <summary>How many units the name lists: 1 for <c>slpf-K</c>, the members of <c>clpf-…</c>, 0 otherwise.</summary>
    public int ListedUnits => Layers.Count + (Embeddings ? 1 : 0);

    /// <summary>The listed units as <see cref="FreezePlan.FrozenUnits"/> names them, embeddings first.</summary>
    public IReadOnlyList<string> Units => [.. Embeddings ? ["emb"] : Array.Empty<string>(), .. Layers.Select(Unit)];

    /// <summary>The canonical name: lower case, units embeddings first, then layers ascending.</summary>
    public string Name => Kind switch
    {
        FreezeKind.Baseline => "baseline",
        FreezeKind.All => "all",
        FreezeKind.SingleLayer => "slpf-" + Unit(Layers[0]),
        FreezeKind.RandomInit or FreezeKind.DropTop => ControlName,
        FreezeKind.Gradual or FreezeKind.FreezeOut => Schedule!.Name,
        FreezeKind.LayerDecay => "llrd-" + LayerDecay,
        _ => "clpf-" + string.Join('+', Units),
    };

    public override string ToString() => Name;

    /// <summary>
    /// Reads <paramref name="name"/> as a person types it (case and surrounding spaces ignored), each layer one of
    /// the model's <paramref name="numLayers"/>; a name that is not a plan throws a FormatException saying why.
    /// </summary>
    public static FreezePlanName Parse(string name, int numLayers)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Read(name.Trim().ToLowerInvariant(), name, numLayers, out var error) ?? throw new FormatException(error);
    }

    /// <summary>
    /// Reads a configuration name as runs record it (the canonical <see cref="Name"/> of their plan), for any model
    /// depth; null when it is not a plan's name. Case and spaces are not forgiven here: a run's name was written by us.
    /// </summary>
    public static FreezePlanName? TryRead(string name) =>
        Read(name ?? throw new ArgumentNullException(nameof(name)), name, int.MaxValue, out _);

    /// <summary>The grammar: <c>baseline</c>, <c>slpf-K</c>, <c>clpf-A+B+…</c> (layers and <c>emb</c>, each once), <c>all</c>,
    /// and the controls <c>random-init</c>, <c>drop-top-K</c> (FreezePlanName.Controls.cs), and the scheduled plans of
    /// <see cref="ReadScheduled"/>.</summary>
    private static FreezePlanName? Read(string text, string name, int numLayers, out string? error)
    {
        error = null;
        if (text == "baseline") return new FreezePlanName(FreezeKind.Baseline, false, []);
        if (text == "all") return new FreezePlanName(FreezeKind.All, false, []);
        if (IsControl(text)) return ReadControl(text, name, numLayers, out error);
        if (text.StartsWith("slpf-", StringComparison.Ordinal))
            return Layer(text[5..], name, numLayers, ref error) is { } layer ? new FreezePlanName(FreezeKind.SingleLayer, false, [layer]) : null;
        if (text.StartsWith("clpf-", StringComparison.Ordinal))
        {
            // Split always yields at least one member, and an empty one ("clpf-", "clpf-0+") is refused by Layer as
            // "'' is not a layer", so no separate "needs a member" check is needed.
            var embeddings = false;
            var layers = new SortedSet<int>();
            foreach (var member in text[5..].Split('+'))
            {
                if (member == "emb")
                {
                    if (embeddings)
                    {
                        error = $"Freeze plan '{name}': 'emb' listed twice.";
                        return null;
                    }
                    embeddings = true;
                }
                else if (Layer(member, name, numLayers, ref error) is not { } layer)
                {
                    return null;
                }
                else if (!layers.Add(layer))
                {
                    error = $"Freeze plan '{name}': layer {member} listed twice.";
                    return null;
                }
            }
            return new FreezePlanName(FreezeKind.Compound, embeddings, layers.ToArray());
        }
        if (ReadScheduled(text, name, ref error, out var scheduled)) return scheduled;
        error = $"Unknown freeze plan '{name}': expected baseline, slpf-K, clpf-A+B+… (layers 0..{numLayers - 1} or emb), all, gradual-N{{s|e}}, freezeout-T, llrd-ξ, random-init or drop-top-K.";
        return null;
    }

    /// <summary>The plans that change during a run or set their own rates: <c>gradual-N{s|e}</c> (N ≥ 1),
    /// <c>freezeout-T</c> and <c>llrd-ξ</c> (T, ξ written 0.D with 1–4 decimals). False when the name is none of them.</summary>
    private static bool ReadScheduled(string text, string name, ref string? error, out FreezePlanName? plan)
    {
        plan = null;
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0 || text[..dash] is not ("gradual" or "freezeout" or "llrd")) return false;
        var argument = text[(dash + 1)..];
        if (text[..dash] == "gradual")
        {
            if (argument.Length >= 2 && argument[^1] is 's' or 'e'
                && int.TryParse(argument[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var every) && every > 0)
                plan = new FreezePlanName(FreezeKind.Gradual, false, []) { Schedule = new GradualUnfreezing(every, argument[^1] == 'e') };
            else
                error = $"Freeze plan '{name}': expected gradual-N followed by s (every N steps) or e (every N epochs), N ≥ 1, e.g. gradual-1e.";
            return true;
        }
        if (DecimalFraction.TryParse(argument) is not { } fraction)
        {
            error = $"Freeze plan '{name}': '{argument}' is not a number strictly between 0 and 1 written 0.D with up to {DecimalFraction.MaxDigits} decimals, e.g. 0.5.";
            return true;
        }
        plan = text[..dash] == "freezeout"
            ? new FreezePlanName(FreezeKind.FreezeOut, false, []) { Schedule = new ProgressiveFreezing(fraction) }
            : new FreezePlanName(FreezeKind.LayerDecay, false, []) { LayerDecay = fraction };
        return true;
    }

    private static int? Layer(string text, string name, int numLayers, ref string? error)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var layer) && layer < numLayers) return layer;
        error = $"Freeze plan '{name}': '{text}' is not a layer of this model (0..{numLayers - 1}) or emb.";
        return null;
    }

    private static string Unit(int layer) => layer.ToString(CultureInfo.InvariantCulture);
}
