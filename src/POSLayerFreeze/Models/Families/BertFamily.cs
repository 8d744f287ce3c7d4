using System.Globalization;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace POSLayerFreeze.Models;

/// <summary>
/// Hugging Face <c>BertConfig</c>: each constructor parameter is the config.json field of the same name in
/// snake_case, with Hugging Face's default (absolute positions, GELU; others are refused).
/// </summary>
public sealed record BertConfig : EncoderConfig
{
    public BertConfig(int vocabSize = 30522, int hiddenSize = 768, int numHiddenLayers = 12, int numAttentionHeads = 12,
        int intermediateSize = 3072, int maxPositionEmbeddings = 512, int typeVocabSize = 2, double hiddenDropoutProb = 0.1,
        double attentionProbsDropoutProb = 0.1, double layerNormEps = 1e-12, string hiddenAct = "gelu", int padTokenId = 0,
        double initializerRange = 0.02, double? classifierDropout = null, string positionEmbeddingType = "absolute")
    {
        VocabSize = Positive(vocabSize, nameof(vocabSize));
        HiddenSize = Positive(hiddenSize, nameof(hiddenSize));
        NumHiddenLayers = Positive(numHiddenLayers, nameof(numHiddenLayers));
        NumAttentionHeads = Positive(numAttentionHeads, nameof(numAttentionHeads));
        IntermediateSize = Positive(intermediateSize, nameof(intermediateSize));
        MaxPositionEmbeddings = Positive(maxPositionEmbeddings, nameof(maxPositionEmbeddings));
        TypeVocabSize = Positive(typeVocabSize, nameof(typeVocabSize));
        Require(hiddenSize % numAttentionHeads == 0, string.Create(CultureInfo.InvariantCulture,
            $"hidden_size ({hiddenSize}) must be divisible by num_attention_heads ({numAttentionHeads})"));
        HiddenDropoutProb = Probability(hiddenDropoutProb, nameof(hiddenDropoutProb));
        AttentionProbsDropoutProb = Probability(attentionProbsDropoutProb, nameof(attentionProbsDropoutProb));
        Require(layerNormEps > 0 && layerNormEps < 1e-3, "layer_norm_eps must be in (0, 1e-3)");
        LayerNormEps = layerNormEps;
        HiddenAct = Only(hiddenAct, "gelu", nameof(hiddenAct));
        PadTokenId = TokenId(padTokenId, vocabSize, nameof(padTokenId));
        InitializerRange = StandardDeviation(initializerRange, nameof(initializerRange));
        ClassifierDropout = classifierDropout is { } p ? Probability(p, nameof(classifierDropout)) : null;
        PositionEmbeddingType = Only(positionEmbeddingType, "absolute", nameof(positionEmbeddingType));
    }

    /// <summary>all-MiniLM-L6-v2 (the embedded default model).</summary>
    public static BertConfig MiniLmL6 { get; } = new(vocabSize: 30522, hiddenSize: 384, numHiddenLayers: 6,
        numAttentionHeads: 12, intermediateSize: 1536, maxPositionEmbeddings: 512, typeVocabSize: 2);

    public override EncoderFamily Family => BertFamily.Instance;
    public override int VocabSize { get; }
    public override int HiddenSize { get; }
    public int NumHiddenLayers { get; }
    public int NumAttentionHeads { get; }
    public int IntermediateSize { get; }
    public int MaxPositionEmbeddings { get; }
    public int TypeVocabSize { get; }
    public double HiddenDropoutProb { get; }
    public double AttentionProbsDropoutProb { get; }
    public double LayerNormEps { get; }
    public string HiddenAct { get; }
    public override int PadTokenId { get; }
    public override double InitializerRange { get; }

    /// <summary>Hugging Face <c>classifier_dropout</c>; null (the default, also when config.json says null) means "use hidden_dropout_prob".</summary>
    public double? ClassifierDropout { get; }

    public string PositionEmbeddingType { get; }

    public override int NumLayers => NumHiddenLayers;
    public override int NumHeads => NumAttentionHeads;
    public override int MaxPositions => MaxPositionEmbeddings;
    public override double HiddenDropout => HiddenDropoutProb;
    public override double AttentionDropout => AttentionProbsDropoutProb;

    /// <summary>BertForTokenClassification: <c>classifier_dropout if not None else hidden_dropout_prob</c>.</summary>
    public override double TokenClassifierDropout => ClassifierDropout ?? HiddenDropoutProb;
}

/// <summary>BERT (Hugging Face <c>models/bert</c>), encoder side: the module is <see cref="BertModel"/>.</summary>
public sealed class BertFamily : EncoderFamily
{
    public static BertFamily Instance { get; } = new();

    private BertFamily()
    {
    }

    public override string ModelType => "bert";
    public override string CheckpointPrefix => "bert";
    public override string TokenClassificationArchitecture => "BertForTokenClassification";
    public override string TokenizerClass => "BertTokenizer";
    public override TokenizerKind Tokenizer => TokenizerKind.WordPiece;

    /// <summary>The pooler, the pre-training heads (BertForPreTraining / MaskedLM) and the id buffers older checkpoints saved.</summary>
    public override IReadOnlyList<string> UnusedCheckpointKeys { get; } =
        ["pooler.*", "cls.*", "embeddings.position_ids", "embeddings.token_type_ids"];

    public override (string KeyPrefix, string Field) Layers => ("encoder.layer.", "num_hidden_layers");

    /// <summary>Only the word embeddings have a padding row (positions and token types have none).</summary>
    public override IReadOnlyList<string> PaddedEmbeddings { get; } = ["embeddings.word_embeddings"];

    /// <summary>
    /// <c>is_decoder</c> is read only to be refused: it turns on cross-attention and causal masks this encoder does not
    /// have (it is not a field of the record, so a saved config does not carry it).
    /// </summary>
    public override EncoderConfig ReadConfig(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json["is_decoder"] is not null && EncoderConfig.Read<bool>(json, "is_decoder"))
            throw new ArgumentException("is_decoder = true is not supported");
        return EncoderConfig.Bind<BertConfig>(json);
    }

    public override nn.Module<Tensor, Tensor, Tensor> CreateEncoder(EncoderConfig config) => new BertModel(Expect<BertConfig>(config));

    public override IEnumerable<SizedTensor> EmbeddingSizes(EncoderConfig config)
    {
        var c = Expect<BertConfig>(config);
        yield return new("embeddings.word_embeddings.weight", 0, c.VocabSize, "vocab_size");
        yield return new("embeddings.word_embeddings.weight", 1, c.HiddenSize, "hidden_size");
        yield return new("embeddings.position_embeddings.weight", 0, c.MaxPositionEmbeddings, "max_position_embeddings");
        yield return new("embeddings.token_type_embeddings.weight", 0, c.TypeVocabSize, "type_vocab_size");
    }

    public override IEnumerable<SizedTensor> LayerSizes(EncoderConfig config, int layer)
    {
        var c = Expect<BertConfig>(config);
        yield return new(string.Create(CultureInfo.InvariantCulture, $"encoder.layer.{layer}.intermediate.dense.weight"), 0, c.IntermediateSize, "intermediate_size");
    }
}
