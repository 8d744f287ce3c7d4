using System.Globalization;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json.Nodes;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Models;

/// <summary>
/// The hyperparameters of a pretrained encoder, read from a Hugging Face <c>config.json</c>. Each family declares
/// one immutable record (in its file under <c>Models/Families/</c>) whose constructor parameters <i>are</i> Hugging
/// Face's fields: the parameter <c>nLayers</c> is the field <c>n_layers</c>, its default is Hugging Face's default,
/// and the constructor validates. Reading config.json and writing the config back both go through those parameters,
/// so a field is named once. This base exposes what the rest of the harness needs.
/// </summary>
public abstract record EncoderConfig
{
    /// <summary>The family this config belongs to: its checkpoint names, module and tokenizer.</summary>
    public abstract EncoderFamily Family { get; }

    /// <summary>Hugging Face <c>model_type</c>: <c>distilbert</c> or <c>bert</c>.</summary>
    public string ModelType => Family.ModelType;

    public abstract int VocabSize { get; }
    public abstract int HiddenSize { get; }
    public abstract int NumLayers { get; }
    public abstract int NumHeads { get; }
    public abstract int MaxPositions { get; }
    /// <summary>Dropout on hidden states.</summary>
    public abstract double HiddenDropout { get; }
    public abstract double AttentionDropout { get; }
    public abstract int PadTokenId { get; }

    /// <summary>
    /// Hugging Face <c>initializer_range</c>: the standard deviation of the N(0, σ) a freshly created head's
    /// weight is drawn from (<c>_init_weights</c>); the pretrained encoder's weights are loaded, not drawn.
    /// </summary>
    public abstract double InitializerRange { get; }

    /// <summary>The dropout Hugging Face's token-classification head applies before its Linear.</summary>
    public abstract double TokenClassifierDropout { get; }

    /// <summary>The config as Hugging Face field names (sorted keys), for embedding in results.</summary>
    public string ToJson() => Invariant.ToJson(ToJsonObject());

    /// <summary><c>model_type</c> and every field of the record under its Hugging Face name.</summary>
    public JsonObject ToJsonObject()
    {
        var json = new JsonObject { ["model_type"] = ModelType };
        foreach (var (field, parameter) in Fields(GetType()))
        {
            var property = GetType().GetProperty(parameter.Name!, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)
                ?? throw new InvalidOperationException($"{GetType().Name} has no property for its parameter {parameter.Name}");
            json[field] = property.GetValue(this) switch
            {
                int i => JsonValue.Create(i),
                double d => JsonValue.Create(d),
                string s => JsonValue.Create(s),
                bool b => JsonValue.Create(b),
                null => null,
                var other => throw new InvalidOperationException($"{GetType().Name}.{property.Name}: no JSON form for {other.GetType().Name}"),
            };
        }
        return json;
    }

    /// <summary>Reads a Hugging Face config.json and dispatches on <c>model_type</c>.</summary>
    public static EncoderConfig FromFile(string path)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"{path}: config.json is not a JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"{path}: config.json is not valid JSON: {e.Message}", e);
        }
        return FromJson(json, path);
    }

    /// <summary>The family named by <c>model_type</c> reads the rest; every error names <paramref name="source"/> and the field.</summary>
    public static EncoderConfig FromJson(JsonObject json, string source = "config.json")
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            var modelType = json["model_type"] is null ? throw new ArgumentException("field 'model_type' is missing") : Read<string>(json, "model_type");
            var family = EncoderFamilies.Find(modelType)
                ?? throw new InvalidDataException($"{source}: model_type '{modelType}' is not supported ({string.Join(", ", EncoderFamilies.All.Select(f => f.ModelType))})");
            return family.ReadConfig(json);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Builds <typeparamref name="TConfig"/> from config.json through its public constructor: each parameter reads the
    /// field of its Hugging Face name, an absent field takes the parameter's default. A field of the wrong JSON type is
    /// refused naming it; the constructor's validation names the field too.
    /// </summary>
    internal static TConfig Bind<TConfig>(JsonObject json) where TConfig : EncoderConfig
    {
        var fields = Fields(typeof(TConfig));
        // JSON null is a value only for a nullable field (classifier_dropout: "use the hidden dropout"), never "the default".
        var arguments = fields.Select(f => json[f.Field] is { } node ? Read(node, f.Field, f.Parameter.ParameterType)
            : json.ContainsKey(f.Field) ? (Nullable.GetUnderlyingType(f.Parameter.ParameterType) is not null ? null
                : throw new ArgumentException($"field '{f.Field}' must not be null"))
            : f.Parameter.HasDefaultValue ? f.Parameter.DefaultValue
            : throw new ArgumentException($"field '{f.Field}' is missing")).ToArray();
        try
        {
            return (TConfig)Constructor(typeof(TConfig)).Invoke(arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException inner)
        {
            ExceptionDispatchInfo.Capture(inner).Throw();
            throw;
        }
    }

    /// <summary>Hugging Face's name of a C# parameter or property: <c>nLayers</c>, <c>NLayers</c> → <c>n_layers</c>.</summary>
    public static string FieldName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) text.Append('_');
            text.Append(char.ToLowerInvariant(name[i]));
        }
        return text.ToString();
    }

    /// <summary>A JSON field as <typeparamref name="T"/>, refused naming it when it has another JSON type.</summary>
    internal static T Read<T>(JsonObject json, string field) => (T)Read(json[field]!, field, typeof(T))!;

    private static object? Read(JsonNode node, string field, Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        var kind = target == typeof(int) ? "an integer"
            : target == typeof(double) ? "a number"
            : target == typeof(string) ? "a string"
            : target == typeof(bool) ? "true or false"
            : throw new InvalidOperationException($"config field '{field}': no reader for {type.Name}");
        try
        {
            return target == typeof(int) ? node.GetValue<int>()
                : target == typeof(double) ? node.GetValue<double>()
                : target == typeof(string) ? node.GetValue<string>()
                : node.GetValue<bool>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException)
        {
            var found = node.ToJsonString();
            throw new ArgumentException($"field '{field}' must be {kind}, found {(found.Length > 40 ? found[..40] + "…" : found)}");
        }
    }

    private static ConstructorInfo Constructor(Type config) => config.GetConstructors().Single();

    private static IReadOnlyList<(string Field, ParameterInfo Parameter)> Fields(Type config) =>
        Constructor(config).GetParameters().Select(p => (FieldName(p.Name!), p)).ToArray();

    // Validation for the families' constructors: each takes the parameter's value and nameof, and names the
    // Hugging Face field in its message.

    private protected static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }

    private protected static int Positive(int value, string parameter)
    {
        Require(value > 0, string.Create(CultureInfo.InvariantCulture, $"{FieldName(parameter)} must be positive, got {value}"));
        return value;
    }

    private protected static double Probability(double value, string parameter)
    {
        Require(value is >= 0 and < 1, string.Create(CultureInfo.InvariantCulture, $"{FieldName(parameter)} must be in [0, 1), got {value}"));
        return value;
    }

    /// <summary>A standard deviation: N(0, σ) needs σ &gt; 0 (and finite).</summary>
    private protected static double StandardDeviation(double value, string parameter)
    {
        Require(double.IsFinite(value) && value > 0,
            string.Create(CultureInfo.InvariantCulture, $"{FieldName(parameter)} must be a positive number, got {value}"));
        return value;
    }

    /// <summary>A field this implementation supports at one value only (the one its model code computes).</summary>
    private protected static string Only(string value, string supported, string parameter)
    {
        Require(value == supported, $"{FieldName(parameter)} '{value}' is not supported ({supported})");
        return value;
    }

    private protected static int TokenId(int value, int vocabSize, string parameter)
    {
        Require(value >= 0 && value < vocabSize, string.Create(CultureInfo.InvariantCulture, $"{FieldName(parameter)} {value} outside the vocabulary"));
        return value;
    }
}
