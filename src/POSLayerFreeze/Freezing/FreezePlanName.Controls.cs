using System.Globalization;

namespace POSLayerFreeze.Freezing;

/// <summary>
/// The two controls of the grammar (issue 26), read beside the freeze plans because a study names them in the same
/// list: <c>random-init</c> (how much is pretraining worth) and <c>drop-top-K</c> (how much do the top layers add).
/// Neither freezes anything; what each does to the model before training is <see cref="ControlPlan"/>'s.
/// </summary>
public sealed partial record FreezePlanName
{
    private const string RandomInitName = "random-init";
    private const string DropTopPrefix = "drop-top-";

    /// <summary>For <c>drop-top-K</c>, K (≥ 1): the layers removed from the top of the encoder; 0 otherwise.</summary>
    public int DroppedLayers { get; }

    /// <summary>True for the controls (<c>random-init</c>, <c>drop-top-K</c>), which SLPF/CLPF claims leave out.</summary>
    public bool IsControlKind => Kind is FreezeKind.RandomInit or FreezeKind.DropTop;

    private string ControlName => Kind == FreezeKind.RandomInit
        ? RandomInitName
        : DropTopPrefix + DroppedLayers.ToString(CultureInfo.InvariantCulture);

    private static bool IsControl(string text) =>
        text == RandomInitName || text.StartsWith(DropTopPrefix, StringComparison.Ordinal);

    /// <summary>
    /// <c>random-init</c>, or <c>drop-top-K</c> with K in 1..L−1 (at least one layer must remain under the head);
    /// <paramref name="numLayers"/> is the pretrained model's depth (int.MaxValue when reading a finished run's name).
    /// </summary>
    private static FreezePlanName? ReadControl(string text, string name, int numLayers, out string? error)
    {
        error = null;
        if (text == RandomInitName) return new FreezePlanName(FreezeKind.RandomInit, false, []);
        var count = text[DropTopPrefix.Length..];
        if (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var k) || k < 1)
        {
            error = $"Freeze plan '{name}': '{count}' is not a number of layers to drop (drop-top-K, K ≥ 1).";
            return null;
        }
        if (k >= numLayers)
        {
            error = string.Create(CultureInfo.InvariantCulture,
                $"Freeze plan '{name}': drops {k} of the model's {numLayers} layers; K must be 1..{numLayers - 1} so that a layer remains.");
            return null;
        }
        return new FreezePlanName(FreezeKind.DropTop, false, [], k);
    }
}
