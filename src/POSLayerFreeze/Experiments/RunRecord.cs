namespace POSLayerFreeze.Experiments;

/// <summary>One finished run as read back from its folder (<see cref="RunReader"/>): its metrics and per-sentence counts.</summary>
public sealed record RunRecord(string Config, long Seed, string Directory, RunMetrics Metrics, int[] SentenceCorrect, int[] SentenceWords)
{
    public double TestAccuracy => Metrics.Test.Accuracy;
    public double DevAccuracy => Metrics.Dev.Accuracy;
    public double MacroF1 => Metrics.Test.MacroF1;
    public long TrainableParameters => Metrics.TrainableParameters;
    public double TokensPerSecond => Metrics.Train.TokensPerSecond;
    public double TrainSeconds => Metrics.Train.Seconds;
    public string ProfileName => Metrics.ProfileName;
    public string InputsHash => Metrics.InputsHash;
    public System.Text.Json.Nodes.JsonObject Inputs => Metrics.Inputs;
    public string Device => Metrics.Device;
    public int Steps => Metrics.Train.Steps;

    /// <summary>Process CPU seconds of the training call; null for runs made before it was recorded.</summary>
    public double? CpuSeconds => Metrics.Train.CpuSeconds;

    public string TreebankName => Metrics.TreebankName;
}
