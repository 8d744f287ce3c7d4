namespace POSLayerFreeze.Tokenization;

/// <summary>
/// One sentence as the model sees it: <c>[CLS] sub-tokens… [SEP]</c>, and for every position the index of the
/// word it came from (null for the special tokens), as Hugging Face's <c>word_ids()</c>.
/// </summary>
public sealed record EncodedSentence(int[] InputIds, int?[] WordIds);

/// <summary>
/// A slice of a sentence that fits the model: its own [CLS]/[SEP]; <see cref="Labels"/> carries the word's label on
/// the first sub-token of each word and the ignore index (−100) everywhere else;
/// <see cref="WordIndex"/> holds, per position, the sentence-level index of the word labelled there, or −1.
/// Words <see cref="FirstWord"/> … <see cref="FirstWord"/> + <see cref="WordCount"/> − 1 are in this window.
/// </summary>
public sealed record SentenceWindow(int[] InputIds, int[] Labels, int[] WordIndex, int FirstWord, int WordCount)
{
    public int Length => InputIds.Length;
}
