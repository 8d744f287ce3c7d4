using System.Globalization;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace POSLayerFreeze.Models;

/// <summary>
/// Hugging Face <c>RobertaConfig</c> and <c>XLMRobertaConfig</c>, which have the same fields: each constructor
/// parameter is the config.json field of the same name in snake_case, with Hugging Face's class default (pad_token_id
/// 1; the rest are BertConfig's: max_position_embeddings 512, type_vocab_size 2, layer_norm_eps 1e-12 — pretrained
/// checkpoints' config.json set 514, 1 and 1e-5). <c>model_type</c> says which family the config belongs to; the
/// module is the same. Every field RoBERTa shares with BERT is validated by the <see cref="BertConfig"/> of the same
/// shape (<see cref="LayerConfig"/>), which also builds the layers.
/// </summary>
public sealed record RobertaConfig : EncoderConfig
{
    private readonly string modelType;

    public RobertaConfig(string modelType = "roberta", int vocabSize = 50265, int hiddenSize = 768, int numHiddenLayers = 12,
        int numAttentionHeads = 12, int intermediateSize = 3072, int maxPositionEmbeddings = 512, int typeVocabSize = 2,
        double hiddenDropoutProb = 0.1, double attentionProbsDropoutProb = 0.1, double layerNormEps = 1e-12, string hiddenAct = "gelu",
        int padTokenId = 1, double initializerRange = 0.02, double? classifierDropout = null, string positionEmbeddingType = "absolute")
    {
        Require(modelType == RobertaFamily.Instance.ModelType || modelType == XlmRobertaFamily.Instance.ModelType,
            $"model_type '{modelType}' is not a RoBERTa model type");
        this.modelType = modelType;
        LayerConfig = new BertConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, maxPositionEmbeddings,
            typeVocabSize, hiddenDropoutProb, attentionProbsDropoutProb, layerNormEps, hiddenAct, padTokenId, initializerRange,
            classifierDropout, positionEmbeddingType);
        // Real tokens take positions from pad_token_id + 1 on: at least one must fit.
        Require(maxPositionEmbeddings > padTokenId + 1, string.Create(CultureInfo.InvariantCulture,
            $"max_position_embeddings ({maxPositionEmbeddings}) must exceed pad_token_id + 1 ({padTokenId + 1}): RoBERTa's positions start after the padding index"));
    }

    /// <summary>The BERT config of the same shape: RoBERTa's layers are BERT's.</summary>
    internal BertConfig LayerConfig { get; }

    public override EncoderFamily Family => modelType == XlmRobertaFamily.Instance.ModelType ? XlmRobertaFamily.Instance : RobertaFamily.Instance;
    public override int VocabSize => LayerConfig.VocabSize;
    public override int HiddenSize => LayerConfig.HiddenSize;
    public int NumHiddenLayers => LayerConfig.NumHiddenLayers;
    public int NumAttentionHeads => LayerConfig.NumAttentionHeads;
    public int IntermediateSize => LayerConfig.IntermediateSize;
    public int MaxPositionEmbeddings => LayerConfig.MaxPositionEmbeddings;
    public int TypeVocabSize => LayerConfig.TypeVocabSize;
    public double HiddenDropoutProb => LayerConfig.HiddenDropoutProb;
    public double AttentionProbsDropoutProb => LayerConfig.AttentionProbsDropoutProb;
    public double LayerNormEps => LayerConfig.LayerNormEps;
    public string HiddenAct => LayerConfig.HiddenAct;
    public override int PadTokenId => LayerConfig.PadTokenId;
    public override double InitializerRange => LayerConfig.InitializerRange;
    public double? ClassifierDropout => LayerConfig.ClassifierDropout;
    public string PositionEmbeddingType => LayerConfig.PositionEmbeddingType;

    public override int NumLayers => NumHiddenLayers;
    public override int NumHeads => NumAttentionHeads;

    /// <summary>Tokens a window may hold: positions pad_token_id + 1 … max_position_embeddings − 1 (512 for roberta-base's 514).</summary>
    public override int MaxPositions => MaxPositionEmbeddings - PadTokenId - 1;

    public override double HiddenDropout => HiddenDropoutProb;
    public override double AttentionDropout => AttentionProbsDropoutProb;

    /// <summary>RobertaForTokenClassification: <c>classifier_dropout if not None else hidden_dropout_prob</c>.</summary>
    public override double TokenClassifierDropout => ClassifierDropout ?? HiddenDropoutProb;
}

/// <summary>
/// RoBERTa (Hugging Face <c>models/roberta</c>: roberta-base, distilroberta-base), encoder side: the module is
/// <see cref="RobertaModel"/>, checkpoint names are BERT's under <c>roberta.</c>, text is byte-level BPE.
/// </summary>
public sealed class RobertaFamily : EncoderFamily
{
    public static RobertaFamily Instance { get; } = new();

    private RobertaFamily()
    {
    }

    public override string ModelType => "roberta";
    public override string CheckpointPrefix => "roberta";
    public override string TokenClassificationArchitecture => "RobertaForTokenClassification";
    public override string TokenizerClass => "RobertaTokenizer";
    public override TokenizerKind Tokenizer => TokenizerKind.ByteLevelBpe;

    /// <summary>The pooler, RobertaForMaskedLM's head and the id buffers older checkpoints saved.</summary>
    public override IReadOnlyList<string> UnusedCheckpointKeys { get; } =
        ["pooler.*", "lm_head.*", "embeddings.position_ids", "embeddings.token_type_ids"];

    public override (string KeyPrefix, string Field) Layers => BertFamily.Instance.Layers;

    /// <summary>RobertaEmbeddings builds both tables with <c>padding_idx = pad_token_id</c>, so _init_weights zeroes that row of each.</summary>
    public override IReadOnlyList<string> PaddedEmbeddings { get; } = ["embeddings.word_embeddings", "embeddings.position_embeddings"];

    /// <summary>As BERT: <c>is_decoder</c> is read only to be refused.</summary>
    public override EncoderConfig ReadConfig(JsonObject json) => Read(json, vocabSizeDefault: null);

    /// <summary>
    /// Binds <see cref="RobertaConfig"/>; <paramref name="vocabSizeDefault"/> replaces RobertaConfig's vocab_size
    /// default for a family whose Hugging Face class has another (XLMRobertaConfig: 30522).
    /// </summary>
    internal static RobertaConfig Read(JsonObject json, int? vocabSizeDefault)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json["is_decoder"] is not null && EncoderConfig.Read<bool>(json, "is_decoder"))
            throw new ArgumentException("is_decoder = true is not supported");
        if (vocabSizeDefault is { } vocab && !json.ContainsKey("vocab_size"))
        {
            json = (JsonObject)json.DeepClone();
            json["vocab_size"] = vocab;
        }
        return EncoderConfig.Bind<RobertaConfig>(json);
    }

    public override nn.Module<Tensor, Tensor, Tensor> CreateEncoder(EncoderConfig config) => new RobertaModel(Expect<RobertaConfig>(config));

    public override IEnumerable<SizedTensor> EmbeddingSizes(EncoderConfig config) => BertFamily.Instance.EmbeddingSizes(Expect<RobertaConfig>(config).LayerConfig);

    public override IEnumerable<SizedTensor> LayerSizes(EncoderConfig config, int layer) => BertFamily.Instance.LayerSizes(Expect<RobertaConfig>(config).LayerConfig, layer);
}
