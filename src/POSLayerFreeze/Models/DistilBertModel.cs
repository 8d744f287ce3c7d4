using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace POSLayerFreeze.Models;

// Hugging Face models/distilbert/modeling_distilbert.py, read top to bottom: embeddings, attention, FFN, block,
// transformer, model. Submodule names are the checkpoint format (q_lin, sa_layer_norm, ffn.lin1, ...).

/// <summary>Word + learned position embeddings, LayerNorm, dropout.</summary>
public sealed class DistilBertEmbeddings : Module<Tensor, Tensor>
{
    [ComponentName(Name = "word_embeddings")] private readonly Embedding wordEmbeddings;
    [ComponentName(Name = "position_embeddings")] private readonly Embedding positionEmbeddings;
    [ComponentName(Name = "LayerNorm")] private readonly LayerNorm layerNorm;
    [ComponentName(Name = "dropout")] private readonly Dropout dropout;

    public DistilBertEmbeddings(DistilBertConfig config) : base(nameof(DistilBertEmbeddings))
    {
        wordEmbeddings = Embedding(config.VocabSize, config.Dim, padding_idx: config.PadTokenId);
        positionEmbeddings = Embedding(config.MaxPositionEmbeddings, config.Dim);
        layerNorm = LayerNorm(config.Dim, eps: DistilBertModel.LayerNormEps);
        dropout = Dropout(config.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var length = inputIds.shape[1];
        var positions = arange(length, dtype: ScalarType.Int64, device: inputIds.device).unsqueeze(0); // [1, T]
        var embeddings = wordEmbeddings.call(inputIds) + positionEmbeddings.call(positions);   // [B, T, H]
        return dropout.call(layerNorm.call(embeddings)).MoveToOuterDisposeScope();
    }
}

/// <summary>Multi-head self-attention: q_lin, k_lin, v_lin, out_lin (no dropout after out_lin in DistilBERT).</summary>
public sealed class DistilBertSelfAttention : Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "q_lin")] private readonly Linear qLin;
    [ComponentName(Name = "k_lin")] private readonly Linear kLin;
    [ComponentName(Name = "v_lin")] private readonly Linear vLin;
    [ComponentName(Name = "out_lin")] private readonly Linear outLin;
    private readonly long heads;
    private readonly double attentionDropout;

    public DistilBertSelfAttention(DistilBertConfig config) : base(nameof(DistilBertSelfAttention))
    {
        qLin = Linear(config.Dim, config.Dim);
        kLin = Linear(config.Dim, config.Dim);
        vLin = Linear(config.Dim, config.Dim);
        outLin = Linear(config.Dim, config.Dim);
        heads = config.NHeads;
        attentionDropout = config.AttentionDropout;
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
            Split(Autocast.Linear(qLin, hidden)), Split(Autocast.Linear(kLin, hidden)), Split(Autocast.Linear(vLin, hidden)),
            mask, training ? attentionDropout : 0.0);                                          // [B, h, T, d]
        var merged = context.transpose(1, 2).reshape(batch, length, width);                    // [B, T, H]
        return Autocast.Linear(outLin, merged).MoveToOuterDisposeScope();
    }
}

/// <summary>Position-wise feed-forward: lin1, exact GELU, lin2, dropout.</summary>
public sealed class DistilBertFeedForward : Module<Tensor, Tensor>
{
    [ComponentName(Name = "lin1")] private readonly Linear lin1;
    [ComponentName(Name = "lin2")] private readonly Linear lin2;
    [ComponentName(Name = "dropout")] private readonly Dropout dropout;

    public DistilBertFeedForward(DistilBertConfig config) : base(nameof(DistilBertFeedForward))
    {
        lin1 = Linear(config.Dim, config.HiddenDim);
        lin2 = Linear(config.HiddenDim, config.Dim);
        dropout = Dropout(config.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return dropout.call(Autocast.Linear(lin2, functional.gelu(Autocast.Linear(lin1, hidden)))).MoveToOuterDisposeScope();
    }
}

/// <summary>One post-LN transformer block.</summary>
public sealed class DistilBertBlock : Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "attention")] private readonly DistilBertSelfAttention attention;
    [ComponentName(Name = "sa_layer_norm")] private readonly LayerNorm saLayerNorm;
    [ComponentName(Name = "ffn")] private readonly DistilBertFeedForward ffn;
    [ComponentName(Name = "output_layer_norm")] private readonly LayerNorm outputLayerNorm;

    public DistilBertBlock(DistilBertConfig config) : base(nameof(DistilBertBlock))
    {
        attention = new DistilBertSelfAttention(config);
        saLayerNorm = LayerNorm(config.Dim, eps: DistilBertModel.LayerNormEps);
        ffn = new DistilBertFeedForward(config);
        outputLayerNorm = LayerNorm(config.Dim, eps: DistilBertModel.LayerNormEps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var attended = saLayerNorm.call(attention.call(hidden, mask) + hidden);
        return outputLayerNorm.call(ffn.call(attended) + attended).MoveToOuterDisposeScope();
    }
}

/// <summary>The stack of blocks; a ModuleList so keys read <c>transformer.layer.N....</c>.</summary>
public sealed class DistilBertTransformer : Module
{
    [ComponentName(Name = "layer")] private readonly ModuleList<DistilBertBlock> layers;

    public DistilBertTransformer(DistilBertConfig config) : base(nameof(DistilBertTransformer))
    {
        layers = new ModuleList<DistilBertBlock>(
            Enumerable.Range(0, config.NLayers).Select(_ => new DistilBertBlock(config)).ToArray());
        RegisterComponents();
    }

    public IList<DistilBertBlock> Layers => layers;
}

/// <summary>Hugging Face <c>DistilBertModel</c>: forward(input_ids, attention_mask) → last hidden state [B, T, H].</summary>
public sealed class DistilBertModel : Module<Tensor, Tensor, Tensor>, IEncoder
{
    /// <summary>DistilBERT's LayerNorm eps; not in its config (TorchSharp's default is 1e-5).</summary>
    public const double LayerNormEps = 1e-12;

    [ComponentName(Name = "embeddings")] private readonly DistilBertEmbeddings embeddings;
    [ComponentName(Name = "transformer")] private readonly DistilBertTransformer transformer;

    public DistilBertModel(DistilBertConfig config) : base(nameof(DistilBertModel))
    {
        Config = config;
        embeddings = new DistilBertEmbeddings(config);
        transformer = new DistilBertTransformer(config);
        RegisterComponents();
    }

    public EncoderConfig Config { get; }

    public override Tensor forward(Tensor inputIds, Tensor attentionMask) => Encode(inputIds, attentionMask);

    public Tensor Encode(Tensor inputIds, Tensor attentionMask, IList<Tensor>? hiddenStates = null) =>
        EncoderStack.Encode(embeddings.call, transformer.Layers, inputIds, attentionMask, hiddenStates);

    public Tensor Embed(Tensor inputIds) => embeddings.call(inputIds);

    public IReadOnlyList<Module<Tensor, Tensor, Tensor>> Layers => [.. transformer.Layers];

    public IReadOnlyList<Parameter> EmbeddingParameters() => embeddings.parameters().ToList();

    public IReadOnlyList<Parameter> LayerParameters(int index) => transformer.Layers[index].parameters().ToList();
}
