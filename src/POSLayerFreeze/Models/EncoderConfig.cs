using System.Globalization;
using System.Text.Json.Nodes;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Models;

/// <summary>
/// The hyperparameters of a pretrained encoder, read from a Hugging Face <c>config.json</c>. One immutable record
/// per family (<see cref="DistilBertConfig"/>, <see cref="BertConfig"/>) with Hugging Face's field names and
/// defaults, validated on construction; this base exposes what the rest of the harness needs.
/// </summary>
public abstract record EncoderConfig
{
    /// <summary>Hugging Face <c>model_type</c>: <c>distilbert</c> or <c>bert</c>.</summary>
    public abstract string ModelType { get; }
    public abstract int VocabSize { get; }
    public abstract int HiddenSize { get; }
    public abstract int NumLayers { get; }
    public abstract int NumHeads { get; }
    public abstract int MaxPositions { get; }
    /// <summary>Dropout on hidden states.</summary>
    public abstract double HiddenDropout { get; }
    public abstract double AttentionDropout { get; }
    public abstract int PadTokenId { get; }

    /// <summary>
    /// Hugging Face <c>initializer_range</c>: the standard deviation of the N(0, σ) a freshly created head's
    /// weight is drawn from (<c>_init_weights</c>); the pretrained encoder's weights are loaded, not drawn.
    /// </summary>
    public abstract double InitializerRange { get; }

    /// <summary>
    /// The dropout Hugging Face's token-classification head applies before its Linear: BERT's
    /// <c>classifier_dropout</c> if set, else <c>hidden_dropout_prob</c>; DistilBERT's <c>dropout</c>.
    /// </summary>
    public abstract double TokenClassifierDropout { get; }

    /// <summary>The config as Hugging Face field names (sorted keys), for embedding in results.</summary>
    public string ToJson() => Invariant.ToJson(ToJsonObject());

    public abstract JsonObject ToJsonObject();

    /// <summary>Reads a Hugging Face config.json and dispatches on <c>model_type</c>.</summary>
    public static EncoderConfig FromFile(string path)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"{path}: config.json is not a JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"{path}: config.json is not valid JSON: {e.Message}", e);
        }
        return FromJson(json, path);
    }

    public static EncoderConfig FromJson(JsonObject json, string source = "config.json")
    {
        try
        {
            var modelType = json["model_type"] is null ? throw new ArgumentException("field 'model_type' is missing") : Text(json, "model_type", "");
            return modelType switch
            {
                "distilbert" => DistilBertConfig.FromJson(json),
                "bert" => BertConfig.FromJson(json),
                _ => throw new InvalidDataException($"{source}: model_type '{modelType}' is not supported (distilbert, bert)"),
            };
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDataException($"{source}: a field has the wrong JSON type: {e.Message}", e);
        }
    }

    private protected static int Int(JsonObject json, string key, int fallback) => Field(json, key, fallback, "an integer");

    private protected static double Real(JsonObject json, string key, double fallback) => Field(json, key, fallback, "a number");

    private protected static string Text(JsonObject json, string key, string fallback) => Field(json, key, fallback, "a string");

    private protected static bool Flag(JsonObject json, string key, bool fallback) => Field(json, key, fallback, "true or false");

    /// <summary>A typed field; a value of the wrong JSON type (or out of the type's range) is refused naming the field.</summary>
    private static T Field<T>(JsonObject json, string key, T fallback, string kind)
    {
        if (json[key] is not { } node) return fallback;
        try
        {
            return node.GetValue<T>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException)
        {
            var found = node.ToJsonString();
            throw new ArgumentException($"field '{key}' must be {kind}, found {(found.Length > 40 ? found[..40] + "…" : found)}");
        }
    }

    private protected static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }

    private protected static void RequirePositive(int value, string name) =>
        Require(value > 0, string.Create(CultureInfo.InvariantCulture, $"{name} must be positive, got {value}"));

    private protected static void RequireProbability(double value, string name) =>
        Require(value is >= 0 and < 1, string.Create(CultureInfo.InvariantCulture, $"{name} must be in [0, 1), got {value}"));

    /// <summary>A standard deviation: N(0, σ) needs σ &gt; 0 (and finite).</summary>
    private protected static void RequireStandardDeviation(double value, string name) =>
        Require(double.IsFinite(value) && value > 0, string.Create(CultureInfo.InvariantCulture, $"{name} must be a positive number, got {value}"));
}

/// <summary>Hugging Face <c>DistilBertConfig</c> (the fields this implementation honours; others are refused if set otherwise).</summary>
public sealed record DistilBertConfig : EncoderConfig
{
    public DistilBertConfig(int vocabSize = 30522, int dim = 768, int nLayers = 6, int nHeads = 12, int hiddenDim = 3072,
        int maxPositionEmbeddings = 512, double dropout = 0.1, double attentionDropout = 0.1, string activation = "gelu",
        int padTokenId = 0, bool sinusoidalPosEmbds = false, double initializerRange = 0.02)
    {
        RequirePositive(vocabSize, "vocab_size");
        RequirePositive(dim, "dim");
        RequirePositive(nLayers, "n_layers");
        RequirePositive(nHeads, "n_heads");
        RequirePositive(hiddenDim, "hidden_dim");
        RequirePositive(maxPositionEmbeddings, "max_position_embeddings");
        Require(dim % nHeads == 0, $"dim ({dim}) must be divisible by n_heads ({nHeads})");
        RequireProbability(dropout, "dropout");
        RequireProbability(attentionDropout, "attention_dropout");
        Require(activation == "gelu", $"activation '{activation}' is not supported (gelu)");
        Require(padTokenId >= 0 && padTokenId < vocabSize, $"pad_token_id {padTokenId} outside the vocabulary");
        Require(!sinusoidalPosEmbds, "sinusoidal_pos_embds = true is not supported");
        RequireStandardDeviation(initializerRange, "initializer_range");
        VocabSize = vocabSize;
        Dim = dim;
        NLayers = nLayers;
        NHeads = nHeads;
        HiddenDim = hiddenDim;
        MaxPositionEmbeddings = maxPositionEmbeddings;
        Dropout = dropout;
        AttentionDropoutProb = attentionDropout;
        Activation = activation;
        PadToken = padTokenId;
        InitializerRange = initializerRange;
    }

    public override string ModelType => "distilbert";
    public override int VocabSize { get; }
    public int Dim { get; }
    public int NLayers { get; }
    public int NHeads { get; }
    public int HiddenDim { get; }
    public int MaxPositionEmbeddings { get; }
    public double Dropout { get; }
    public double AttentionDropoutProb { get; }
    public string Activation { get; }
    private int PadToken { get; }

    public override int HiddenSize => Dim;
    public override int NumLayers => NLayers;
    public override int NumHeads => NHeads;
    public override int MaxPositions => MaxPositionEmbeddings;
    public override double HiddenDropout => Dropout;
    public override double AttentionDropout => AttentionDropoutProb;
    public override int PadTokenId => PadToken;
    public override double InitializerRange { get; }

    /// <summary>DistilBertForTokenClassification: <c>nn.Dropout(config.dropout)</c> (DistilBERT has no classifier_dropout).</summary>
    public override double TokenClassifierDropout => Dropout;

    internal static DistilBertConfig FromJson(JsonObject json) => new(
        vocabSize: Int(json, "vocab_size", 30522),
        dim: Int(json, "dim", 768),
        nLayers: Int(json, "n_layers", 6),
        nHeads: Int(json, "n_heads", 12),
        hiddenDim: Int(json, "hidden_dim", 3072),
        maxPositionEmbeddings: Int(json, "max_position_embeddings", 512),
        dropout: Real(json, "dropout", 0.1),
        attentionDropout: Real(json, "attention_dropout", 0.1),
        activation: Text(json, "activation", "gelu"),
        padTokenId: Int(json, "pad_token_id", 0),
        sinusoidalPosEmbds: Flag(json, "sinusoidal_pos_embds", false),
        initializerRange: Real(json, "initializer_range", 0.02));

    public override JsonObject ToJsonObject() => new()
    {
        ["model_type"] = ModelType,
        ["vocab_size"] = VocabSize,
        ["dim"] = Dim,
        ["n_layers"] = NLayers,
        ["n_heads"] = NHeads,
        ["hidden_dim"] = HiddenDim,
        ["max_position_embeddings"] = MaxPositionEmbeddings,
        ["dropout"] = Dropout,
        ["attention_dropout"] = AttentionDropoutProb,
        ["activation"] = Activation,
        ["pad_token_id"] = PadToken,
        ["sinusoidal_pos_embds"] = false,
        ["initializer_range"] = InitializerRange,
    };
}

/// <summary>Hugging Face <c>BertConfig</c> (absolute positions, GELU; others are refused).</summary>
public sealed record BertConfig : EncoderConfig
{
    public BertConfig(int vocabSize = 30522, int hiddenSize = 768, int numHiddenLayers = 12, int numAttentionHeads = 12,
        int intermediateSize = 3072, int maxPositionEmbeddings = 512, int typeVocabSize = 2, double hiddenDropoutProb = 0.1,
        double attentionProbsDropoutProb = 0.1, double layerNormEps = 1e-12, string hiddenAct = "gelu", int padTokenId = 0,
        double initializerRange = 0.02, double? classifierDropout = null)
    {
        RequirePositive(vocabSize, "vocab_size");
        RequirePositive(hiddenSize, "hidden_size");
        RequirePositive(numHiddenLayers, "num_hidden_layers");
        RequirePositive(numAttentionHeads, "num_attention_heads");
        RequirePositive(intermediateSize, "intermediate_size");
        RequirePositive(maxPositionEmbeddings, "max_position_embeddings");
        RequirePositive(typeVocabSize, "type_vocab_size");
        Require(hiddenSize % numAttentionHeads == 0,
            $"hidden_size ({hiddenSize}) must be divisible by num_attention_heads ({numAttentionHeads})");
        RequireProbability(hiddenDropoutProb, "hidden_dropout_prob");
        RequireProbability(attentionProbsDropoutProb, "attention_probs_dropout_prob");
        Require(layerNormEps > 0 && layerNormEps < 1e-3, "layer_norm_eps must be in (0, 1e-3)");
        Require(hiddenAct == "gelu", $"hidden_act '{hiddenAct}' is not supported (gelu)");
        Require(padTokenId >= 0 && padTokenId < vocabSize, $"pad_token_id {padTokenId} outside the vocabulary");
        RequireStandardDeviation(initializerRange, "initializer_range");
        if (classifierDropout is { } p) RequireProbability(p, "classifier_dropout");
        VocabSize = vocabSize;
        HiddenSizeValue = hiddenSize;
        NumHiddenLayers = numHiddenLayers;
        NumAttentionHeads = numAttentionHeads;
        IntermediateSize = intermediateSize;
        MaxPositionEmbeddings = maxPositionEmbeddings;
        TypeVocabSize = typeVocabSize;
        HiddenDropoutProb = hiddenDropoutProb;
        AttentionProbsDropoutProb = attentionProbsDropoutProb;
        LayerNormEps = layerNormEps;
        HiddenAct = hiddenAct;
        PadToken = padTokenId;
        InitializerRange = initializerRange;
        ClassifierDropout = classifierDropout;
    }

    /// <summary>all-MiniLM-L6-v2 (the embedded default model).</summary>
    public static BertConfig MiniLmL6 { get; } = new(vocabSize: 30522, hiddenSize: 384, numHiddenLayers: 6,
        numAttentionHeads: 12, intermediateSize: 1536, maxPositionEmbeddings: 512, typeVocabSize: 2);

    public override string ModelType => "bert";
    public override int VocabSize { get; }
    private int HiddenSizeValue { get; }
    public int NumHiddenLayers { get; }
    public int NumAttentionHeads { get; }
    public int IntermediateSize { get; }
    public int MaxPositionEmbeddings { get; }
    public int TypeVocabSize { get; }
    public double HiddenDropoutProb { get; }
    public double AttentionProbsDropoutProb { get; }
    public double LayerNormEps { get; }
    public string HiddenAct { get; }
    private int PadToken { get; }

    public override int HiddenSize => HiddenSizeValue;
    public override int NumLayers => NumHiddenLayers;
    public override int NumHeads => NumAttentionHeads;
    public override int MaxPositions => MaxPositionEmbeddings;
    public override double HiddenDropout => HiddenDropoutProb;
    public override double AttentionDropout => AttentionProbsDropoutProb;
    public override int PadTokenId => PadToken;
    public override double InitializerRange { get; }

    /// <summary>Hugging Face <c>classifier_dropout</c>; null (the default) means "use hidden_dropout_prob".</summary>
    public double? ClassifierDropout { get; }

    /// <summary>BertForTokenClassification: <c>classifier_dropout if not None else hidden_dropout_prob</c>.</summary>
    public override double TokenClassifierDropout => ClassifierDropout ?? HiddenDropoutProb;

    internal static BertConfig FromJson(JsonObject json)
    {
        var positions = Text(json, "position_embedding_type", "absolute");
        Require(positions == "absolute", $"position_embedding_type '{positions}' is not supported (absolute)");
        Require(!Flag(json, "is_decoder", false), "is_decoder = true is not supported");
        return new(
            vocabSize: Int(json, "vocab_size", 30522),
            hiddenSize: Int(json, "hidden_size", 768),
            numHiddenLayers: Int(json, "num_hidden_layers", 12),
            numAttentionHeads: Int(json, "num_attention_heads", 12),
            intermediateSize: Int(json, "intermediate_size", 3072),
            maxPositionEmbeddings: Int(json, "max_position_embeddings", 512),
            typeVocabSize: Int(json, "type_vocab_size", 2),
            hiddenDropoutProb: Real(json, "hidden_dropout_prob", 0.1),
            attentionProbsDropoutProb: Real(json, "attention_probs_dropout_prob", 0.1),
            layerNormEps: Real(json, "layer_norm_eps", 1e-12),
            hiddenAct: Text(json, "hidden_act", "gelu"),
            padTokenId: Int(json, "pad_token_id", 0),
            initializerRange: Real(json, "initializer_range", 0.02),
            // JSON null (what Hugging Face writes by default) reads as absent: the hidden dropout applies.
            classifierDropout: json["classifier_dropout"] is null ? null : Real(json, "classifier_dropout", 0));
    }

    public override JsonObject ToJsonObject() => new()
    {
        ["model_type"] = ModelType,
        ["vocab_size"] = VocabSize,
        ["hidden_size"] = HiddenSize,
        ["num_hidden_layers"] = NumHiddenLayers,
        ["num_attention_heads"] = NumAttentionHeads,
        ["intermediate_size"] = IntermediateSize,
        ["max_position_embeddings"] = MaxPositionEmbeddings,
        ["type_vocab_size"] = TypeVocabSize,
        ["hidden_dropout_prob"] = HiddenDropoutProb,
        ["attention_probs_dropout_prob"] = AttentionProbsDropoutProb,
        ["layer_norm_eps"] = LayerNormEps,
        ["hidden_act"] = HiddenAct,
        ["pad_token_id"] = PadToken,
        ["position_embedding_type"] = "absolute",
        ["initializer_range"] = InitializerRange,
        ["classifier_dropout"] = ClassifierDropout,
    };
}
