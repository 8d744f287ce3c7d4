using System.Globalization;
using POSLayerFreeze.Models;
using TorchSharp.Modules;

namespace POSLayerFreeze.Training;

/// <summary>Parameters that share a learning-rate scale and an optimizer step count: one unit of the model.</summary>
/// <param name="Name">The unit: <c>emb</c>, <c>0</c>…<c>L−1</c> (as <see cref="TokenClassifier.FreezableUnits"/>
/// names them), <see cref="LayerRates.Head"/>, or <see cref="LayerRates.All"/> for a single group.</param>
/// <param name="LearningRateScale">The group's rate is the schedule's rate times this.</param>
public sealed record ParameterGroup(string Name, IReadOnlyList<Parameter> Parameters, double LearningRateScale = 1.0);

/// <summary>
/// Layer-wise learning-rate decay ξ (discriminative rates, ULMFiT's idea), in the form of BEiT's and MAE's
/// <c>param_groups_lrd</c> (util/lr_decay.py): embeddings have layer id 0, layer i has id i+1, the head id L+1, and a
/// group's rate is lr·ξ^(L+1−id). So the head runs at the base rate, the top layer L−1 at lr·ξ, layer i at
/// lr·ξ^(L−i) and the embeddings at lr·ξ^(L+1); the linear schedule multiplies every group's rate alike. (ELECTRA's
/// <c>_get_layer_lrs</c> puts the head at depth L+2, one above the top layer's L, so its top layer runs at lr·ξ²; we
/// follow BEiT, where each step down the stack, head included, is one factor ξ. ULMFiT's ξ is 1/2.6.)
/// </summary>
public static class LayerRates
{
    /// <summary>The classifier head's group name.</summary>
    public const string Head = "head";

    /// <summary>The one group of a run without layer rates or schedule.</summary>
    public const string All = "all";

    /// <summary>ξ^(L+1−id) for <paramref name="unit"/> of a model of <paramref name="numLayers"/> layers.</summary>
    public static double Scale(string unit, int numLayers, double layerDecay)
    {
        ArgumentNullException.ThrowIfNull(unit);
        var id = unit switch
        {
            Head => numLayers + 1,
            "emb" => 0,
            _ when int.TryParse(unit, NumberStyles.None, CultureInfo.InvariantCulture, out var layer) && layer < numLayers => layer + 1,
            _ => throw new ArgumentException($"'{unit}' is not a unit of a {numLayers}-layer model (emb, 0..{numLayers - 1}, {Head})", nameof(unit)),
        };
        return Math.Pow(layerDecay, numLayers + 1 - id);
    }

    /// <summary>
    /// The <paramref name="trainable"/> parameters grouped by unit in model order (embeddings, layers, head), each
    /// group scaled by <see cref="Scale"/>; units with no trainable parameter are left out.
    /// </summary>
    public static IReadOnlyList<ParameterGroup> Groups(TokenClassifier model, IReadOnlyList<Parameter> trainable, double layerDecay)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(trainable);
        if (!(layerDecay > 0 && layerDecay <= 1)) throw new ArgumentOutOfRangeException(nameof(layerDecay), layerDecay, "layer decay must lie in (0, 1]");
        var wanted = new HashSet<Parameter>(trainable, ReferenceEqualityComparer.Instance);
        var units = model.FreezableUnits().Append(new FreezableUnit(Head, model.ClassifierParameters()));
        var groups = units
            .Select(u => new ParameterGroup(u.Name, u.Parameters.Where(wanted.Contains).ToArray(), Scale(u.Name, model.Config.NumLayers, layerDecay)))
            .Where(g => g.Parameters.Count > 0).ToArray();
        if (groups.Sum(g => g.Parameters.Count) != wanted.Count)
            throw new ArgumentException("a trainable parameter belongs to no unit of the model", nameof(trainable));
        return groups;
    }
}
