using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Training;

/// <summary>Single profile fields given on the command line (null: keep the profile's).</summary>
public sealed record ProfileOverrides(double? LearningRate = null, int? Epochs = null, int? BatchSize = null, int? MaxLength = null,
    int? TrainSentences = null, double? WarmupRatio = null, double? WeightDecay = null, string? BatchOrder = null, bool? EvalEachEpoch = null, int? LoggingSteps = null, Models.Precision? Precision = null);

/// <summary>
/// Profiles as data: a built-in name (<c>smoke</c>, <c>full</c>) or a JSON file with the fields a result saves
/// (<see cref="TrainingProfile.ToJson"/>, plus <c>default_seeds</c>), so <c>poslf profile show smoke &gt; mine.json</c>,
/// edited, is a profile. Fields left out take the record's defaults (Hugging Face's); unknown fields, wrong types
/// and out-of-range values are refused with the field, the file and its line. A file may not reuse a built-in name
/// with other values: a golden only holds for its own profile, and the name is what goldens are filed under.
/// </summary>
public static class ProfileFile
{
    /// <summary>The fields a profile file may hold.</summary>
    public static IReadOnlyList<string> Fields { get; } =
    [
        "name", "version", "train_sentences", "epochs", "batch_size", "batch_order", "learning_rate", "betas", "eps",
        "weight_decay", "weight_decay_exclude", "schedule", "warmup_ratio", "warmup_steps", "max_grad_norm", "max_length",
        "eval_batch_size", "eval_each_epoch", "logging_steps", "precision", "layer_decay", "default_seeds",
    ];

    private static readonly string[] Required = ["name", "version", "epochs", "batch_size", "learning_rate"];

    /// <summary>A built-in name, else a path to a JSON profile.</summary>
    public static TrainingProfile Load(string nameOrFile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrFile);
        var trimmed = nameOrFile.Trim();
        if (IsBuiltIn(trimmed)) return TrainingProfile.Named(trimmed);
        if (!File.Exists(trimmed))
        {
            throw new InvalidDataException(
                $"'{nameOrFile}' is neither a built-in profile (smoke, full) nor a profile file that exists");
        }
        return Parse(File.ReadAllText(trimmed), Path.GetFullPath(trimmed));
    }

    public static bool IsBuiltIn(string name) => name.Trim().ToLowerInvariant() is "smoke" or "full";

    /// <summary>Reads a profile from JSON text; <paramref name="file"/> names it in errors.</summary>
    public static TrainingProfile Parse(string text, string file)
    {
        JsonObject json;
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip };
        try
        {
            json = JsonNode.Parse(text, documentOptions: options)
                as JsonObject ?? throw new InvalidDataException($"{file}:1: a profile must be a JSON object");
        }
        catch (JsonException e)
        {
            // the reason without System.Text.Json's 0-based "LineNumber: … | BytePositionInLine: …" tail, which
            // contradicted the 1-based line in front of it
            var (line, reason) = JsonShape.Describe(e);
            throw new InvalidDataException($"{file}:{Invariant.Format(line ?? 1)}: {reason}", e);
        }
        var reader = new FieldReader(json, text, file);
        reader.RefuseRepeatedKeys(options);
        foreach (var key in json.Select(kv => kv.Key))
        {
            if (!Fields.Contains(key, StringComparer.Ordinal))
                reader.Fail(key, $"unknown field '{key}' (a profile has: {string.Join(", ", Fields)})");
        }
        foreach (var key in Required)
        {
            if (!json.ContainsKey(key)) throw new InvalidDataException($"{file}:1: field '{key}' is missing (required: {string.Join(", ", Required)})");
        }
        var defaults = new TrainingProfile { Name = "defaults", Version = 1, Epochs = 1, BatchSize = 1, LearningRate = 1 };
        var betas = json.ContainsKey("betas") ? reader.Betas("betas") : (defaults.Beta1, defaults.Beta2);
        if (json.ContainsKey("schedule") && reader.Text("schedule") != TrainingProfile.Schedule)
            reader.Fail("schedule", $"field 'schedule' must be \"{TrainingProfile.Schedule}\" (the only schedule implemented)");
        var profile = new TrainingProfile
        {
            Name = reader.Name("name"),
            Version = reader.Int("version", min: 1),
            TrainSentences = json.ContainsKey("train_sentences") ? reader.NullableInt("train_sentences", min: 1) : defaults.TrainSentences,
            Epochs = reader.Int("epochs", min: 1),
            BatchSize = reader.Int("batch_size", min: 1),
            BatchOrder = json.ContainsKey("batch_order")
                ? BatchSampler.Parse(reader.Text("batch_order")) ?? reader.Fail<BatchOrder>("batch_order", "field 'batch_order' must be \"random\" or \"group-by-length\"")
                : defaults.BatchOrder,
            LearningRate = reader.Number("learning_rate", min: 0, exclusiveMin: true),
            Beta1 = betas.Item1,
            Beta2 = betas.Item2,
            Epsilon = json.ContainsKey("eps") ? reader.Number("eps", min: 0, exclusiveMin: true) : defaults.Epsilon,
            WeightDecay = json.ContainsKey("weight_decay") ? reader.Number("weight_decay", min: 0) : defaults.WeightDecay,
            WeightDecayExclude = json.ContainsKey("weight_decay_exclude")
                ? reader.Text("weight_decay_exclude") switch
                {
                    "bias-and-layernorm" => WeightDecayExclusion.BiasAndLayerNorm,
                    "none" => WeightDecayExclusion.None,
                    _ => reader.Fail<WeightDecayExclusion>("weight_decay_exclude", "field 'weight_decay_exclude' must be \"bias-and-layernorm\" or \"none\""),
                }
                : defaults.WeightDecayExclude,
            WarmupRatio = json.ContainsKey("warmup_ratio") ? reader.Number("warmup_ratio", min: 0, max: 1) : defaults.WarmupRatio,
            WarmupSteps = json.ContainsKey("warmup_steps") ? reader.Int("warmup_steps", min: 0) : defaults.WarmupSteps,
            MaxGradNorm = json.ContainsKey("max_grad_norm") ? reader.NullableNumber("max_grad_norm", min: 0, exclusiveMin: true) : defaults.MaxGradNorm,
            MaxLength = json.ContainsKey("max_length") ? reader.NullableInt("max_length", min: 3) : defaults.MaxLength,
            EvalBatchSize = json.ContainsKey("eval_batch_size") ? reader.Int("eval_batch_size", min: 1) : defaults.EvalBatchSize,
            EvalEachEpoch = json.ContainsKey("eval_each_epoch") ? reader.Bool("eval_each_epoch") : defaults.EvalEachEpoch,
            LoggingSteps = json.ContainsKey("logging_steps") ? reader.Int("logging_steps", min: 1) : defaults.LoggingSteps,
            Precision = json.ContainsKey("precision")
                ? TrainingProfile.ParsePrecision(reader.Text("precision")) ?? reader.Fail<Models.Precision>("precision", "field 'precision' must be \"fp32\" or \"bf16\"")
                : defaults.Precision,
            LayerDecay = json.ContainsKey("layer_decay") ? reader.Number("layer_decay", min: 0, exclusiveMin: true, max: 1) : defaults.LayerDecay,
            DefaultSeeds = json.ContainsKey("default_seeds") ? reader.Seeds("default_seeds") : defaults.DefaultSeeds,
        };
        if (FloatRange.Check(profile) is var (field, problem)) reader.Fail(field, problem);
        if (IsBuiltIn(profile.Name))
        {
            var builtIn = TrainingProfile.Named(profile.Name);
            if (Invariant.ToJson(builtIn.ToJson()) != Invariant.ToJson(profile.ToJson()) || !builtIn.DefaultSeeds.SequenceEqual(profile.DefaultSeeds))
            {
                reader.Fail("name", $"field 'name' is the built-in profile '{builtIn.Name}' but other values follow; give this protocol its own name " +
                    "(goldens and results folders are filed under the name)");
            }
            return builtIn;
        }
        return profile;
    }

    /// <summary>
    /// The profile with single fields replaced from the command line. Each value is checked as in a file (the error
    /// names the field); the name gains one <c>+field=value</c> per changed field (<c>smoke+lr=0.0001</c>), so an
    /// overridden protocol is never mistaken for the one it started from (its results folder and goldens differ).
    /// </summary>
    public static TrainingProfile Apply(TrainingProfile profile, ProfileOverrides overrides)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(overrides);
        var result = profile;
        var changed = new List<string>();
        void Note(string field, string value) => changed.Add($"{field}={value}");
        if (overrides.LearningRate is { } lr)
        {
            if (!double.IsFinite(lr) || lr <= 0) throw new InvalidFieldException("learning_rate", $"a learning rate must be a finite number > 0, got {Invariant.Format(lr)}");
            if (lr != result.LearningRate) Note("lr", Invariant.Format(lr));
            result = result with { LearningRate = lr };
        }
        if (overrides.Epochs is { } epochs)
        {
            if (epochs < 1) throw new InvalidFieldException("epochs", $"epochs must be ≥ 1, got {epochs}");
            if (epochs != result.Epochs) Note("epochs", Invariant.Format(epochs));
            result = result with { Epochs = epochs };
        }
        if (overrides.BatchSize is { } batch)
        {
            if (batch < 1) throw new InvalidFieldException("batch_size", $"a batch size must be ≥ 1, got {batch}");
            if (batch != result.BatchSize) Note("batch", Invariant.Format(batch));
            result = result with { BatchSize = batch };
        }
        if (overrides.MaxLength is { } maxLength)
        {
            if (maxLength < 3) throw new InvalidFieldException("max_length", $"a window must hold at least [CLS], one token and [SEP] (≥ 3), got {maxLength}");
            if (maxLength != result.MaxLength) Note("maxlen", Invariant.Format(maxLength));
            result = result with { MaxLength = maxLength };
        }
        if (overrides.TrainSentences is { } train)
        {
            if (train < 1) throw new InvalidFieldException("train_sentences", $"train sentences must be ≥ 1, got {train}");
            if (train != result.TrainSentences) Note("train", Invariant.Format(train));
            result = result with { TrainSentences = train };
        }
        if (overrides.WarmupRatio is { } warmup)
        {
            if (!double.IsFinite(warmup) || warmup is < 0 or > 1) throw new InvalidFieldException("warmup_ratio", $"a warm-up ratio must be in [0, 1], got {Invariant.Format(warmup)}");
            if (warmup != result.WarmupRatio) Note("warmup", Invariant.Format(warmup));
            result = result with { WarmupRatio = warmup };
        }
        if (overrides.WeightDecay is { } decay)
        {
            if (!double.IsFinite(decay) || decay < 0) throw new InvalidFieldException("weight_decay", $"weight decay must be a finite number ≥ 0, got {Invariant.Format(decay)}");
            if (decay != result.WeightDecay) Note("wd", Invariant.Format(decay));
            result = result with { WeightDecay = decay };
        }
        if (overrides.BatchOrder is { } orderText)
        {
            var order = BatchSampler.Parse(orderText)
                ?? throw new InvalidFieldException("batch_order", $"'{orderText}' is not a batch order: expected random or group-by-length");
            if (order != result.BatchOrder) Note("order", BatchSampler.Name(order));
            result = result with { BatchOrder = order };
        }
        if (overrides.EvalEachEpoch is { } evalEachEpoch)
        {
            if (evalEachEpoch != result.EvalEachEpoch) Note("eval", evalEachEpoch ? "epoch" : "end");
            result = result with { EvalEachEpoch = evalEachEpoch };
        }
        if (overrides.LoggingSteps is { } logging)
        {
            if (logging < 1) throw new InvalidFieldException("logging_steps", $"logging steps must be ≥ 1, got {logging}");
            if (logging != result.LoggingSteps) Note("log", Invariant.Format(logging));
            result = result with { LoggingSteps = logging };
        }
        if (overrides.Precision is { } precision)
        {
            // The name gains +bf16 (not +precision=bf16): the suffix Hugging Face users know from bf16=True.
            if (precision != result.Precision) changed.Add(TrainingProfile.PrecisionName(precision));
            result = result with { Precision = precision };
        }
        if (FloatRange.Check(result) is var (field, problem))
            // Only these two can be overridden one by one; any other out-of-range field came with the profile itself.
            throw new InvalidFieldException(field is "learning_rate" or "weight_decay" ? field : "profile", problem);
        return changed.Count == 0 ? profile : result with { Name = $"{profile.Name}+{string.Join('+', changed)}" };
    }

    /// <summary>The effective profile as <c>profile show</c> prints it: the saved fields plus default_seeds, and
    /// eval_each_epoch and logging_steps even at their defaults (so they can be edited), a valid profile file.</summary>
    public static JsonObject ToFileJson(TrainingProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var json = profile.ToJson();
        json["eval_each_epoch"] = profile.EvalEachEpoch;
        json["logging_steps"] = profile.LoggingSteps;
        json["default_seeds"] = new JsonArray(profile.DefaultSeeds.Select(s => (JsonNode)s).ToArray());
        return json;
    }

    /// <summary>Typed access to one profile's fields, each error naming the field, the file and the field's line.</summary>
    private sealed class FieldReader(JsonObject json, string text, string file)
    {
        /// <summary>JsonObject keeps one value per key and, when a file repeats one, throws a bare ArgumentException
        /// (no file, no line) on first read; a profile saying "epochs" twice is ambiguous, so it is refused by name,
        /// at the line of the key's last use.</summary>
        public void RefuseRepeatedKeys(JsonDocumentOptions options)
        {
            using var document = JsonDocument.Parse(text, options);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw new InvalidDataException($"{file}:{Invariant.Format(LineOf(property.Name, last: true))}: field '{property.Name}' is given twice");
            }
        }

        public string Name(string key)
        {
            var name = Text(key);
            // A control character (a NUL above all) cannot be part of a folder name, nor printed in a message.
            if (name.Length == 0 || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or '\\') || name is "." or "..")
                Fail(key, $"field '{key}' must be a non-empty name without spaces, slashes or control characters (results go to runs/<name>), found {Shown(key)}");
            return name;
        }

        public string Text(string key) => json[key] is { } node && node.GetValueKind() == JsonValueKind.String
            ? node.GetValue<string>()
            : Fail<string>(key, $"field '{key}' must be a string, found {Shown(key)}");

        public bool Bool(string key) => json[key] is { } node && node.GetValueKind() is JsonValueKind.True or JsonValueKind.False
            ? node.GetValue<bool>()
            : Fail<bool>(key, $"field '{key}' must be true or false, found {Shown(key)}");

        public int Int(string key, int min) => NullableInt(key, min, allowNull: false)!.Value;

        public int? NullableInt(string key, int min, bool allowNull = true)
        {
            var node = json[key];
            if (node is null)
            {
                if (allowNull) return null;
                return Fail<int?>(key, $"field '{key}' must be an integer ≥ {min}, found null");
            }
            if (node.GetValueKind() != JsonValueKind.Number || !int.TryParse(node.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                return Fail<int?>(key, $"field '{key}' must be an integer{(allowNull ? " or null" : "")}, found {Shown(key)}");
            if (value < min) return Fail<int?>(key, $"field '{key}' must be ≥ {min}, found {value}");
            return value;
        }

        public double Number(string key, double min, bool exclusiveMin = false, double max = double.PositiveInfinity) =>
            NullableNumber(key, min, exclusiveMin, max, allowNull: false)!.Value;

        public double? NullableNumber(string key, double min, bool exclusiveMin = false, double max = double.PositiveInfinity, bool allowNull = true)
        {
            var node = json[key];
            if (node is null)
            {
                if (allowNull) return null;
                return Fail<double?>(key, $"field '{key}' must be a number, found null");
            }
            if (node.GetValueKind() != JsonValueKind.Number)
                return Fail<double?>(key, $"field '{key}' must be a number{(allowNull ? " or null" : "")}, found {Shown(key)}");
            var value = node.GetValue<double>();
            var range = Range(min, exclusiveMin, max);
            if (!double.IsFinite(value) || value < min || (exclusiveMin && value <= min) || value > max)
                return Fail<double?>(key, $"field '{key}' must be {range}, found {Invariant.Format(value)}");
            return value;
        }

        public (double, double) Betas(string key)
        {
            if (json[key] is not JsonArray { Count: 2 } pair || pair.Any(b => b is null || b.GetValueKind() != JsonValueKind.Number))
                return Fail<(double, double)>(key, $"field '{key}' must be two numbers [beta1, beta2], found {Shown(key)}");
            var b1 = pair[0]!.GetValue<double>();
            var b2 = pair[1]!.GetValue<double>();
            if (b1 is < 0 or >= 1 || b2 is < 0 or >= 1)
                return Fail<(double, double)>(key, $"field '{key}' must hold numbers in [0, 1), found {Shown(key)}");
            return (b1, b2);
        }

        public long[] Seeds(string key)
        {
            if (json[key] is not JsonArray { Count: > 0 } array)
                return Fail<long[]>(key, $"field '{key}' must be a non-empty list of integers, found {Shown(key)}");
            var seeds = new long[array.Count];
            for (int i = 0; i < array.Count; i++)
            {
                if (array[i] is not { } n || n.GetValueKind() != JsonValueKind.Number
                    || !long.TryParse(n.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out seeds[i]))
                    return Fail<long[]>(key, $"field '{key}' must be a non-empty list of integers, found {Shown(key)}");
            }
            if (seeds.Distinct().Count() != seeds.Length) return Fail<long[]>(key, $"field '{key}' repeats a seed: {Shown(key)}");
            return seeds;
        }

        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        public void Fail(string key, string problem) => throw new InvalidDataException($"{file}:{LineOf(key).ToString(CultureInfo.InvariantCulture)}: {problem}");

        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        public T Fail<T>(string key, string problem)
        {
            Fail(key, problem);
            return default;
        }

        private string Shown(string key) => json[key]?.ToJsonString() ?? "null";

        // The line of the field's key in the file (1-based), so the error points where to edit: its first use, or
        // its last. A key written with escapes (\u0065) is not found: line 1.
        private int LineOf(string key, bool last = false)
        {
            var quoted = $"\"{key}\"";
            var at = last ? text.LastIndexOf(quoted, StringComparison.Ordinal) : text.IndexOf(quoted, StringComparison.Ordinal);
            return at < 0 ? 1 : text.AsSpan(0, at).Count('\n') + 1;
        }

        private static string Range(double min, bool exclusiveMin, double max) =>
            double.IsPositiveInfinity(max)
                ? $"a finite number {(exclusiveMin ? ">" : "≥")} {Invariant.Format(min)}"
                : $"a number in {(exclusiveMin ? "(" : "[")}{Invariant.Format(min)}, {Invariant.Format(max)}]";
    }
}
