using System.Globalization;
using POSLayerFreeze.Models;

namespace POSLayerFreeze.Freezing;

/// <summary>
/// A control plan (<c>random-init</c>, <c>drop-top-K</c>) as data: what it does to the pretrained model before
/// fine-tuning. Nothing is frozen under either; the head is the run's usual head (same seed, same draws).
/// </summary>
/// <param name="PretrainedLayers">The depth of the model the plan was read for (L).</param>
/// <param name="DroppedLayers">K for <c>drop-top-K</c>; 0 for <c>random-init</c>.</param>
public sealed record ControlPlan(FreezeKind Kind, int PretrainedLayers, int DroppedLayers)
{
    /// <summary>The exact rule, recorded with every random-init run so a reader can redraw the weights.</summary>
    public const string InitRule =
        "Hugging Face _init_weights on the encoder: Linear weight ~ N(0, initializer_range), bias 0; Embedding weight ~ N(0, initializer_range), padding row 0; LayerNorm weight 1, bias 0";

    /// <summary>How the weights are drawn (see <see cref="EncoderSurgery.Reinitialize"/>).</summary>
    public const string InitDraws =
        "one CPU torch.Generator seeded with the run seed; normal_(0, initializer_range) per Linear and Embedding weight in module registration (state dict) order";

    /// <summary>The layers the fine-tuned model has: L − K (L for random-init).</summary>
    public int KeptLayers => PretrainedLayers - DroppedLayers;

    internal static ControlPlan? Of(FreezePlanName plan, int numLayers) =>
        plan.IsControlKind ? new ControlPlan(plan.Kind, numLayers, plan.DroppedLayers) : null;

    /// <summary>
    /// The model to fine-tune: <paramref name="model"/> with its encoder re-initialised (seeded by
    /// <paramref name="seed"/>) or a smaller one without the top K layers (then <paramref name="model"/> is disposed).
    /// </summary>
    public TokenClassifier Prepare(TokenClassifier model, long seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Config.NumLayers != PretrainedLayers)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{Name}: read for a model of {PretrainedLayers} layers, given one of {model.Config.NumLayers}"), nameof(model));
        }
        try
        {
            if (Kind == FreezeKind.DropTop) return EncoderSurgery.DropTopLayers(model, DroppedLayers);
            EncoderSurgery.Reinitialize(model, seed);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Refuses a model the plan was not applied to (a drop-top plan on a model that still has every layer).</summary>
    internal void CheckPrepared(TokenClassifier model)
    {
        if (model.Config.NumLayers != KeptLayers)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{Name}: the model has {model.Config.NumLayers} layers, the plan keeps {KeptLayers}: prepare it with FreezePlan.Prepare first"), nameof(model));
        }
    }

    /// <summary>What metrics.json says about the control (<c>control</c>): a reader needs no other source to know what ran.</summary>
    public ControlRecord Record(long seed, double initializerRange) => new(Name, PretrainedLayers, KeptLayers)
    {
        Init = Kind == FreezeKind.RandomInit ? new EncoderInitRecord(InitRule, initializerRange, seed, InitDraws) : null,
    };

    private string Name => Kind == FreezeKind.RandomInit
        ? "random-init"
        : "drop-top-" + DroppedLayers.ToString(CultureInfo.InvariantCulture);
}

/// <summary>metrics.json's <c>control</c>: the plan, the pretrained depth and the depth fine-tuned.</summary>
public sealed record ControlRecord(string Plan, int PretrainedLayers, int KeptLayers)
{
    /// <summary>For random-init only: how the encoder was re-initialised.</summary>
    public EncoderInitRecord? Init { get; init; }
}

/// <summary>The re-initialisation of a random-init run: rule, σ, seed and draw order.</summary>
public sealed record EncoderInitRecord(string Rule, double InitializerRange, long Seed, string Draws);
