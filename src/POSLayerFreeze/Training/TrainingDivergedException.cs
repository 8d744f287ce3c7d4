namespace POSLayerFreeze.Training;

/// <summary>
/// The training loss became NaN or infinite: the run stops there instead of training on and writing metrics
/// that cannot be trusted (or cannot even be written as JSON). The message names the step and the run.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    public TrainingDivergedException(string message) : base(message) { }

    public TrainingDivergedException() : this("training loss is not finite") { }

    public TrainingDivergedException(string message, Exception innerException) : base(message, innerException) { }
}
