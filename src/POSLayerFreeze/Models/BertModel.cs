using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace POSLayerFreeze.Models;

// Hugging Face models/bert/modeling_bert.py, encoder side only (no pooler, no cross-attention): embeddings,
// self-attention, self-output, intermediate, output, layer, encoder, model. Names are the checkpoint format.

/// <summary>Word + position + token-type embeddings (token type always 0: single-segment input), LayerNorm, dropout.</summary>
public sealed class BertEmbeddings : Module<Tensor, Tensor>
{
    [ComponentName(Name = "word_embeddings")] private readonly Embedding wordEmbeddings;
    [ComponentName(Name = "position_embeddings")] private readonly Embedding positionEmbeddings;
    [ComponentName(Name = "token_type_embeddings")] private readonly Embedding tokenTypeEmbeddings;
    [ComponentName(Name = "LayerNorm")] private readonly LayerNorm layerNorm;
    [ComponentName(Name = "dropout")] private readonly Dropout dropout;

    public BertEmbeddings(BertConfig config) : base(nameof(BertEmbeddings))
    {
        wordEmbeddings = Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        positionEmbeddings = Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        tokenTypeEmbeddings = Embedding(config.TypeVocabSize, config.HiddenSize);
        layerNorm = LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = Dropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var length = inputIds.shape[1];
        var positions = arange(length, dtype: ScalarType.Int64, device: inputIds.device).unsqueeze(0); // [1, T]
        var tokenTypes = zeros_like(positions);                                                       // [1, T]
        var embeddings = wordEmbeddings.call(inputIds)
            + tokenTypeEmbeddings.call(tokenTypes)
            + positionEmbeddings.call(positions);                                                  // [B, T, H]
        return dropout.call(layerNorm.call(embeddings)).MoveToOuterDisposeScope();
    }
}

/// <summary>query, key, value projections and scaled dot-product attention (dropout on the probabilities).</summary>
public sealed class BertSelfAttention : Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "query")] private readonly Linear query;
    [ComponentName(Name = "key")] private readonly Linear key;
    [ComponentName(Name = "value")] private readonly Linear value;
    private readonly long heads;
    private readonly double attentionDropout;

    public BertSelfAttention(BertConfig config) : base(nameof(BertSelfAttention))
    {
        query = Linear(config.HiddenSize, config.HiddenSize);
        key = Linear(config.HiddenSize, config.HiddenSize);
        value = Linear(config.HiddenSize, config.HiddenSize);
        heads = config.NumAttentionHeads;
        attentionDropout = config.AttentionProbsDropoutProb;
        RegisterComponents();
    }

    /// <param name="hidden">[B, T, H]</param>
    /// <param name="mask">boolean [B, 1, 1, T], true where a key may be attended</param>
    public override Tensor forward(Tensor hidden, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var (batch, length, width) = (hidden.shape[0], hidden.shape[1], hidden.shape[2]);
        Tensor Split(Tensor x) => x.view(batch, length, heads, width / heads).transpose(1, 2); // [B, h, T, d]
        var context = Autocast.Attention(
            Split(Autocast.Linear(query, hidden)), Split(Autocast.Linear(key, hidden)), Split(Autocast.Linear(value, hidden)),
            mask, training ? attentionDropout : 0.0);                                          // [B, h, T, d]
        return context.transpose(1, 2).reshape(batch, length, width).MoveToOuterDisposeScope(); // [B, T, H]
    }
}

/// <summary>dense, dropout, LayerNorm(x + residual): used after attention and after the feed-forward.</summary>
public sealed class BertResidualOutput : Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "dense")] private readonly Linear dense;
    [ComponentName(Name = "LayerNorm")] private readonly LayerNorm layerNorm;
    [ComponentName(Name = "dropout")] private readonly Dropout dropout;

    public BertResidualOutput(BertConfig config, int inputSize) : base(nameof(BertResidualOutput))
    {
        dense = Linear(inputSize, config.HiddenSize);
        layerNorm = LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = Dropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor residual)
    {
        using var scope = NewDisposeScope();
        return layerNorm.call(dropout.call(Autocast.Linear(dense, hidden)) + residual).MoveToOuterDisposeScope();
    }
}

/// <summary><c>attention.self</c> + <c>attention.output</c>.</summary>
public sealed class BertAttention : Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "self")] private readonly BertSelfAttention self;
    [ComponentName(Name = "output")] private readonly BertResidualOutput output;

    public BertAttention(BertConfig config) : base(nameof(BertAttention))
    {
        self = new BertSelfAttention(config);
        output = new BertResidualOutput(config, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor mask)
    {
        using var scope = NewDisposeScope();
        return output.call(self.call(hidden, mask), hidden).MoveToOuterDisposeScope();
    }
}

/// <summary><c>intermediate.dense</c> then exact GELU.</summary>
public sealed class BertIntermediate : Module<Tensor, Tensor>
{
    [ComponentName(Name = "dense")] private readonly Linear dense;

    public BertIntermediate(BertConfig config) : base(nameof(BertIntermediate))
    {
        dense = Linear(config.HiddenSize, config.IntermediateSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return functional.gelu(Autocast.Linear(dense, hidden)).MoveToOuterDisposeScope();
    }
}

/// <summary>One post-LN BERT layer.</summary>
public sealed class BertLayer : Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "attention")] private readonly BertAttention attention;
    [ComponentName(Name = "intermediate")] private readonly BertIntermediate intermediate;
    [ComponentName(Name = "output")] private readonly BertResidualOutput output;

    public BertLayer(BertConfig config) : base(nameof(BertLayer))
    {
        attention = new BertAttention(config);
        intermediate = new BertIntermediate(config);
        output = new BertResidualOutput(config, config.IntermediateSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var attended = attention.call(hidden, mask);
        return output.call(intermediate.call(attended), attended).MoveToOuterDisposeScope();
    }
}

/// <summary>The stack of layers; a ModuleList so keys read <c>encoder.layer.N....</c>.</summary>
public sealed class BertEncoder : Module
{
    [ComponentName(Name = "layer")] private readonly ModuleList<BertLayer> layers;

    public BertEncoder(BertConfig config) : base(nameof(BertEncoder))
    {
        layers = new ModuleList<BertLayer>(
            Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config)).ToArray());
        RegisterComponents();
    }

    public IList<BertLayer> Layers => layers;
}

/// <summary>Hugging Face <c>BertModel</c> without the pooler: forward(input_ids, attention_mask) → last hidden state.</summary>
public sealed class BertModel : Module<Tensor, Tensor, Tensor>, IEncoder
{
    [ComponentName(Name = "embeddings")] private readonly BertEmbeddings embeddings;
    [ComponentName(Name = "encoder")] private readonly BertEncoder encoder;

    public BertModel(BertConfig config) : base(nameof(BertModel))
    {
        Config = config;
        embeddings = new BertEmbeddings(config);
        encoder = new BertEncoder(config);
        RegisterComponents();
    }

    public EncoderConfig Config { get; }

    public override Tensor forward(Tensor inputIds, Tensor attentionMask) => Encode(inputIds, attentionMask);

    public Tensor Encode(Tensor inputIds, Tensor attentionMask, IList<Tensor>? hiddenStates = null) =>
        EncoderStack.Encode(embeddings.call, encoder.Layers, inputIds, attentionMask, hiddenStates);

    public Tensor Embed(Tensor inputIds) => embeddings.call(inputIds);

    public IReadOnlyList<Module<Tensor, Tensor, Tensor>> Layers => [.. encoder.Layers];

    public IReadOnlyList<Parameter> EmbeddingParameters() => embeddings.parameters().ToList();

    public IReadOnlyList<Parameter> LayerParameters(int index) => encoder.Layers[index].parameters().ToList();
}
