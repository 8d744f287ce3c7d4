using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace POSLayerFreeze.Models;

// Hugging Face models/roberta/modeling_roberta.py, encoder side only (no pooler): RoBERTa is BERT with other
// embeddings. Its layers are BERT's — the same modules under the same names (encoder.layer.N.attention.self.query…),
// built by BertEncoder from the BERT config of the same shape — so only the embeddings are written here.

/// <summary>
/// Word + position + token-type embeddings, LayerNorm, dropout, with RoBERTa's positions: a real token's position is
/// padding_idx + 1 + the number of real tokens up to and including it, a padding token's is padding_idx (Hugging Face
/// <c>create_position_ids_from_input_ids</c>). "Real" means the id is not pad_token_id, whatever the attention mask
/// says; both tables have padding_idx, so that row gets no gradient. Token type always 0 (type_vocab_size is 1).
/// </summary>
public sealed class RobertaEmbeddings : Module<Tensor, Tensor>
{
    [ComponentName(Name = "word_embeddings")] private readonly Embedding wordEmbeddings;
    [ComponentName(Name = "position_embeddings")] private readonly Embedding positionEmbeddings;
    [ComponentName(Name = "token_type_embeddings")] private readonly Embedding tokenTypeEmbeddings;
    [ComponentName(Name = "LayerNorm")] private readonly LayerNorm layerNorm;
    [ComponentName(Name = "dropout")] private readonly Dropout dropout;
    private readonly long paddingIdx;

    public RobertaEmbeddings(RobertaConfig config) : base(nameof(RobertaEmbeddings))
    {
        paddingIdx = config.PadTokenId;
        wordEmbeddings = Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        positionEmbeddings = Embedding(config.MaxPositionEmbeddings, config.HiddenSize, padding_idx: config.PadTokenId);
        tokenTypeEmbeddings = Embedding(config.TypeVocabSize, config.HiddenSize);
        layerNorm = LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = Dropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var real = inputIds.ne(paddingIdx).to_type(ScalarType.Int64);       // [B, T] 1 = not a pad id
        var positions = (real.cumsum(1) * real) + paddingIdx;                // [B, T]
        var tokenTypes = zeros_like(inputIds);                               // [B, T]
        var embeddings = wordEmbeddings.call(inputIds)
            + tokenTypeEmbeddings.call(tokenTypes)
            + positionEmbeddings.call(positions);                            // [B, T, H]
        return dropout.call(layerNorm.call(embeddings)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Hugging Face <c>RobertaModel</c> (and <c>XLMRobertaModel</c>, the same module) without the pooler:
/// forward(input_ids, attention_mask) → last hidden state.
/// </summary>
public sealed class RobertaModel : Module<Tensor, Tensor, Tensor>, IEncoder
{
    [ComponentName(Name = "embeddings")] private readonly RobertaEmbeddings embeddings;
    [ComponentName(Name = "encoder")] private readonly BertEncoder encoder;

    public RobertaModel(RobertaConfig config) : base(nameof(RobertaModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        embeddings = new RobertaEmbeddings(config);
        encoder = new BertEncoder(config.LayerConfig);
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
