using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Golden;

/// <summary>A received snapshot waiting for approval.</summary>
public sealed record PendingSnapshot(string Profile, string Backend, string Experiment, string ReceivedPath, bool HasVerified);

/// <summary>A golden file that cannot be used: <see cref="Problem"/> is one line, <c>PATH[:LINE]: what is wrong</c>.</summary>
public sealed record InvalidGoldenFile(string Path, string Problem);

/// <summary>What <see cref="GoldenStore.Validate"/> read: the snapshots that loaded, and the files that did not.</summary>
public sealed record GoldenStoreCheck(int Verified, int Received, IReadOnlyList<InvalidGoldenFile> Invalid);

/// <summary>One promoted snapshot and what changed (lines such as <c>test.accuracy: 0.85 → 0.86</c>).</summary>
public sealed record Approval(string Profile, string Backend, string Experiment, bool WasNew, IReadOnlyList<string> Changes);

/// <summary>
/// Verify-style golden snapshots: <c>&lt;root&gt;/&lt;profile&gt;/&lt;backend&gt;/&lt;experiment&gt;.verified.json</c> is the
/// approved result, <c>&lt;experiment&gt;.received.json</c> beside it the latest result that did not match.
/// </summary>
/// <remarks>
/// <see cref="Check"/> never writes a verified file: only <see cref="Approve"/> (a person, through
/// <c>poslf approve</c>) does, by renaming received over verified, platform fingerprint included. The rule is
/// <see cref="TolerancePolicy"/>'s: on the verified snapshot's own fingerprint metrics must be equal (accuracies
/// exactly, other floats within 1e-9); elsewhere |received − verified| ≤ the verified file's tolerance (a received
/// file carries the tolerances the code proposes, and approval adopts them), with a slack of 1e-12 relative to the
/// values so a tolerance written as a decimal is not defeated by binary rounding. Facts compare exactly. A golden
/// of another profile version, model or treebank is no golden for this one (the check reports it missing, naming
/// the field); the other provenance fields are informational. A verified snapshot that records no treebank predates
/// the record and is taken as UD English EWT at the pinned commit (<see cref="GoldenTreebank.PinnedEwt"/>).
/// </remarks>
public sealed class GoldenStore
{
    public const string EnvironmentVariable = "POSLF_GOLDEN_DIR";
    public const string VerifiedSuffix = ".verified.json";
    public const string ReceivedSuffix = ".received.json";
    private const string SolutionFile = "POSLayerFreeze.sln";
    private const string None = "—";

    public GoldenStore(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>
    /// The golden folder: <paramref name="goldenDir"/> if given, else <c>POSLF_GOLDEN_DIR</c>, else <c>golden/</c>
    /// in the first folder at or above <paramref name="startDirectory"/> (default: the running assembly's folder)
    /// that holds POSLayerFreeze.sln.
    /// </summary>
    public static GoldenStore Locate(string? goldenDir = null, string? startDirectory = null)
    {
        if (!string.IsNullOrWhiteSpace(goldenDir)) return new GoldenStore(goldenDir);
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return new GoldenStore(fromEnvironment);
        var start = startDirectory ?? AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile))) return new GoldenStore(Path.Combine(dir.FullName, "golden"));
        }
        throw new DirectoryNotFoundException(
            $"No {SolutionFile} at or above '{start}'; pass the golden folder explicitly or set {EnvironmentVariable}.");
    }

    public string VerifiedPath(string profile, string backend, string experiment) => PathFor(profile, backend, experiment, VerifiedSuffix);

    public string ReceivedPath(string profile, string backend, string experiment) => PathFor(profile, backend, experiment, ReceivedSuffix);

    /// <summary>
    /// Compares <paramref name="received"/> with the verified snapshot of <paramref name="experiment"/> under the
    /// received snapshot's profile and backend. A verified snapshot of another profile version or model counts as
    /// no golden at all (it stays the golden of its own protocol until one for this protocol is approved), never as
    /// a diff. Otherwise the rule comes from the two fingerprints (<see cref="TolerancePolicy.Choose"/>): exact on
    /// the same platform, the verified tolerances elsewhere. On a difference or a missing golden the received file is
    /// written (atomically); on a pass any stale received file is removed.
    /// </summary>
    public GoldenResult Check(string experiment, Snapshot received)
    {
        ArgumentNullException.ThrowIfNull(received);
        var profile = received.Provenance.Profile;
        var backend = received.Provenance.Backend;
        var verifiedPath = VerifiedPath(profile, backend, experiment);
        var receivedPath = ReceivedPath(profile, backend, experiment);
        var approve = $"poslf approve --profile {profile} --backend {backend} {experiment}";

        var verified = File.Exists(verifiedPath) ? Snapshot.Load(verifiedPath) : null;
        var otherProtocol = verified is null ? null : OtherProtocol(verified.Provenance, received.Provenance);
        if (verified is null || otherProtocol is not null)
        {
            AtomicFile.WriteAllText(receivedPath, received.ToJson());
            var rows = received.Metrics.Select(m => new GoldenRow(m.Key, None, Number(m.Value.Value), None, Number(m.Value.Tolerance), None, "new"))
                .Concat(received.Facts.Select(f => new GoldenRow(f.Key, None, f.Value.ToString(), None, "exact", "exact", "new")))
                .ToList();
            var version = $"{profile} v{received.Provenance.ProfileVersion}";
            var problem = verified is null ? $"no verified snapshot yet for {version}" : $"no golden for {version}: {otherProtocol}";
            return new GoldenResult(experiment, GoldenOutcome.Missing, verifiedPath, receivedPath, [problem], rows, approve);
        }

        var rule = TolerancePolicy.Choose(verified.Provenance.Fingerprint, received.Provenance.Fingerprint);
        var table = Compare(verified, received, rule);
        if (table.All(r => r.Ok))
        {
            // A pass against a golden made before treebanks were recorded: the received snapshot, which records its
            // treebank, is written so that approving it adds the record; the verified file itself is never touched.
            if (verified.Provenance.Treebank is null && received.Provenance.Treebank is { } treebank)
            {
                AtomicFile.WriteAllText(receivedPath, received.ToJson());
                return new GoldenResult(experiment, GoldenOutcome.Pass, verifiedPath, receivedPath,
                    [$"the verified snapshot records no treebank (it predates the record and is taken as {GoldenTreebank.PinnedEwt.Name} at the pinned commit); " +
                     $"the received one, which records {treebank.Name}, was written: approve it to record the treebank"], table, approve, rule);
            }
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return new GoldenResult(experiment, GoldenOutcome.Pass, verifiedPath, receivedPath, [], table, approve, rule);
        }
        AtomicFile.WriteAllText(receivedPath, received.ToJson());
        return new GoldenResult(experiment, GoldenOutcome.Fail, verifiedPath, receivedPath, [], table, approve, rule);
    }

    /// <summary>Received files waiting for approval, optionally under one profile and/or backend, in path order.</summary>
    public IReadOnlyList<PendingSnapshot> Pending(string? profile = null, string? backend = null)
    {
        if (!Directory.Exists(Root)) return [];
        var pending = new List<PendingSnapshot>();
        foreach (var profileDir in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
        {
            var profileName = Path.GetFileName(profileDir);
            if (profile is not null && profileName != profile) continue;
            foreach (var backendDir in Directory.EnumerateDirectories(profileDir).Order(StringComparer.Ordinal))
            {
                var backendName = Path.GetFileName(backendDir);
                if (backend is not null && backendName != backend) continue;
                foreach (var file in Directory.EnumerateFiles(backendDir, "*" + ReceivedSuffix).Order(StringComparer.Ordinal))
                {
                    var name = Path.GetFileName(file);
                    var experiment = name[..^ReceivedSuffix.Length];
                    pending.Add(new PendingSnapshot(profileName, backendName, experiment, file,
                        File.Exists(Path.Combine(backendDir, experiment + VerifiedSuffix))));
                }
            }
        }
        return pending;
    }

    /// <summary>
    /// Loads every verified and received file under <see cref="Root"/> (<c>profile/backend/experiment.*.json</c>), so
    /// that a corrupt or hand-broken golden is found by <c>poslf golden status</c> rather than by the spec that
    /// trained for minutes before comparing against it. A file is invalid when it is not JSON, is not a snapshot
    /// (<see cref="Snapshot.Load"/> names the part), or records another profile or backend than the folder it lies
    /// in, or fails <see cref="GoldenFileCheck"/>'s other checks (no content, a proportion outside [0, 1], a received
    /// file that would wipe its golden's metrics).
    /// </summary>
    public GoldenStoreCheck Validate()
    {
        var invalid = new List<InvalidGoldenFile>();
        int verified = 0, received = 0;
        if (!Directory.Exists(Root)) return new GoldenStoreCheck(0, 0, invalid);
        foreach (var profileDir in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
        {
            foreach (var backendDir in Directory.EnumerateDirectories(profileDir).Order(StringComparer.Ordinal))
            {
                foreach (var file in Directory.EnumerateFiles(backendDir, "*.json").Order(StringComparer.Ordinal))
                {
                    var isVerified = file.EndsWith(VerifiedSuffix, StringComparison.Ordinal);
                    if (!isVerified && !file.EndsWith(ReceivedSuffix, StringComparison.Ordinal)) continue;
                    if (GoldenFileCheck.ProblemOf(file, Path.GetFileName(profileDir), Path.GetFileName(backendDir)) is { } problem)
                        invalid.Add(new InvalidGoldenFile(file, problem));
                    else if (isVerified) verified++;
                    else received++;
                }
            }
        }
        return new GoldenStoreCheck(verified, received, invalid);
    }

    /// <summary>
    /// Promotes the received snapshots of the named experiments (under the given profile/backend, or any) to
    /// verified. Refuses, promoting nothing, when an experiment has no received file.
    /// </summary>
    public IReadOnlyList<Approval> Approve(string? profile, string? backend, IReadOnlyCollection<string> experiments)
    {
        ArgumentNullException.ThrowIfNull(experiments);
        if (experiments.Count == 0)
            throw new ArgumentException("Name at least one experiment (or approve all pending).", nameof(experiments));
        var pending = Pending(profile, backend);
        var missing = experiments.Where(e => pending.All(p => p.Experiment != e)).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException(
                $"Nothing received to approve for {string.Join(", ", missing)}{Scope(profile, backend)} in {Root}.");
        return Promote(pending.Where(p => experiments.Contains(p.Experiment)).ToList());
    }

    /// <summary>Promotes every received snapshot (under the given profile/backend, or any); refuses when there is none.</summary>
    public IReadOnlyList<Approval> ApproveAll(string? profile = null, string? backend = null)
    {
        var pending = Pending(profile, backend);
        if (pending.Count == 0)
            throw new InvalidOperationException($"Nothing received to approve{Scope(profile, backend)} in {Root}.");
        return Promote(pending);
    }

    private static List<Approval> Promote(IReadOnlyList<PendingSnapshot> pending)
    {
        // Every file is checked as `golden status` checks it before any is moved: a file status calls invalid
        // refuses the whole approval instead of becoming a golden or leaving the approval half done.
        foreach (var item in pending)
            if (GoldenFileCheck.ProblemOf(item.ReceivedPath, item.Profile, item.Backend) is { } problem) throw new InvalidDataException(problem);
        var approvals = new List<(Approval Approval, string From, string To)>();
        foreach (var item in pending)
        {
            var verifiedPath = Path.Combine(Path.GetDirectoryName(item.ReceivedPath)!, item.Experiment + VerifiedSuffix);
            var received = Snapshot.Load(item.ReceivedPath);
            var changes = item.HasVerified ? Changes(Snapshot.Load(verifiedPath), received) : NewEntries(received);
            approvals.Add((new Approval(item.Profile, item.Backend, item.Experiment, !item.HasVerified, changes), item.ReceivedPath, verifiedPath));
        }
        // Rename, not copy: the received file was written atomically, and a rename keeps the promotion atomic.
        foreach (var (_, from, to) in approvals) File.Move(from, to, overwrite: true);
        return approvals.Select(a => a.Approval).ToList();
    }

    private static List<GoldenRow> Compare(Snapshot verified, Snapshot received, RuleChoice rule)
    {
        var rows = new List<GoldenRow>();
        var exact = rule.Rule == ComparisonRule.Exact;
        foreach (var name in verified.Metrics.Keys.Union(received.Metrics.Keys).Order(StringComparer.Ordinal))
        {
            var hasVerified = verified.Metrics.TryGetValue(name, out var v);
            var hasReceived = received.Metrics.TryGetValue(name, out var r);
            if (hasVerified && hasReceived)
            {
                var diff = Math.Abs(r!.Value - v!.Value);
                var tolerance = exact ? TolerancePolicy.Exact(name) : v.Tolerance;
                // A tolerance written as a decimal must not be defeated by binary rounding of the difference; the
                // exact rule has no slack (an accuracy tolerance of 0 means bit-equal).
                var slack = exact ? 0 : 1e-12 * Math.Max(1, Math.Max(Math.Abs(r.Value), Math.Abs(v.Value)));
                rows.Add(new GoldenRow(name, Number(v.Value), Number(r.Value), Number(diff, "G6"), Number(tolerance), rule.Name,
                    diff - tolerance <= slack ? "ok" : "FAIL"));
            }
            else if (hasVerified)
                rows.Add(new GoldenRow(name, Number(v!.Value), None, None, Number(v.Tolerance), rule.Name, "missing"));
            else
                rows.Add(new GoldenRow(name, None, Number(r!.Value), None, Number(r.Tolerance), rule.Name, "new"));
        }
        foreach (var name in verified.Facts.Keys.Union(received.Facts.Keys).Order(StringComparer.Ordinal))
        {
            var v = verified.Facts.GetValueOrDefault(name);
            var r = received.Facts.GetValueOrDefault(name);
            var status = v is null ? "new" : r is null ? "missing" : v == r ? "ok" : "FAIL";
            rows.Add(new GoldenRow(name, v?.ToString() ?? None, r?.ToString() ?? None, None, "exact", "exact", status));
        }
        return rows;
    }

    /// <summary>Why <paramref name="verified"/> is no golden for <paramref name="received"/>'s protocol, or null when it is.</summary>
    private static string? OtherProtocol(Provenance verified, Provenance received)
    {
        if (verified.Profile != received.Profile || verified.ProfileVersion != received.ProfileVersion)
            return $"the verified snapshot is of {verified.Profile} v{verified.ProfileVersion} (it stays that protocol's golden until one for this protocol is approved)";
        if (verified.Model != received.Model)
            return $"the verified snapshot is of model '{verified.Model}', the received one of '{received.Model}'";
        if (GoldenTreebank.Difference(verified.EffectiveTreebank, received.EffectiveTreebank) is { } treebank)
            return $"the verified snapshot is of another treebank ({treebank}{(verified.Treebank is null ? "; it records none and is taken as UD English EWT at the pinned commit" : "")})";
        return null;
    }

    private static List<string> Changes(Snapshot verified, Snapshot received)
    {
        var changes = new List<string>();
        void CompareProvenance(string what, string v, string r)
        {
            if (v != r) changes.Add($"{what}: {v} → {r}");
        }
        CompareProvenance("profile version", verified.Provenance.ProfileVersion, received.Provenance.ProfileVersion);
        CompareProvenance("model", verified.Provenance.Model, received.Provenance.Model);
        CompareProvenance("treebank", TreebankText(verified.Provenance), TreebankText(received.Provenance));
        CompareProvenance("fingerprint", verified.Provenance.Fingerprint?.Describe() ?? "none", received.Provenance.Fingerprint?.Describe() ?? "none");
        foreach (var name in verified.Metrics.Keys.Union(received.Metrics.Keys).Order(StringComparer.Ordinal))
        {
            var v = verified.Metrics.GetValueOrDefault(name);
            var r = received.Metrics.GetValueOrDefault(name);
            if (v is null) changes.Add($"{name}: added {Number(r!.Value)} ± {Number(r.Tolerance)}");
            else if (r is null) changes.Add($"{name}: removed (was {Number(v.Value)})");
            else
            {
                if (v.Value != r.Value) changes.Add($"{name}: {Number(v.Value)} → {Number(r.Value)}");
                if (v.Tolerance != r.Tolerance) changes.Add($"{name} tolerance: {Number(v.Tolerance)} → {Number(r.Tolerance)}");
            }
        }
        foreach (var name in verified.Facts.Keys.Union(received.Facts.Keys).Order(StringComparer.Ordinal))
        {
            var v = verified.Facts.GetValueOrDefault(name);
            var r = received.Facts.GetValueOrDefault(name);
            if (v is null) changes.Add($"{name}: added {r}");
            else if (r is null) changes.Add($"{name}: removed (was {v})");
            else if (v != r) changes.Add($"{name}: {v} → {r}");
        }
        if (changes.Count == 0) changes.Add("no value changed (provenance only)");
        if (received.Provenance.Fingerprint is null) changes.Add(NoFingerprint);
        return changes;
    }

    private static List<string> NewEntries(Snapshot received) =>
        received.Metrics.Select(m => $"{m.Key}: new {Number(m.Value.Value)} ± {Number(m.Value.Tolerance)}")
            .Concat(received.Facts.Select(f => $"{f.Key}: new {f.Value}"))
            .Append(received.Provenance.Fingerprint is { } fingerprint ? $"fingerprint: {fingerprint.Describe()}" : NoFingerprint)
            .Append($"treebank: {TreebankText(received.Provenance)}")
            .ToList();

    private static string TreebankText(Provenance provenance) =>
        provenance.Treebank?.Describe() ?? $"none recorded (taken as {GoldenTreebank.PinnedEwt.Describe()})";

    private const string NoFingerprint =
        "fingerprint: none recorded (runs made before fingerprints, or on mixed platforms): this golden is compared statistically everywhere";

    private string PathFor(string profile, string backend, string experiment, string suffix)
    {
        CheckSegment(profile, nameof(profile));
        CheckSegment(backend, nameof(backend));
        CheckSegment(experiment, nameof(experiment));
        return Path.Combine(Root, profile, backend, experiment + suffix);
    }

    private static void CheckSegment(string value, string what)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, what);
        if (value is "." or ".." || value.IndexOfAny(['/', '\\']) >= 0 || value.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new ArgumentException($"'{value}' cannot name a golden {what} (it must be a plain file name).", what);
    }

    private static string Scope(string? profile, string? backend) =>
        (profile, backend) switch
        {
            (null, null) => "",
            (_, null) => $" under profile '{profile}'",
            (null, _) => $" under backend '{backend}'",
            _ => $" under {profile}/{backend}",
        };

    private static string Number(double value, string format = "R") => Invariant.Format(value, format);
}
