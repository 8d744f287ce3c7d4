namespace POSLayerFreeze.Specs;

/// <summary>Session start and end for every spec in this namespace.</summary>
[SetUpFixture]
public sealed class SpecSession
{
    [OneTimeSetUp]
    public void Announce() => TestContext.Progress.WriteLine($"POSLayerFreeze specs: {SpecSettings.Current}");

    /// <summary>A session's own temporary runs folder goes with it; set POSLF_RUNS_DIR to keep the runs.</summary>
    [OneTimeTearDown]
    public void RemoveTemporaryRuns()
    {
        foreach (var session in StudyRuns.StartedSessions)
        {
            if (session.OwnsOutDir && Directory.Exists(session.OutDir)) Directory.Delete(session.OutDir, recursive: true);
        }
    }
}
