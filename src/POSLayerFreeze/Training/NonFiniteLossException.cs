namespace POSLayerFreeze.Training;

/// <summary>Training stopped because the loss stopped being a finite number.</summary>
public sealed class NonFiniteLossException(int step, double loss)
    : Exception($"the training loss became {loss} at step {step}; the run is stopped (lower the learning rate or check the weights)")
{
    public int Step { get; } = step;
}
