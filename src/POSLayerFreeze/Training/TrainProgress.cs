namespace POSLayerFreeze.Training;

/// <summary>Progress callback: step done, total steps, last loss read (NaN until the first read).</summary>
public delegate void TrainProgress(int step, int totalSteps, double loss);
