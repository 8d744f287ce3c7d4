using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using TorchSharp.Modules;

namespace POSLayerFreeze.Training;

/// <summary>One point where a run's trainable set changed (and its start): before 0-based <paramref name="Step"/>, in
/// 0-based <paramref name="Epoch"/>, these units were frozen and this many parameters trained.</summary>
public sealed record ScheduleChange(int Step, int Epoch, IReadOnlyList<string> Frozen, long TrainableParameters);

/// <summary>
/// What trained when, as saved in a run's metrics.json (<c>schedule</c>): for runs with a freeze schedule or
/// layer-wise rates. The trainable set is piecewise constant, so <see cref="Changes"/> (the first at step 0) is the
/// whole curve of trainable parameters over time.
/// </summary>
public sealed record ScheduleTrace
{
    /// <summary>The schedule's name (<c>gradual-1e</c>, <c>freezeout-0.5</c>); null for a fixed plan with layer rates.</summary>
    public string? Schedule { get; init; }

    /// <summary>ξ, when not 1.</summary>
    public double? LayerDecay { get; init; }

    /// <summary>Each unit's learning-rate multiplier (<see cref="LayerRates.Scale"/>), when ξ is not 1.</summary>
    public IReadOnlyDictionary<string, double>? LearningRateScales { get; init; }

    public required IReadOnlyList<ScheduleChange> Changes { get; init; }

    /// <summary>Trainable parameters averaged over the optimizer steps (parameter-steps / steps).</summary>
    public required double MeanTrainableParameters { get; init; }
}

/// <summary>
/// Applies a <see cref="FreezeSchedule"/> at step boundaries: before each step the units the schedule says train get
/// requires_grad and join the optimizer (fresh moments, see <see cref="FlatAdamW.SetActive"/>), the others are frozen
/// and leave it. Dropout is untouched: frozen units follow <c>model.train()</c> as in fixed plans. Also records the
/// <see cref="ScheduleTrace"/>.
/// </summary>
internal sealed class ScheduleRunner
{
    private readonly FreezeSchedule? _schedule;
    private readonly TokenClassifier _model;
    private readonly FlatAdamW _optimizer;
    private readonly List<ScheduleChange> _changes = [];
    private readonly long _fixedTrainable;
    private int _trainableFromTop = -1;
    private long _trainable;
    private double _parameterSteps;
    private int _steps;

    /// <param name="schedule">Null: a fixed plan, whose <paramref name="trainable"/> parameters train throughout.</param>
    public ScheduleRunner(FreezeSchedule? schedule, TokenClassifier model, FlatAdamW optimizer, IReadOnlyList<Parameter> trainable)
    {
        _schedule = schedule;
        _model = model;
        _optimizer = optimizer;
        _fixedTrainable = trainable.Sum(p => p.numel());
    }

    public void BeforeStep(ScheduleClock clock)
    {
        if (_schedule is null)
        {
            if (_changes.Count == 0)
            {
                _trainable = _fixedTrainable;
                var frozen = _model.FreezableUnits().Where(u => u.Parameters.All(p => !p.requires_grad)).Select(u => u.Name).ToArray();
                _changes.Add(new ScheduleChange(clock.Step, clock.Epoch, frozen, _trainable));
            }
        }
        else
        {
            var numLayers = _model.Config.NumLayers;
            var top = _schedule.TrainableFromTop(clock, numLayers);
            if (top != _trainableFromTop)
            {
                var training = FreezeSchedule.TopDown(numLayers).Take(top).ToHashSet(StringComparer.Ordinal);
                _trainable = _model.ClassifierParameters().Sum(p => p.numel());
                foreach (var unit in _model.FreezableUnits())
                {
                    var train = training.Contains(unit.Name);
                    foreach (var p in unit.Parameters) p.requires_grad = train;
                    _optimizer.SetActive(unit.Name, train);
                    if (train) _trainable += unit.Parameters.Sum(p => p.numel());
                }
                _changes.Add(new ScheduleChange(clock.Step, clock.Epoch, _schedule.FrozenUnits(clock, numLayers), _trainable));
                _trainableFromTop = top;
            }
        }
        _parameterSteps += _trainable;
        _steps++;
    }

    public ScheduleTrace Trace(double layerDecay) => new()
    {
        Schedule = _schedule?.Name,
        LayerDecay = layerDecay == 1.0 ? null : layerDecay,
        LearningRateScales = layerDecay == 1.0 ? null : _model.FreezableUnits().Select(u => u.Name).Append(LayerRates.Head)
            .ToDictionary(u => u, u => LayerRates.Scale(u, _model.Config.NumLayers, layerDecay), StringComparer.Ordinal),
        Changes = [.. _changes],
        MeanTrainableParameters = _steps == 0 ? _trainable : _parameterSteps / _steps,
    };
}
