namespace POSLayerFreeze.Data;

/// <summary>
/// The 17 Universal Dependencies UPOS tags in a fixed order: label ids come from this list, never from the data,
/// so a checkpoint's classifier rows mean the same tag in every run.
/// </summary>
public static class Upos
{
    /// <summary>Label value the loss skips: special tokens, padding and non-initial sub-tokens.</summary>
    public const int IgnoreIndex = -100;

    public static IReadOnlyList<string> Tags { get; } =
    [
        "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT",
        "SCONJ", "SYM", "VERB", "X",
    ];

    public static int Count => Tags.Count;

    private static readonly Dictionary<string, int> Ids =
        Tags.Select((tag, i) => (tag, i)).ToDictionary(p => p.tag, p => p.i, StringComparer.Ordinal);

    public static bool TryGetId(string tag, out int id) => Ids.TryGetValue(tag, out id);

    /// <exception cref="ArgumentException">The tag is not one of the 17 (comparison is case-sensitive).</exception>
    public static int IdOf(string tag) =>
        TryGetId(tag, out var id)
            ? id
            : throw new ArgumentException($"'{tag}' is not a UD UPOS tag (expected one of {string.Join(' ', Tags)})", nameof(tag));
}
