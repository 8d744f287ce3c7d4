namespace POSLayerFreeze.Training;

/// <summary>Called after each epoch's last step with the epochs done (1-based) and the steps done; the model is in
/// training mode before and after (the trainer restores it), the training clock is paused meanwhile.</summary>
public delegate void EpochEnd(int epochsDone, int step);
