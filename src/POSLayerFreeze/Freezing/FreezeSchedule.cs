using System.Globalization;

namespace POSLayerFreeze.Freezing;

/// <summary>Where a run stands when a schedule is asked which units train: before 0-based <paramref name="Step"/> of
/// <paramref name="TotalSteps"/>, inside 0-based <paramref name="Epoch"/>.</summary>
public readonly record struct ScheduleClock(int Step, int Epoch, int TotalSteps);

/// <summary>
/// A freeze plan that changes at step boundaries. Both kinds move one boundary through the encoder's units taken from
/// the top, <see cref="TopDown"/> (layer L−1, L−2, …, 0, then the embeddings): the top k units train, the rest are
/// frozen; the classifier head always trains. Gradual unfreezing grows k, progressive freezing shrinks it, so the
/// trainable set is always "head + a top slice", which is what lets the frozen prefix stay frozen in one piece.
/// </summary>
/// <remarks>What happens to a unit when k changes is the trainer's and the optimizer's to say (docs/usage.md,
/// "Schedules"): a unit that joins starts with zero AdamW moments and its own step count; a unit that leaves loses its
/// moments and is never touched again until it joins.</remarks>
public abstract record FreezeSchedule
{
    /// <summary>The plan's canonical name (path-safe: lower case, digits, '.', '-').</summary>
    public abstract string Name { get; }

    /// <summary>How many units of <see cref="TopDown"/> train before the clock's step (0…L+1).</summary>
    public abstract int TrainableFromTop(ScheduleClock clock, int numLayers);

    /// <summary>The units frozen before the clock's step, named as <see cref="FreezePlan.FrozenUnits"/> names them,
    /// embeddings first, then layers ascending.</summary>
    public IReadOnlyList<string> FrozenUnits(ScheduleClock clock, int numLayers)
    {
        var frozen = TopDown(numLayers).Skip(TrainableFromTop(clock, numLayers)).ToHashSet(StringComparer.Ordinal);
        return [.. frozen.Contains("emb") ? ["emb"] : Array.Empty<string>(),
            .. Enumerable.Range(0, numLayers).Select(Unit).Where(frozen.Contains)];
    }

    /// <summary>The units from the top: layer L−1 first, layer 0, then <c>emb</c>.</summary>
    public static IReadOnlyList<string> TopDown(int numLayers) =>
        [.. Enumerable.Range(0, numLayers).Reverse().Select(Unit), "emb"];

    public override string ToString() => Name;

    internal static string Unit(int layer) => layer.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// <c>gradual-N{s|e}</c>: gradual unfreezing (ULMFiT, Howard &amp; Ruder 2018; Lightning's BackboneFinetuning). Before
/// the first step only the head trains; after every <see cref="Every"/> steps (<c>s</c>) or epochs (<c>e</c>) one more
/// unit unfreezes from the top. Exactly: before 0-based step s (in 0-based epoch e) the top
/// min(L+1, ⌊s/N⌋) units train (⌊e/N⌋ for epochs), so steps 0…N−1 train the head alone and step N is layer L−1's first.
/// </summary>
public sealed record GradualUnfreezing(int Every, bool ByEpoch) : FreezeSchedule
{
    public int Every { get; } = Every > 0 ? Every : throw new ArgumentOutOfRangeException(nameof(Every), Every, "must be ≥ 1");

    public override string Name => "gradual-" + Unit(Every) + (ByEpoch ? "e" : "s");

    public override int TrainableFromTop(ScheduleClock clock, int numLayers) =>
        Math.Min(numLayers + 1, (ByEpoch ? clock.Epoch : clock.Step) / Every);
}

/// <summary>
/// <c>freezeout-T</c>: progressive freezing with FreezeOut's linear schedule (Brock et al. 2017, "t_0 = T, linearly
/// spaced"): layer i stops training once the fraction t_i = T + (1 − T)·i/(L−1) of the run has passed (t_0 = T for a
/// one-layer model), so the top layer (t = 1) trains to the end; the embeddings freeze with layer 0, the head never.
/// "Has passed" is exact: layer i trains in 0-based steps s &lt; ⌈t_i·S⌉ of S and is frozen from step ⌈t_i·S⌉ on,
/// computed in integers from T's decimal digits, so no float rounding moves a boundary. Unlike FreezeOut we keep the
/// run's one linear learning-rate schedule (FreezeOut also anneals each layer's rate to 0 by its t_i) and simply stop
/// updating a frozen layer.
/// </summary>
public sealed record ProgressiveFreezing(DecimalFraction Start) : FreezeSchedule
{
    public DecimalFraction Start { get; } = Start is { Numerator: > 0 } s && s.Numerator < s.Denominator
        ? s : throw new ArgumentOutOfRangeException(nameof(Start), Start, "must lie strictly between 0 and 1");

    public override string Name => "freezeout-" + Start;

    /// <summary>⌈t_i·S⌉: the first 0-based step at which layer i of <paramref name="numLayers"/> no longer trains.</summary>
    public long FreezeStep(int layer, int numLayers, int totalSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, numLayers);
        // t_i = (p·(L−1) + (q − p)·i) / (q·(L−1)) with T = p/q; for L = 1, t_0 = p/q.
        var (p, q) = (Start.Numerator, Start.Denominator);
        var span = Math.Max(1, numLayers - 1);
        var numerator = checked((p * span + (numLayers > 1 ? (q - p) * layer : 0)) * totalSteps);
        var denominator = q * span;
        return (numerator + denominator - 1) / denominator;
    }

    public override int TrainableFromTop(ScheduleClock clock, int numLayers)
    {
        var training = Enumerable.Range(0, numLayers).Count(i => clock.Step < FreezeStep(i, numLayers, clock.TotalSteps));
        // Layer 0 has the earliest freeze step: while it trains, every layer does, and the embeddings with it.
        return training == numLayers ? numLayers + 1 : training;
    }
}

/// <summary>A number in (0, 1) written with up to <see cref="MaxDigits"/> decimals (<c>0.5</c>, <c>0.25</c>), kept exact
/// as p/10^d so that a plan's name and its arithmetic agree. The canonical text drops trailing zeros.</summary>
public sealed record DecimalFraction(long Numerator, long Denominator)
{
    public const int MaxDigits = 4;

    public double Value => (double)Numerator / Denominator;

    public override string ToString()
    {
        var digits = Numerator.ToString(CultureInfo.InvariantCulture).PadLeft(Denominator.ToString(CultureInfo.InvariantCulture).Length - 1, '0');
        return "0." + digits.TrimEnd('0');
    }

    /// <summary>Reads <c>0.D…</c> (1 to <see cref="MaxDigits"/> decimals, not all zero); null otherwise.</summary>
    public static DecimalFraction? TryParse(string text)
    {
        if (!text.StartsWith("0.", StringComparison.Ordinal)) return null;
        var digits = text[2..].TrimEnd('0');
        if (text.Length - 2 is 0 or > MaxDigits || !text[2..].All(char.IsAsciiDigit) || digits.Length == 0) return null;
        var denominator = 1L;
        for (var i = 0; i < digits.Length; i++) denominator *= 10;
        return new DecimalFraction(long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture), denominator);
    }
}
