namespace POSLayerFreeze.Golden;

/// <summary>
/// The one validation of a golden file, applied by <c>poslf golden status</c> (<see cref="GoldenStore.Validate"/>)
/// and by <c>poslf approve</c> to every received file before anything is moved: what status calls invalid can
/// never become a verified snapshot.
/// </summary>
internal static class GoldenFileCheck
{
    /// <summary>One line, <c>PATH[:LINE]: what is wrong</c>, or null for a usable file lying in <c>profile/backend/</c>.</summary>
    public static string? ProblemOf(string file, string profile, string backend)
    {
        Snapshot snapshot;
        try
        {
            snapshot = Snapshot.Load(file);
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{file}: cannot be read: {e.Message}";
        }
        // Check looks a golden up by the snapshot's own profile and backend, so a file in another folder is never
        // the golden its folder says it is.
        if (snapshot.Provenance.Profile != profile)
            return $"{file}: provenance.profile is '{snapshot.Provenance.Profile}', but the file lies under profile folder '{profile}'";
        if (snapshot.Provenance.Backend != backend)
            return $"{file}: provenance.backend is '{snapshot.Provenance.Backend}', but the file lies under backend folder '{backend}'";
        if (snapshot.Metrics.Count == 0 && snapshot.Facts.Count == 0)
            return $"{file}: holds no metrics and no facts (nothing to compare)";
        foreach (var (name, metric) in snapshot.Metrics)
            if (IsProportion(name) && metric.Value is < 0 or > 1)
                return $"{file}: metrics.{name} is {Runtime.Invariant.Format(metric.Value)}, outside [0, 1]";
        // A received file with no metrics beside a verified one that has some would, once approved, wipe every
        // metric of the golden: no run writes such a file.
        if (snapshot.Metrics.Count == 0 && file.EndsWith(GoldenStore.ReceivedSuffix, StringComparison.Ordinal))
        {
            var verified = file[..^GoldenStore.ReceivedSuffix.Length] + GoldenStore.VerifiedSuffix;
            if (File.Exists(verified) && TryMetricCount(verified) is > 0 and var count)
                return $"{file}: holds no metrics, so approving it would remove all {Runtime.Invariant.Format(count)} metrics of {verified}";
        }
        return null;
    }

    // Accuracies and F1 scores are proportions; other metrics (effect sizes) may take any finite value.
    private static bool IsProportion(string name) =>
        name.EndsWith("accuracy", StringComparison.Ordinal) || name.EndsWith("f1", StringComparison.Ordinal) || name.Contains(".f1.", StringComparison.Ordinal);

    private static int? TryMetricCount(string verified)
    {
        try
        {
            return Snapshot.Load(verified).Metrics.Count;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return null;   // reported on its own when the verified file is checked
        }
    }
}
