namespace POSLayerFreeze.Training;

/// <summary>One entry of the training log, read on the loss-read interval (Hugging Face's <c>log_history</c> fields).</summary>
/// <param name="Loss">Mean loss of the steps since the previous entry.</param>
/// <param name="GradNorm">L2 norm of the trainable parameters' gradient at the entry's step, before any clipping.</param>
public sealed record LogEntry(int Step, double Epoch, double Loss, double LearningRate, double GradNorm);
