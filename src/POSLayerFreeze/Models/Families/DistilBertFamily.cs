using System.Globalization;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace POSLayerFreeze.Models;

/// <summary>
/// Hugging Face <c>DistilBertConfig</c>: each constructor parameter is the config.json field of the same name in
/// snake_case, with Hugging Face's default (the fields this implementation honours; others are refused if set otherwise).
/// </summary>
public sealed record DistilBertConfig : EncoderConfig
{
    public DistilBertConfig(int vocabSize = 30522, int dim = 768, int nLayers = 6, int nHeads = 12, int hiddenDim = 3072,
        int maxPositionEmbeddings = 512, double dropout = 0.1, double attentionDropout = 0.1, string activation = "gelu",
        int padTokenId = 0, bool sinusoidalPosEmbds = false, double initializerRange = 0.02)
    {
        VocabSize = Positive(vocabSize, nameof(vocabSize));
        Dim = Positive(dim, nameof(dim));
        NLayers = Positive(nLayers, nameof(nLayers));
        NHeads = Positive(nHeads, nameof(nHeads));
        HiddenDim = Positive(hiddenDim, nameof(hiddenDim));
        MaxPositionEmbeddings = Positive(maxPositionEmbeddings, nameof(maxPositionEmbeddings));
        Require(dim % nHeads == 0, string.Create(CultureInfo.InvariantCulture, $"dim ({dim}) must be divisible by n_heads ({nHeads})"));
        Dropout = Probability(dropout, nameof(dropout));
        AttentionDropout = Probability(attentionDropout, nameof(attentionDropout));
        Activation = Only(activation, "gelu", nameof(activation));
        PadTokenId = TokenId(padTokenId, vocabSize, nameof(padTokenId));
        Require(!sinusoidalPosEmbds, "sinusoidal_pos_embds = true is not supported");
        InitializerRange = StandardDeviation(initializerRange, nameof(initializerRange));
    }

    public override EncoderFamily Family => DistilBertFamily.Instance;
    public override int VocabSize { get; }
    public int Dim { get; }
    public int NLayers { get; }
    public int NHeads { get; }
    public int HiddenDim { get; }
    public int MaxPositionEmbeddings { get; }
    public double Dropout { get; }
    public override double AttentionDropout { get; }
    public string Activation { get; }
    public override int PadTokenId { get; }

    /// <summary>Always false: learned positions only (the constructor refuses true).</summary>
    public bool SinusoidalPosEmbds => false;

    public override double InitializerRange { get; }

    public override int HiddenSize => Dim;
    public override int NumLayers => NLayers;
    public override int NumHeads => NHeads;
    public override int MaxPositions => MaxPositionEmbeddings;
    public override double HiddenDropout => Dropout;

    /// <summary>DistilBertForTokenClassification: <c>nn.Dropout(config.dropout)</c> (DistilBERT has no classifier_dropout).</summary>
    public override double TokenClassifierDropout => Dropout;
}

/// <summary>DistilBERT (Hugging Face <c>models/distilbert</c>): the module is <see cref="DistilBertModel"/>.</summary>
public sealed class DistilBertFamily : EncoderFamily
{
    public static DistilBertFamily Instance { get; } = new();

    private DistilBertFamily()
    {
    }

    public override string ModelType => "distilbert";
    public override string CheckpointPrefix => "distilbert";
    public override string TokenClassificationArchitecture => "DistilBertForTokenClassification";
    public override string TokenizerClass => "DistilBertTokenizer";
    public override TokenizerKind Tokenizer => TokenizerKind.WordPiece;

    /// <summary>DistilBertForMaskedLM's head and the position-id buffer older checkpoints saved.</summary>
    public override IReadOnlyList<string> UnusedCheckpointKeys { get; } =
        ["vocab_transform.*", "vocab_layer_norm.*", "vocab_projector.*", "embeddings.position_ids"];

    public override (string KeyPrefix, string Field) Layers => ("transformer.layer.", "n_layers");

    /// <summary>
    /// Only the word embeddings have a padding row (learned positions have none). Hugging Face's DistilBERT init also
    /// rewrites sinusoidal position tables, which <see cref="DistilBertConfig"/> refuses, so nothing else applies.
    /// </summary>
    public override IReadOnlyList<string> PaddedEmbeddings { get; } = ["embeddings.word_embeddings"];

    public override EncoderConfig ReadConfig(JsonObject json) => EncoderConfig.Bind<DistilBertConfig>(json);

    public override nn.Module<Tensor, Tensor, Tensor> CreateEncoder(EncoderConfig config) => new DistilBertModel(Expect<DistilBertConfig>(config));

    public override IEnumerable<SizedTensor> EmbeddingSizes(EncoderConfig config)
    {
        var c = Expect<DistilBertConfig>(config);
        yield return new("embeddings.word_embeddings.weight", 0, c.VocabSize, "vocab_size");
        yield return new("embeddings.word_embeddings.weight", 1, c.Dim, "dim");
        yield return new("embeddings.position_embeddings.weight", 0, c.MaxPositionEmbeddings, "max_position_embeddings");
    }

    public override IEnumerable<SizedTensor> LayerSizes(EncoderConfig config, int layer)
    {
        var c = Expect<DistilBertConfig>(config);
        yield return new(string.Create(CultureInfo.InvariantCulture, $"transformer.layer.{layer}.ffn.lin1.weight"), 0, c.HiddenDim, "hidden_dim");
    }
}
