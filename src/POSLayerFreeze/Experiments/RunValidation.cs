using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Experiments;

/// <summary>A run folder that is not a finished run: which file and what is wrong with it.</summary>
public sealed record RejectedRun(string Directory, string File, string Problem)
{
    public override string ToString() => $"{Problem} ({File})";
}

/// <summary>
/// The inputs of runs that may share a results folder or a merge: one experiment means the same data files, the
/// same model (weights, vocabulary, config) and the same protocol (revision, profile, how batches run).
/// </summary>
public static class RunInputs
{
    /// <summary>The fields of <c>inputs</c> that must agree between runs of one experiment.</summary>
    public static IReadOnlyList<string> SharedFields { get; } = ["dataset", "model_identity", "protocol_revision", "profile", "micro_batches", "cached_prefix"];

    /// <summary>The first shared field (dotted, e.g. <c>inputs.profile.version</c>) whose values differ, with both values; null when none does.</summary>
    public static (string Field, string A, string B)? FirstDifference(JsonObject a, JsonObject b)
    {
        foreach (var field in SharedFields)
            if (Differ(a[field], b[field], $"inputs.{field}") is { } difference) return difference;
        return null;
    }

    // Into objects and arrays (inputs.profile.version, inputs.dataset[2]), so the message names the leaf that differs.
    private static (string Field, string A, string B)? Differ(JsonNode? x, JsonNode? y, string path)
    {
        if (x is JsonObject ox && y is JsonObject oy)
        {
            foreach (var key in ox.Select(kv => kv.Key).Union(oy.Select(kv => kv.Key)).Order(StringComparer.Ordinal))
                if (Differ(ox[key], oy[key], $"{path}.{key}") is { } difference) return difference;
            return null;
        }
        if (x is JsonArray ax && y is JsonArray ay && ax.Count == ay.Count)
        {
            for (var i = 0; i < ax.Count; i++)
                if (Differ(ax[i], ay[i], $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]") is { } difference) return difference;
            return null;
        }
        var (tx, ty) = (Text(x), Text(y));
        return tx == ty ? null : (path, tx, ty);
    }

    /// <summary>Refuses a folder whose finished runs are of another experiment than <paramref name="planned"/>.</summary>
    public static void EnsureCompatible(IReadOnlyList<RunRecord> existing, RunSpec planned, string folder)
    {
        var inputs = planned.ToJson();
        foreach (var run in existing)
        {
            if (FirstDifference(run.Inputs, inputs) is not var (field, had, wants)) continue;
            var (there, here) = Around(had, wants);
            throw new InvalidDataException(
                $"{folder}: holds {run.Config}/seed-{run.Seed.ToString(CultureInfo.InvariantCulture)} made with other inputs ({field} is {there} there, {here} for this run); use another --out, or delete the old runs");
        }
    }

    /// <summary>Refuses runs of different experiments, naming two of them and the field.</summary>
    public static void EnsureOneExperiment(IReadOnlyList<RunRecord> runs)
    {
        if (runs.Count == 0) return;
        var first = runs[0];
        foreach (var run in runs.Skip(1))
        {
            if (FirstDifference(first.Inputs, run.Inputs) is not var (field, a, b)) continue;
            var (shownB, shownA) = Around(b, a);
            throw new InvalidDataException(
                $"{run.Directory}: made with other inputs than {first.Directory} ({field}: {shownB} vs {shownA}); these runs are not one experiment and are not combined");
        }
    }

    private static string Text(JsonNode? node) => node is null ? "(none)" : node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.ToJsonString();

    /// <summary>
    /// Two differing values, each cut to about 40 characters around where they first differ: cut at the same point
    /// from the start, two model identities that differ only in their vocabulary or config hash looked identical.
    /// </summary>
    internal static (string A, string B) Around(string a, string b)
    {
        const int Width = 40;
        if (a.Length <= Width && b.Length <= Width) return (a, b);
        var common = 0;
        while (common < a.Length && common < b.Length && a[common] == b[common]) common++;
        var start = Math.Max(0, common - 12);
        string Cut(string value) => (start > 0 ? "…" : "") + (value.Length - start > Width ? value[start..(start + Width)] + "…" : value[start..]);
        return (Cut(a), Cut(b));
    }
}

/// <summary>
/// Reads a run folder back and believes nothing: metrics.json must have the schema RunExecutor writes, with
/// accuracy = correct / words, an inputs hash that is the hash of its inputs, a predictions file whose sha256 is
/// the recorded one, and per-sentence counts that add up. Anything else is a <see cref="RejectedRun"/> naming the
/// file, and the run counts as not finished.
/// </summary>
public static class RunReader
{
    public static (RunRecord? Run, RejectedRun? Rejected) Read(string directory)
    {
        var metricsPath = Path.Combine(directory, RunExecutor.MetricsFile);
        try
        {
            return (ReadValid(directory, metricsPath), null);
        }
        catch (BadRunException e)
        {
            return (null, new RejectedRun(directory, e.File, e.Message));
        }
    }

    private sealed class BadRunException(string file, string problem) : Exception(problem)
    {
        public string File { get; } = file;
    }

    private static RunRecord ReadValid(string dir, string metricsPath)
    {
        JsonObject metrics;
        try
        {
            metrics = RunMetricsFile.Prepare(ParseObject(metricsPath));
        }
        catch (FormatException e)
        {
            throw new BadRunException(metricsPath, e.Message);
        }
        JsonNode Field(JsonNode node, string path)
        {
            var current = node;
            foreach (var part in path.Split('.'))
                current = current is JsonObject o && o[part] is { } next ? next : throw new BadRunException(metricsPath, $"field '{path}' is missing");
            return current;
        }
        T Value<T>(string path, string kind)
        {
            var node = Field(metrics, path);
            try
            {
                return node.GetValue<T>();
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                throw new BadRunException(metricsPath, $"field '{path}' must be {kind}, found {node.ToJsonString()}");
            }
        }
        var config = Value<string>("config", "a string");
        var seed = Value<long>("seed", "an integer");
        var expectedDir = Path.Combine(config, "seed-" + seed.ToString(CultureInfo.InvariantCulture));
        if (!Path.GetFullPath(dir).EndsWith(Path.DirectorySeparatorChar + expectedDir, StringComparison.Ordinal))
            throw new BadRunException(metricsPath, $"records {config} seed {seed} but lies in another run's folder");
        Value<string>("profile.name", "a string");
        Value<string>("model", "a string");
        Value<string>("device", "a string");
        Value<long>("trainable_parameters", "an integer");
        if (Field(metrics, "frozen") is not JsonArray) throw new BadRunException(metricsPath, "field 'frozen' must be an array");
        foreach (var path in new[] { "train.seconds", "train.tokens_per_second" })
            if (!double.IsFinite(Value<double>(path, "a number"))) throw new BadRunException(metricsPath, $"field '{path}' is not finite");
        foreach (var split in new[] { "dev", "test" })
        {
            var words = Value<long>($"{split}.words", "an integer");
            var correct = Value<long>($"{split}.correct", "an integer");
            var accuracy = Value<double>($"{split}.accuracy", "a number");
            if (words <= 0 || correct < 0 || correct > words)
                throw new BadRunException(metricsPath, $"{split}.correct {correct} of {split}.words {words} is impossible");
            if (accuracy != (double)correct / words)
                throw new BadRunException(metricsPath, string.Create(CultureInfo.InvariantCulture,
                    $"field '{split}.accuracy' is {accuracy} but {split}.correct / {split}.words = {correct}/{words} = {(double)correct / words}"));
        }
        var macroF1 = Value<double>("test.macro_f1", "a number");
        if (macroF1 is < 0 or > 1) throw new BadRunException(metricsPath, "field 'test.macro_f1' is outside [0, 1]");
        if (Field(metrics, "inputs") is not JsonObject inputs) throw new BadRunException(metricsPath, "field 'inputs' must be an object");
        var hash = Value<string>("inputs_hash", "a string");
        if (hash != RunMetricsFile.InputsHash(inputs)) throw new BadRunException(metricsPath, $"field 'inputs_hash' is not the hash of 'inputs' (edited by hand?)");

        var predictionsName = Value<string>("predictions.file", "a string");
        if (predictionsName != RunExecutor.PredictionsFile) throw new BadRunException(metricsPath, $"field 'predictions.file' must be {RunExecutor.PredictionsFile}");
        var predictions = Path.Combine(dir, predictionsName);
        if (!File.Exists(predictions)) throw new BadRunException(predictions, "predictions file is missing");
        if (FileFingerprint.Sha256(predictions) != Value<string>("predictions.sha256", "a string"))
            throw new BadRunException(predictions, "predictions file does not match the sha256 recorded in metrics.json");

        var sentencesPath = Path.Combine(dir, RunExecutor.SentencesFile);
        var sentences = ParseObject(sentencesPath);
        int[] Ints(string key)
        {
            if (sentences[key] is not JsonArray array) throw new BadRunException(sentencesPath, $"field '{key}' must be an array of integers");
            try
            {
                return array.Select(n => n!.GetValue<int>()).ToArray();
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
            {
                throw new BadRunException(sentencesPath, $"field '{key}' must be an array of integers");
            }
        }
        var sentenceWords = Ints("words");
        var sentenceCorrect = Ints("correct");
        if (sentenceWords.Length != sentenceCorrect.Length || sentenceWords.Zip(sentenceCorrect).Any(p => p.Second < 0 || p.Second > p.First))
            throw new BadRunException(sentencesPath, "per-sentence 'correct' and 'words' do not pair up");
        if (sentenceWords.Sum(w => (long)w) != Value<long>("test.words", "an integer") || sentenceCorrect.Sum(c => (long)c) != Value<long>("test.correct", "an integer"))
            throw new BadRunException(sentencesPath, "per-sentence counts do not add up to test.words and test.correct in metrics.json");
        try
        {
            return new RunRecord(config, seed, dir, RunMetricsFile.Typed(metrics), sentenceCorrect, sentenceWords);
        }
        catch (FormatException e)
        {
            throw new BadRunException(metricsPath, e.Message);
        }
    }

    private static JsonObject ParseObject(string path)
    {
        if (!File.Exists(path)) throw new BadRunException(path, "file is missing");
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new BadRunException(path, "not a JSON object");
        }
        catch (JsonException e)
        {
            throw new BadRunException(path, $"not valid JSON ({e.Message})");
        }
    }
}
