using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace POSLayerFreeze.Models;

/// <summary>How a family's text becomes ids; each kind has its own files in a model folder.</summary>
public enum TokenizerKind
{
    /// <summary>BERT WordPiece: <c>vocab.txt</c> (and <c>tokenizer_config.json</c>), Tokenization/WordPieceAligner.</summary>
    WordPiece,

    /// <summary>GPT-2 byte-level BPE (RoBERTa): <c>vocab.json</c> + <c>merges.txt</c>.</summary>
    ByteLevelBpe,

    /// <summary>SentencePiece Unigram (XLM-R): <c>tokenizer.json</c> (not <c>sentencepiece.bpe.model</c>).</summary>
    Unigram,
}

/// <summary>A config field that sizes a checkpoint tensor: dimension <c>Dimension</c> of <c>Key</c> must equal <c>Value</c>.</summary>
/// <param name="Key">The tensor's name without the family prefix (<c>embeddings.word_embeddings.weight</c>).</param>
/// <param name="Field">The config.json field that decides the size (<c>vocab_size</c>).</param>
public sealed record SizedTensor(string Key, int Dimension, long Value, string Field);

/// <summary>
/// Everything the harness knows about one Hugging Face encoder family, in one place: the config record (Hugging
/// Face's names and defaults), the encoder module, where it sits in a checkpoint and which of a checkpoint's other
/// tensors are known heads, the class names Hugging Face gives its token classifier and tokenizer, and the tokenizer
/// kind. Loading, saving and the classifier ask the family instead of testing for BERT or DistilBERT. A new family is
/// one file under <c>Models/Families/</c> and one line in <see cref="EncoderFamilies.All"/>.
/// </summary>
public abstract class EncoderFamily
{
    /// <summary>Hugging Face <c>model_type</c> in config.json (<c>distilbert</c>).</summary>
    public abstract string ModelType { get; }

    /// <summary>The encoder's name inside a task checkpoint (<c>distilbert</c> in <c>distilbert.embeddings…</c>).</summary>
    public abstract string CheckpointPrefix { get; }

    /// <summary>Hugging Face's token-classification class, written as <c>architectures</c> of a saved tagger.</summary>
    public abstract string TokenClassificationArchitecture { get; }

    /// <summary>Hugging Face's tokenizer class, written as <c>tokenizer_class</c> of a saved tagger.</summary>
    public abstract string TokenizerClass { get; }

    public abstract TokenizerKind Tokenizer { get; }

    /// <summary>
    /// Checkpoint keys (after the prefix) of heads and buffers this harness does not use but a pretrained checkpoint
    /// of this family carries (the MLM head, a pooler, id buffers); <c>x.*</c> matches everything under <c>x.</c>.
    /// Any other unused key is refused.
    /// </summary>
    public abstract IReadOnlyList<string> UnusedCheckpointKeys { get; }

    /// <summary>Where the transformer layers sit in the checkpoint (<c>transformer.layer.</c>), and the field that counts them.</summary>
    public abstract (string KeyPrefix, string Field) Layers { get; }

    /// <summary>
    /// The encoder's Embedding modules built with <c>padding_idx = pad_token_id</c> (<c>embeddings.word_embeddings</c>),
    /// named as under the family prefix: Hugging Face's <c>_init_weights</c> zeroes that row of each when it
    /// initialises a model (<see cref="EncoderSurgery.Reinitialize"/>, the <c>random-init</c> control).
    /// </summary>
    public abstract IReadOnlyList<string> PaddedEmbeddings { get; }

    /// <summary>Reads the family's config record; errors name the field (the caller adds the file).</summary>
    public abstract EncoderConfig ReadConfig(JsonObject json);

    /// <summary>The encoder module for <paramref name="config"/>: input_ids, attention_mask → last hidden state.</summary>
    public abstract nn.Module<Tensor, Tensor, Tensor> CreateEncoder(EncoderConfig config);

    /// <summary>The embedding tensors the config sizes, checked against a checkpoint's header before anything is allocated.</summary>
    public abstract IEnumerable<SizedTensor> EmbeddingSizes(EncoderConfig config);

    /// <summary>The tensors of layer <paramref name="layer"/> the config sizes (key without the family prefix).</summary>
    public abstract IEnumerable<SizedTensor> LayerSizes(EncoderConfig config, int layer);

    /// <summary>True when <paramref name="key"/> (without the family prefix) is one of <see cref="UnusedCheckpointKeys"/>.</summary>
    public bool IsKnownUnused(string key) => UnusedCheckpointKeys.Any(pattern =>
        pattern.EndsWith(".*", StringComparison.Ordinal)
            ? key.StartsWith(pattern[..^1], StringComparison.Ordinal)
            : key == pattern);

    public override string ToString() => ModelType;

    /// <summary>The config as the family's record type; anything else is a programming error.</summary>
    protected TConfig Expect<TConfig>(EncoderConfig config) where TConfig : EncoderConfig =>
        config as TConfig ?? throw new ArgumentException($"the {ModelType} family needs a {typeof(TConfig).Name}, got {config?.GetType().Name ?? "null"}", nameof(config));
}

/// <summary>The encoder families this harness implements, found by <c>model_type</c>.</summary>
public static class EncoderFamilies
{
    /// <summary>One line per family.</summary>
    public static IReadOnlyList<EncoderFamily> All { get; } =
    [
        DistilBertFamily.Instance,
        BertFamily.Instance,
        RobertaFamily.Instance,
        XlmRobertaFamily.Instance,
    ];

    /// <summary>The family with this <c>model_type</c>, or null.</summary>
    public static EncoderFamily? Find(string modelType) => All.FirstOrDefault(f => f.ModelType == modelType);
}
