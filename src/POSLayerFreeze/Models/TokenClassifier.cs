using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace POSLayerFreeze.Models;

/// <summary>
/// Hugging Face <c>…ForTokenClassification</c> (<c>DistilBertForTokenClassification</c>, <c>BertForTokenClassification</c>):
/// the family's encoder under its checkpoint name (<see cref="EncoderFamily.CheckpointPrefix"/>), dropout on the last
/// hidden state, Linear(hidden, numLabels) as <c>classifier</c>, so a Hugging Face token-classification checkpoint
/// loads by name.
/// </summary>
public sealed class TokenClassifier : Module<Tensor, Tensor, Tensor>
{
    // Assigned after RegisterComponents: the encoder is registered by hand under the family's name, first, so the
    // state dict reads <prefix>.…, dropout, classifier in that order (the order parameters are saved and optimized in).
    private readonly Module<Tensor, Tensor, Tensor> encoder;
    [ComponentName(Name = "dropout")] private readonly Dropout dropout;
    [ComponentName(Name = "classifier")] private readonly Linear classifier;

    public TokenClassifier(EncoderConfig config, int numLabels) : base(nameof(TokenClassifier))
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfLessThan(numLabels, 1);
        Config = config;
        NumLabels = numLabels;
        var familyEncoder = config.Family.CreateEncoder(config);
        register_module(config.Family.CheckpointPrefix, familyEncoder);
        dropout = Dropout(config.TokenClassifierDropout);
        classifier = Linear(config.HiddenSize, numLabels);
        RegisterComponents();
        encoder = familyEncoder;
    }

    public EncoderConfig Config { get; }

    public int NumLabels { get; }

    public IEncoder Encoder => (IEncoder)encoder;

    /// <summary>The matmuls' arithmetic in <see cref="forward"/> and <see cref="ForwardWithHiddenStates"/> (the run's
    /// profile sets it; a saved bf16 tagger keeps it). Weights stay fp32 either way.</summary>
    public Precision Precision { get; set; }

    /// <summary>input_ids [B, T] int64, attention_mask [B, T] → logits [B, T, numLabels] (fp32 in either precision).</summary>
    public override Tensor forward(Tensor inputIds, Tensor attentionMask)
    {
        using var region = Autocast.Enter(Precision);
        using var scope = NewDisposeScope();
        var hidden = encoder.call(inputIds, attentionMask);  // [B, T, H]
        return Classify(hidden).MoveToOuterDisposeScope();   // [B, T, labels]
    }

    /// <summary>The head alone: last hidden state [B, T, H] → dropout → classifier → logits [B, T, numLabels].</summary>
    public Tensor Classify(Tensor hidden) => Autocast.Linear(classifier, dropout.call(hidden));

    /// <summary>Logits plus every hidden state (embeddings output, then each layer), for parity tests.</summary>
    public Tensor ForwardWithHiddenStates(Tensor inputIds, Tensor attentionMask, IList<Tensor> hiddenStates)
    {
        ArgumentNullException.ThrowIfNull(hiddenStates);
        using var region = Autocast.Enter(Precision);
        using var scope = NewDisposeScope();
        var layers = new List<Tensor>();
        var hidden = Encoder.Encode(inputIds, attentionMask, layers);
        foreach (var state in layers) hiddenStates.Add(state.MoveToOuterDisposeScope());
        return Classify(hidden).MoveToOuterDisposeScope();
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
}
