using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Training;

/// <summary>
/// The optimizer computes in float32 (<see cref="FlatAdamW"/>'s buffers and the scalars handed to its kernels), so a
/// profile value beyond float32's range passes every double check and then fails inside the first step with
/// libtorch's "value cannot be converted to type float without overflow". Such a profile is refused where it is read
/// (<see cref="ProfileFile"/>), naming the field.
/// </summary>
internal static class FloatRange
{
    /// <summary>The first float-typed field (or the first step's scalar it feeds) that float32 cannot hold, with one line saying why; null when all fit.</summary>
    public static (string Field, string Problem)? Check(TrainingProfile profile)
    {
        (string Field, double? Value)[] fields =
        [
            ("learning_rate", profile.LearningRate),
            ("eps", profile.Epsilon),
            ("weight_decay", profile.WeightDecay),
            ("max_grad_norm", profile.MaxGradNorm),
        ];
        foreach (var (field, value) in fields)
        {
            if (value is { } v && Math.Abs(v) > float.MaxValue)
                return (field, $"field '{field}' is {Invariant.Format(v)}, beyond float32's range (at most {Max}; the optimizer computes in float32)");
        }
        // The step's own scalars: lr / (1 − β1) scales the first update (Adam's bias correction), lr · weight_decay the decay.
        var firstStep = profile.LearningRate / (1 - profile.Beta1);
        if (Math.Abs(firstStep) > float.MaxValue)
            return ("learning_rate", $"field 'learning_rate' is {Invariant.Format(profile.LearningRate)}: the first step's scale lr / (1 − beta1) = {Invariant.Format(firstStep)} is beyond float32's range (at most {Max})");
        var decay = profile.LearningRate * profile.WeightDecay;
        if (Math.Abs(decay) > float.MaxValue)
            return ("learning_rate", $"field 'learning_rate' is {Invariant.Format(profile.LearningRate)}: lr · weight_decay = {Invariant.Format(decay)} is beyond float32's range (at most {Max})");
        return null;
    }

    private static string Max => Invariant.Format(float.MaxValue);
}
