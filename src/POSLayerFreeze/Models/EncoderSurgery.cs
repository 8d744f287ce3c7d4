using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace POSLayerFreeze.Models;

/// <summary>
/// What the control plans do to a pretrained token classifier before fine-tuning, for every encoder family:
/// <see cref="DropTopLayers"/> (<c>drop-top-K</c>) and <see cref="Reinitialize"/> (<c>random-init</c>). Neither touches the
/// classifier head, which stays as <see cref="ModelCatalog.CreateClassifier"/> drew it for the run's seed.
/// </summary>
public static class EncoderSurgery
{
    /// <summary>
    /// A classifier like <paramref name="model"/> with its top <paramref name="count"/> layers removed: the config says
    /// L − K layers (so results and saved taggers say so too), and every remaining parameter — embeddings, layers
    /// 0..L−K−1, head — is copied unchanged. Takes ownership: <paramref name="model"/> is disposed, the result is on its device.
    /// </summary>
    public static TokenClassifier DropTopLayers(TokenClassifier model, int count)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = model.Config;
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(count, config.NumLayers);
        var device = model.parameters().First().device;
        // Building the smaller model draws TorchSharp's default init from the global generator; restoring it keeps the
        // run's later draws (dropout masks) where they would be without the surgery.
        TokenClassifier smaller;
        using (var generatorState = get_rng_state())
        {
            smaller = new TokenClassifier(WithLayers(config, config.NumLayers - count), model.NumLabels);
            set_rng_state(generatorState);
        }
        try
        {
            var source = model.state_dict();
            using (no_grad())
            {
                // Every key of the smaller model names the same tensor in the full one (layers keep their indices).
                foreach (var (name, target) in smaller.state_dict()) target.copy_(source[name]);
            }
            if (device.type != DeviceType.CPU) smaller.to(device);
        }
        catch
        {
            smaller.Dispose();
            throw;
        }
        model.Dispose();
        return smaller;
    }

    /// <summary>The family's config with its layer-count field (<see cref="EncoderFamily.Layers"/>) set to <paramref name="layers"/>.</summary>
    public static EncoderConfig WithLayers(EncoderConfig config, int layers)
    {
        ArgumentNullException.ThrowIfNull(config);
        var json = config.ToJsonObject();
        json[config.Family.Layers.Field] = layers;
        return config.Family.ReadConfig(json);
    }

    /// <summary>
    /// Hugging Face's <c>_init_weights</c> for BERT and DistilBERT, applied to the encoder (not the head): each Linear's
    /// weight ~ N(0, initializer_range) and bias 0; each Embedding's weight ~ N(0, initializer_range) with the
    /// padding row (<see cref="EncoderFamily.PaddedEmbeddings"/>, row pad_token_id) set to 0; each LayerNorm's weight 1
    /// and bias 0. Draws: one CPU <c>torch.Generator</c> seeded with <paramref name="seed"/>, one <c>normal_(0, σ)</c>
    /// per weight, in module registration order (the state dict's order; it is also the order in which Hugging Face's
    /// <c>model.apply</c> reaches these leaf modules). Drawing on the CPU makes the weights the same on every device; a
    /// generator of its own leaves the global one (head, dropout) as it was. A parameter in any other kind of module is
    /// refused: a new family must say how Hugging Face initialises it.
    /// </summary>
    public static void Reinitialize(TokenClassifier model, long seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = model.Config;
        var std = config.InitializerRange;
        var padded = config.Family.PaddedEmbeddings.ToHashSet(StringComparer.Ordinal);
        var encoder = (nn.Module)model.Encoder;
        var unknownPadded = padded.Where(n => !encoder.named_modules().Any(m => m.name == n && m.module is Embedding)).ToArray();
        if (unknownPadded.Length > 0)
            throw new InvalidOperationException($"{config.ModelType} family: padded embeddings {string.Join(", ", unknownPadded)} are not Embedding modules of the encoder");
        var done = new HashSet<string>(StringComparer.Ordinal);
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        using var noGrad = no_grad();

        void Draw(Parameter weight)
        {
            using var values = empty(weight.shape, ScalarType.Float32).normal_(0.0, std, generator);
            weight.copy_(values);
        }

        foreach (var (name, module) in encoder.named_modules())
        {
            switch (module)
            {
                case Linear linear:
                    Draw(linear.weight!);
                    linear.bias?.zero_();
                    break;
                case Embedding embedding:
                    Draw(embedding.weight!);
                    if (padded.Contains(name))
                    {
                        using var row = embedding.weight![config.PadTokenId];
                        row.zero_();
                    }
                    break;
                case LayerNorm layerNorm:
                    layerNorm.weight!.fill_(1.0);
                    layerNorm.bias!.zero_();
                    break;
                default:
                    continue;
            }
            foreach (var (parameter, _) in module.named_parameters()) done.Add(name + "." + parameter);
        }
        var missed = encoder.named_parameters().Select(p => p.name).Where(n => !done.Contains(n)).ToArray();
        if (missed.Length > 0)
        {
            throw new NotSupportedException(string.Create(CultureInfo.InvariantCulture,
                $"random-init: the {config.ModelType} encoder has parameters outside Linear, Embedding and LayerNorm modules ({string.Join(", ", missed)}); Hugging Face's rule for them is not implemented"));
        }
    }
}
