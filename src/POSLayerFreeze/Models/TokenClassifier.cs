using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace POSLayerFreeze.Models;

/// <summary>
/// Hugging Face <c>DistilBertForTokenClassification</c> / <c>BertForTokenClassification</c>: encoder, dropout on
/// the last hidden state, Linear(hidden, numLabels). The encoder is registered under its family's checkpoint prefix
/// (<c>distilbert</c> / <c>bert</c>), so a Hugging Face token-classification checkpoint loads by name.
/// </summary>
public sealed class TokenClassifier : Module<Tensor, Tensor, Tensor>
{
    private readonly Module encoderModule;
    private readonly Dropout dropout;
    private readonly Linear classifier;

    public TokenClassifier(EncoderConfig config, int numLabels) : base(nameof(TokenClassifier))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numLabels, 1);
        Config = config;
        NumLabels = numLabels;
        Encoder = config switch
        {
            DistilBertConfig distilBert => new DistilBertModel(distilBert),
            BertConfig bert => new BertModel(bert),
            _ => throw new ArgumentException($"no encoder for {config.GetType().Name}", nameof(config)),
        };
        encoderModule = (Module)Encoder;
        dropout = Dropout(config.TokenClassifierDropout);
        classifier = Linear(config.HiddenSize, numLabels);
        RegisterComponents();
    }

    public EncoderConfig Config { get; }

    public int NumLabels { get; }

    public IEncoder Encoder { get; }

    /// <summary>input_ids [B, T] int64, attention_mask [B, T] → logits [B, T, numLabels].</summary>
    public override Tensor forward(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = Encoder.Encode(inputIds, attentionMask);                       // [B, T, H]
        return classifier.call(dropout.call(hidden)).MoveToOuterDisposeScope(); // [B, T, labels]
    }

    /// <summary>Logits plus every hidden state (embeddings output, then each layer), for parity tests.</summary>
    public Tensor ForwardWithHiddenStates(Tensor inputIds, Tensor attentionMask, IList<Tensor> hiddenStates)
    {
        ArgumentNullException.ThrowIfNull(hiddenStates);
        using var scope = NewDisposeScope();
        var layers = new List<Tensor>();
        var hidden = Encoder.Encode(inputIds, attentionMask, layers);
        foreach (var state in layers) hiddenStates.Add(state.MoveToOuterDisposeScope());
        return classifier.call(dropout.call(hidden)).MoveToOuterDisposeScope();
    }

    /// <summary><c>emb</c>, then <c>0</c>..<c>L-1</c>: the units a freeze plan names. The classifier is not one of them.</summary>
    public IReadOnlyList<FreezableUnit> FreezableUnits()
    {
        var units = new List<FreezableUnit> { new("emb", Encoder.EmbeddingParameters()) };
        for (var layer = 0; layer < Config.NumLayers; layer++)
        {
            units.Add(new FreezableUnit(layer.ToString(System.Globalization.CultureInfo.InvariantCulture), Encoder.LayerParameters(layer)));
        }
        return units;
    }

    public IReadOnlyList<Parameter> ClassifierParameters() => classifier.parameters().ToList();

    /// <summary>
    /// Hugging Face's head initialisation (<c>_init_weights</c>): weight ~ N(0, initializer_range), bias 0, drawn
    /// from torch's default generator (the caller seeds it with <c>torch.manual_seed</c> first).
    /// </summary>
    public void InitializeClassifier()
    {
        using var noGrad = no_grad();
        init.normal_(classifier.weight!, 0.0, Config.InitializerRange);
        init.zeros_(classifier.bias!);
    }

    protected override void RegisterComponents()
    {
        register_module(Encoder.CheckpointPrefix, encoderModule);
        register_module("dropout", dropout);
        register_module("classifier", classifier);
    }
}
