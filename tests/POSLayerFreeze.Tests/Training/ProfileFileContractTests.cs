using POSLayerFreeze.Cli;
using System.Text.Json.Nodes;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Training;

/// <summary>
/// Every refusal of a profile file and of a command-line override word for word (the one error line a user sees
/// names the file, the line and the field, or the option), each key on its own at its boundaries, the defaults, and
/// the saved JSON field by field. Values are written by hand from the documented ranges, not read back from the code.
/// </summary>
public class ProfileFileContractTests
{
    private const string File = "mine.json";

    // The five required fields, one per line from line 2 on, in this order; a case replaces one or adds a sixth (line 7).
    private static readonly string[] Order = ["name", "version", "epochs", "batch_size", "learning_rate"];

    private static string Text(string key, string value)
    {
        var fields = new List<(string Key, string Value)>
        {
            ("name", "\"mine\""), ("version", "1"), ("epochs", "1"), ("batch_size", "8"), ("learning_rate", "0.0001"),
        };
        var at = fields.FindIndex(f => f.Key == key);
        if (at >= 0) fields[at] = (key, value);
        else fields.Add((key, value));
        return "{\n" + string.Join(",\n", fields.Select(f => $"  \"{f.Key}\": {f.Value}")) + "\n}";
    }

    private static int LineOfField(string key) => Array.IndexOf(Order, key) is var i and >= 0 ? i + 2 : 7;

    private static TrainingProfile With(string key, string value) => ProfileFile.Parse(Text(key, value), File);

    private static string Refusal(string text) => Assert.Throws<InvalidDataException>(() => ProfileFile.Parse(text, File))!.Message;

    private static string AllFields =>
        "name, version, train_sentences, epochs, batch_size, batch_order, learning_rate, betas, eps, weight_decay, " +
        "weight_decay_exclude, schedule, warmup_ratio, warmup_steps, max_grad_norm, max_length, eval_batch_size, " +
        "eval_each_epoch, logging_steps, precision, layer_decay, default_seeds";

    [TestCase("name", "\"\"", "field 'name' must be a non-empty name without spaces, slashes or control characters (results go to runs/<name>), found \"\"")]
    [TestCase("name", "\"my run\"", "field 'name' must be a non-empty name without spaces, slashes or control characters (results go to runs/<name>), found \"my run\"")]
    [TestCase("name", "\"tab\\there\"", "field 'name' must be a non-empty name without spaces, slashes or control characters (results go to runs/<name>), found \"tab\\there\"")]
    [TestCase("name", "\" \"", "field 'name' must be a non-empty name without spaces, slashes or control characters (results go to runs/<name>), found \" \"")]
    [TestCase("name", "\"a/b\"", "field 'name' must be a non-empty name without spaces, slashes or control characters (results go to runs/<name>), found \"a/b\"")]
    [TestCase("name", "\"a\\\\b\"", "field 'name' must be a non-empty name without spaces, slashes or control characters (results go to runs/<name>), found \"a\\\\b\"")]
    [TestCase("name", "\".\"", "field 'name' must be a non-empty name without spaces, slashes or control characters (results go to runs/<name>), found \".\"")]
    [TestCase("name", "\"..\"", "field 'name' must be a non-empty name without spaces, slashes or control characters (results go to runs/<name>), found \"..\"")]
    [TestCase("name", "1", "field 'name' must be a string, found 1")]
    [TestCase("name", "null", "field 'name' must be a string, found null")]
    [TestCase("version", "0", "field 'version' must be ≥ 1, found 0")]
    [TestCase("version", "\"1\"", "field 'version' must be an integer, found \"1\"")]
    [TestCase("version", "null", "field 'version' must be an integer ≥ 1, found null")]
    [TestCase("epochs", "0", "field 'epochs' must be ≥ 1, found 0")]
    [TestCase("epochs", "-2", "field 'epochs' must be ≥ 1, found -2")]
    [TestCase("epochs", "1.0", "field 'epochs' must be an integer, found 1.0")]
    [TestCase("epochs", "1e0", "field 'epochs' must be an integer, found 1e0")]
    [TestCase("epochs", "3000000000", "field 'epochs' must be an integer, found 3000000000")]
    [TestCase("epochs", "null", "field 'epochs' must be an integer ≥ 1, found null")]
    [TestCase("batch_size", "0", "field 'batch_size' must be ≥ 1, found 0")]
    [TestCase("batch_size", "2.5", "field 'batch_size' must be an integer, found 2.5")]
    [TestCase("batch_size", "null", "field 'batch_size' must be an integer ≥ 1, found null")]
    [TestCase("learning_rate", "0", "field 'learning_rate' must be a finite number > 0, found 0")]
    [TestCase("learning_rate", "-0.001", "field 'learning_rate' must be a finite number > 0, found -0.001")]
    [TestCase("learning_rate", "1e400", "field 'learning_rate' must be a finite number > 0, found Infinity")]
    [TestCase("learning_rate", "\"fast\"", "field 'learning_rate' must be a number, found \"fast\"")]
    [TestCase("learning_rate", "null", "field 'learning_rate' must be a number, found null")]
    [TestCase("train_sentences", "0", "field 'train_sentences' must be ≥ 1, found 0")]
    [TestCase("train_sentences", "\"all\"", "field 'train_sentences' must be an integer or null, found \"all\"")]
    [TestCase("batch_order", "\"sorted\"", "field 'batch_order' must be \"random\" or \"group-by-length\"")]
    [TestCase("batch_order", "1", "field 'batch_order' must be a string, found 1")]
    [TestCase("betas", "[0.9]", "field 'betas' must be two numbers [beta1, beta2], found [0.9]")]
    [TestCase("betas", "[0.9, 0.99, 0.999]", "field 'betas' must be two numbers [beta1, beta2], found [0.9,0.99,0.999]")]
    [TestCase("betas", "null", "field 'betas' must be two numbers [beta1, beta2], found null")]
    [TestCase("betas", "0.9", "field 'betas' must be two numbers [beta1, beta2], found 0.9")]
    [TestCase("betas", "[\"a\", 0.9]", "field 'betas' must be two numbers [beta1, beta2], found [\"a\",0.9]")]
    [TestCase("betas", "[0.9, null]", "field 'betas' must be two numbers [beta1, beta2], found [0.9,null]")]
    [TestCase("betas", "[null, 0.9]", "field 'betas' must be two numbers [beta1, beta2], found [null,0.9]")]
    [TestCase("betas", "[1, 0.999]", "field 'betas' must hold numbers in [0, 1), found [1,0.999]")]
    [TestCase("betas", "[-0.1, 0.999]", "field 'betas' must hold numbers in [0, 1), found [-0.1,0.999]")]
    [TestCase("betas", "[0.9, 1]", "field 'betas' must hold numbers in [0, 1), found [0.9,1]")]
    [TestCase("betas", "[0.9, -0.1]", "field 'betas' must hold numbers in [0, 1), found [0.9,-0.1]")]
    [TestCase("eps", "0", "field 'eps' must be a finite number > 0, found 0")]
    [TestCase("eps", "null", "field 'eps' must be a number, found null")]
    [TestCase("weight_decay", "-0.01", "field 'weight_decay' must be a finite number ≥ 0, found -0.01")]
    [TestCase("weight_decay", "true", "field 'weight_decay' must be a number, found true")]
    [TestCase("weight_decay_exclude", "\"all\"", "field 'weight_decay_exclude' must be \"bias-and-layernorm\" or \"none\"")]
    [TestCase("weight_decay_exclude", "\"None\"", "field 'weight_decay_exclude' must be \"bias-and-layernorm\" or \"none\"")]
    [TestCase("weight_decay_exclude", "false", "field 'weight_decay_exclude' must be a string, found false")]
    [TestCase("schedule", "\"cosine\"", "field 'schedule' must be \"linear\" (the only schedule implemented)")]
    [TestCase("schedule", "1", "field 'schedule' must be a string, found 1")]
    [TestCase("warmup_ratio", "1.5", "field 'warmup_ratio' must be a number in [0, 1], found 1.5")]
    [TestCase("warmup_ratio", "-0.1", "field 'warmup_ratio' must be a number in [0, 1], found -0.1")]
    [TestCase("warmup_ratio", "null", "field 'warmup_ratio' must be a number, found null")]
    [TestCase("warmup_steps", "-1", "field 'warmup_steps' must be ≥ 0, found -1")]
    [TestCase("warmup_steps", "0.5", "field 'warmup_steps' must be an integer, found 0.5")]
    [TestCase("max_grad_norm", "0", "field 'max_grad_norm' must be a finite number > 0, found 0")]
    [TestCase("max_grad_norm", "\"off\"", "field 'max_grad_norm' must be a number or null, found \"off\"")]
    [TestCase("max_length", "2", "field 'max_length' must be ≥ 3, found 2")]
    [TestCase("max_length", "\"long\"", "field 'max_length' must be an integer or null, found \"long\"")]
    [TestCase("eval_batch_size", "0", "field 'eval_batch_size' must be ≥ 1, found 0")]
    [TestCase("eval_batch_size", "null", "field 'eval_batch_size' must be an integer ≥ 1, found null")]
    [TestCase("eval_each_epoch", "\"yes\"", "field 'eval_each_epoch' must be true or false, found \"yes\"")]
    [TestCase("eval_each_epoch", "null", "field 'eval_each_epoch' must be true or false, found null")]
    [TestCase("eval_each_epoch", "1", "field 'eval_each_epoch' must be true or false, found 1")]
    [TestCase("logging_steps", "0", "field 'logging_steps' must be ≥ 1, found 0")]
    [TestCase("default_seeds", "[]", "field 'default_seeds' must be a non-empty list of integers, found []")]
    [TestCase("default_seeds", "42", "field 'default_seeds' must be a non-empty list of integers, found 42")]
    [TestCase("default_seeds", "null", "field 'default_seeds' must be a non-empty list of integers, found null")]
    [TestCase("default_seeds", "[1, \"2\"]", "field 'default_seeds' must be a non-empty list of integers, found [1,\"2\"]")]
    [TestCase("default_seeds", "[1, null]", "field 'default_seeds' must be a non-empty list of integers, found [1,null]")]
    [TestCase("default_seeds", "[1.5]", "field 'default_seeds' must be a non-empty list of integers, found [1.5]")]
    [TestCase("default_seeds", "[1, 2, 1]", "field 'default_seeds' repeats a seed: [1,2,1]")]
    [TestCase("Epochs", "1", "unknown field 'Epochs' (a profile has: NAMES)")]
    [TestCase("lr", "0.001", "unknown field 'lr' (a profile has: NAMES)")]
    public void Each_bad_field_is_refused_word_for_word_at_its_line(string key, string value, string problem)
    {
        var expected = $"{File}:{LineOfField(key)}: {problem.Replace("NAMES", AllFields, StringComparison.Ordinal)}";
        Assert.That(Refusal(Text(key, value)), Is.EqualTo(expected));
    }

    [TestCase("name")]
    [TestCase("version")]
    [TestCase("epochs")]
    [TestCase("batch_size")]
    [TestCase("learning_rate")]
    public void Each_required_field_left_out_is_named_with_the_list_of_required_ones(string key)
    {
        var fields = Order.Where(k => k != key).Select(k => $"\"{k}\": {(k == "name" ? "\"mine\"" : "1")}");
        var text = "{" + string.Join(", ", fields) + "}";
        Assert.That(Refusal(text), Is.EqualTo($"{File}:1: field '{key}' is missing (required: name, version, epochs, batch_size, learning_rate)"));
    }

    [Test]
    public void A_repeated_key_is_refused_by_name_at_its_second_line_not_as_a_bare_ArgumentException()
    {
        var text = "{\n  \"name\": \"mine\",\n  \"epochs\": 1,\n  \"version\": 1,\n  \"batch_size\": 8,\n  \"learning_rate\": 0.0001,\n  \"epochs\": 3\n}";
        Assert.That(Refusal(text), Is.EqualTo($"{File}:7: field 'epochs' is given twice"));
        Assert.That(Refusal("{\"name\": \"mine\", \"name\": \"mine\"}"), Is.EqualTo($"{File}:1: field 'name' is given twice"),
            "even with the same value, and before the required fields are checked");
        Assert.That(Refusal("{\"lr\": 1,\n\"lr\": 1}"), Is.EqualTo($"{File}:2: field 'lr' is given twice"), "unknown keys too");
    }

    [Test]
    public void The_line_of_a_refusal_is_that_of_the_key_not_of_a_string_equal_to_it_further_on()
    {
        var text = "{\n  \"epochs\": 0,\n  \"name\": \"epochs\",\n  \"version\": 1, \"batch_size\": 8, \"learning_rate\": 0.0001\n}";
        Assert.That(Refusal(text), Is.EqualTo($"{File}:2: field 'epochs' must be ≥ 1, found 0"));
    }

    [Test]
    public void A_key_written_with_escapes_is_refused_at_line_1_instead_of_crashing()
    {
        // "\u006cr" is the key "lr": the text holds no "lr" in quotes, so no line can be pointed at
        var text = "{\n  \"name\": \"mine\", \"version\": 1, \"epochs\": 1, \"batch_size\": 8, \"learning_rate\": 0.0001,\n  \"\\u006cr\": 1\n}";
        Assert.That(Refusal(text), Is.EqualTo($"{File}:1: unknown field 'lr' (a profile has: {AllFields})"));
    }

    [TestCase("[1, 2]")]
    [TestCase("null")]
    [TestCase("\"smoke\"")]
    [TestCase("3")]
    public void A_file_that_is_not_a_JSON_object_is_refused(string text) =>
        Assert.That(Refusal(text), Is.EqualTo($"{File}:1: a profile must be a JSON object"));

    [TestCase("", 1, "not valid JSON: The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, when isFinalBlock is true, byte 1 of the line")]
    [TestCase("{\n  \"name\": \"x\",\n  \"version\": 1,,\n}", 3, "not valid JSON: ',' is an invalid start of a property name. Expected a '\"', byte 16 of the line")]
    [TestCase("{\"name\": \"x\",}", 1, "not valid JSON: The JSON object contains a trailing comma at the end which is not supported in this mode. Change the reader options, byte 14 of the line")]
    [TestCase("{\"epochs\": 01}", 1, "not valid JSON: Invalid leading zero before '1', byte 13 of the line")]
    [TestCase("{}\n{}", 2, "not valid JSON: '{' is invalid after a single JSON value. Expected end of data, byte 1 of the line")]
    public void Invalid_JSON_is_one_line_with_the_1_based_line_and_without_System_Text_Jsons_0_based_tail(string text, int line, string reason)
    {
        var message = Refusal(text);
        Assert.That(message, Is.EqualTo($"{File}:{line}: {reason}"));
        Assert.That(message, Does.Not.Contain("LineNumber").And.Not.Contain("\n"));
    }

    [Test]
    public void Comments_in_a_profile_file_are_skipped()
    {
        var profile = ProfileFile.Parse("""
            // my protocol
            { "name": "commented", /* the study's */ "version": 1, "epochs": 2, "batch_size": 4, "learning_rate": 0.001 }
            """, File);
        Assert.That((profile.Name, profile.Epochs, profile.BatchSize, profile.LearningRate), Is.EqualTo(("commented", 2, 4, 0.001)));
    }

    [Test]
    public void Fields_left_out_take_every_default_of_the_record()
    {
        var p = ProfileFile.Parse("""{"name": "mini", "version": 3, "epochs": 2, "batch_size": 16, "learning_rate": 3e-5}""", File);
        Assert.Multiple(() =>
        {
            Assert.That((p.Name, p.Version, p.Epochs, p.BatchSize, p.LearningRate), Is.EqualTo(("mini", 3, 2, 16, 3e-5)));
            Assert.That(p.TrainSentences, Is.Null);
            Assert.That(p.BatchOrder, Is.EqualTo(BatchOrder.Random));
            Assert.That((p.Beta1, p.Beta2, p.Epsilon, p.WeightDecay), Is.EqualTo((0.9, 0.999, 1e-8, 0.01)));
            Assert.That(p.WeightDecayExclude, Is.EqualTo(WeightDecayExclusion.BiasAndLayerNorm));
            Assert.That((p.WarmupRatio, p.WarmupSteps), Is.EqualTo((0.0, 0)));
            Assert.That((p.MaxGradNorm, p.MaxLength), Is.EqualTo(((double?)null, (int?)null)));
            Assert.That((p.EvalBatchSize, p.EvalEachEpoch, p.LoggingSteps), Is.EqualTo((64, false, 50)));
            Assert.That(p.DefaultSeeds, Is.EqualTo(new long[] { 42, 43, 44 }));
        });
    }

    [Test]
    public void Each_optional_field_given_is_read_and_each_boundary_value_accepted()
    {
        Assert.Multiple(() =>
        {
            Assert.That(With("train_sentences", "1").TrainSentences, Is.EqualTo(1));
            Assert.That(With("train_sentences", "null").TrainSentences, Is.Null);
            Assert.That(With("epochs", "1").Epochs, Is.EqualTo(1));
            Assert.That(With("batch_size", "1").BatchSize, Is.EqualTo(1));
            Assert.That(With("version", "1").Version, Is.EqualTo(1));
            Assert.That(With("batch_order", "\"group-by-length\"").BatchOrder, Is.EqualTo(BatchOrder.GroupByLength));
            Assert.That(With("batch_order", "\"random\"").BatchOrder, Is.EqualTo(BatchOrder.Random));
            Assert.That(With("learning_rate", "1e-300").LearningRate, Is.EqualTo(1e-300));
            Assert.That((With("betas", "[0, 0]").Beta1, With("betas", "[0, 0]").Beta2), Is.EqualTo((0.0, 0.0)));
            Assert.That((With("betas", "[0.8, 0.95]").Beta1, With("betas", "[0.8, 0.95]").Beta2), Is.EqualTo((0.8, 0.95)));
            Assert.That(With("eps", "1e-6").Epsilon, Is.EqualTo(1e-6));
            Assert.That(With("weight_decay", "0").WeightDecay, Is.EqualTo(0.0));
            Assert.That(With("weight_decay", "0.1").WeightDecay, Is.EqualTo(0.1));
            Assert.That(With("weight_decay_exclude", "\"none\"").WeightDecayExclude, Is.EqualTo(WeightDecayExclusion.None));
            Assert.That(With("weight_decay_exclude", "\"bias-and-layernorm\"").WeightDecayExclude, Is.EqualTo(WeightDecayExclusion.BiasAndLayerNorm));
            Assert.That(With("schedule", "\"linear\"").Name, Is.EqualTo("mine"));
            Assert.That(With("warmup_ratio", "0").WarmupRatio, Is.EqualTo(0.0));
            Assert.That(With("warmup_ratio", "1").WarmupRatio, Is.EqualTo(1.0));
            Assert.That(With("warmup_ratio", "0.25").WarmupRatio, Is.EqualTo(0.25));
            Assert.That(With("warmup_steps", "0").WarmupSteps, Is.EqualTo(0));
            Assert.That(With("warmup_steps", "7").WarmupSteps, Is.EqualTo(7));
            Assert.That(With("max_grad_norm", "1.5").MaxGradNorm, Is.EqualTo(1.5));
            Assert.That(With("max_grad_norm", "null").MaxGradNorm, Is.Null);
            Assert.That(With("max_length", "3").MaxLength, Is.EqualTo(3));
            Assert.That(With("max_length", "null").MaxLength, Is.Null);
            Assert.That(With("eval_batch_size", "1").EvalBatchSize, Is.EqualTo(1));
            Assert.That(With("eval_batch_size", "16").EvalBatchSize, Is.EqualTo(16));
            Assert.That(With("eval_each_epoch", "true").EvalEachEpoch, Is.True);
            Assert.That(With("eval_each_epoch", "false").EvalEachEpoch, Is.False);
            Assert.That(With("logging_steps", "1").LoggingSteps, Is.EqualTo(1));
            Assert.That(With("default_seeds", "[-1, 5000000000]").DefaultSeeds, Is.EqualTo(new long[] { -1, 5_000_000_000 }));
        });
    }

    [Test]
    public void A_built_in_name_with_only_other_seeds_or_another_case_is_refused()
    {
        const string problem = "field 'name' is the built-in profile 'smoke' but other values follow; give this protocol its own name " +
            "(goldens and results folders are filed under the name)";
        var smoke = Invariant.ToJson(ProfileFile.ToFileJson(TrainingProfile.Smoke));
        Assert.Multiple(() =>
        {
            Assert.That(Refusal(smoke.Replace("\"default_seeds\": [\n    42\n  ]", "\"default_seeds\": [\n    42, 43\n  ]", StringComparison.Ordinal)),
                Is.EqualTo($"{File}:{LineIn(smoke, "\"name\"")}: {problem}"));
            Assert.That(Refusal(smoke.Replace("\"smoke\"", "\"Smoke\"", StringComparison.Ordinal)),
                Is.EqualTo($"{File}:{LineIn(smoke, "\"name\"")}: {problem}"), "the name is part of the saved profile");
            Assert.That(ProfileFile.Parse(smoke, File), Is.SameAs(TrainingProfile.Smoke));
        });
    }

    private static int LineIn(string text, string what) => text[..text.IndexOf(what, StringComparison.Ordinal)].Count(c => c == '\n') + 1;

    [Test]
    public void Load_takes_a_built_in_name_in_any_case_and_refuses_a_blank_or_missing_one()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ProfileFile.Load(" SMOKE "), Is.SameAs(TrainingProfile.Smoke));
            Assert.That(ProfileFile.Load("full"), Is.SameAs(TrainingProfile.Full));
            Assert.That(() => ProfileFile.Load("  "), Throws.TypeOf<ArgumentException>().With.Property("ParamName").EqualTo("nameOrFile"));
            Assert.That(() => ProfileFile.Load(""), Throws.TypeOf<ArgumentException>().With.Property("ParamName").EqualTo("nameOrFile"));
            Assert.That(() => ProfileFile.Load(null!), Throws.TypeOf<ArgumentNullException>().With.Property("ParamName").EqualTo("nameOrFile"));
            var missing = Path.Combine(Path.GetTempPath(), "poslf-no-such-profile.json");
            Assert.That(() => ProfileFile.Load(missing), Throws.TypeOf<InvalidDataException>().With.Message.EqualTo(
                $"'{missing}' is neither a built-in profile (smoke, full) nor a profile file that exists"));
            Assert.That(() => ProfileFile.Load(" nonesuch "), Throws.TypeOf<InvalidDataException>().With.Message.EqualTo(
                "' nonesuch ' is neither a built-in profile (smoke, full) nor a profile file that exists"));
            Assert.That((ProfileFile.IsBuiltIn(" Full "), ProfileFile.IsBuiltIn("fuller"), ProfileFile.IsBuiltIn("smoke")), Is.EqualTo((true, false, true)));
        });
    }

    [Test]
    public void The_saved_json_of_each_built_in_is_exactly_its_fields()
    {
        // written by hand from the documented protocols (TrainingProfile.Smoke/Full), keys sorted as Invariant.ToJson sorts
        const string smoke = """{"batch_order":"random","batch_size":32,"betas":[0.9,0.999],"epochs":1,"eps":1E-08,"eval_batch_size":64,"learning_rate":0.0005,"max_grad_norm":null,"max_length":128,"name":"smoke","schedule":"linear","train_sentences":1024,"version":2,"warmup_ratio":0,"warmup_steps":0,"weight_decay":0.01,"weight_decay_exclude":"bias-and-layernorm"}""";
        const string full = """{"batch_order":"random","batch_size":32,"betas":[0.9,0.999],"epochs":3,"eps":1E-08,"eval_batch_size":64,"learning_rate":5E-05,"max_grad_norm":null,"max_length":null,"name":"full","schedule":"linear","train_sentences":null,"version":2,"warmup_ratio":0,"warmup_steps":0,"weight_decay":0.01,"weight_decay_exclude":"bias-and-layernorm"}""";
        Assert.Multiple(() =>
        {
            Assert.That(Compact(TrainingProfile.Smoke.ToJson()), Is.EqualTo(smoke));
            Assert.That(Compact(TrainingProfile.Full.ToJson()), Is.EqualTo(full));
            Assert.That(Compact(ProfileFile.ToFileJson(TrainingProfile.Smoke)),
                Is.EqualTo(smoke.Replace("\"epochs\":1,", "\"default_seeds\":[42],\"epochs\":1,", StringComparison.Ordinal)
                    .Replace("\"eval_batch_size\":64,", "\"eval_batch_size\":64,\"eval_each_epoch\":false,", StringComparison.Ordinal)
                    .Replace("\"learning_rate\":0.0005,", "\"learning_rate\":0.0005,\"logging_steps\":50,", StringComparison.Ordinal)));
            Assert.That(Compact(ProfileFile.ToFileJson(TrainingProfile.Full)), Does.Contain("\"default_seeds\":[42,43,44]"));
        });
    }

    [Test]
    public void The_saved_json_of_a_profile_changed_in_every_field_holds_each_value()
    {
        var p = new TrainingProfile
        {
            Name = "every", Version = 7, TrainSentences = 10, Epochs = 4, BatchSize = 2, LearningRate = 0.25, Beta1 = 0.5, Beta2 = 0.75,
            Epsilon = 0.125, WeightDecay = 0.0625, WeightDecayExclude = WeightDecayExclusion.None, MaxGradNorm = 2.5, WarmupRatio = 0.5,
            WarmupSteps = 3, BatchOrder = BatchOrder.GroupByLength, MaxLength = 16, EvalBatchSize = 5, EvalEachEpoch = true,
            LoggingSteps = 9, DefaultSeeds = [7, 8],
        };
        const string saved = """{"batch_order":"group-by-length","batch_size":2,"betas":[0.5,0.75],"epochs":4,"eps":0.125,"eval_batch_size":5,"eval_each_epoch":true,"learning_rate":0.25,"logging_steps":9,"max_grad_norm":2.5,"max_length":16,"name":"every","schedule":"linear","train_sentences":10,"version":7,"warmup_ratio":0.5,"warmup_steps":3,"weight_decay":0.0625,"weight_decay_exclude":"none"}""";
        Assert.Multiple(() =>
        {
            Assert.That(Compact(p.ToJson()), Is.EqualTo(saved));
            Assert.That(Compact(ProfileFile.ToFileJson(p)), Is.EqualTo(saved.Replace("\"epochs\":4,", "\"default_seeds\":[7,8],\"epochs\":4,", StringComparison.Ordinal)));
            var back = ProfileFile.Parse(Invariant.ToJson(ProfileFile.ToFileJson(p)), File);
            Assert.That(back with { DefaultSeeds = p.DefaultSeeds }, Is.EqualTo(p), "read back field by field");
            Assert.That(back.DefaultSeeds, Is.EqualTo(new long[] { 7, 8 }));
            Assert.That(() => ProfileFile.ToFileJson(null!), Throws.TypeOf<ArgumentNullException>().With.Property("ParamName").EqualTo("profile"));
        });
    }

    private static string Compact(JsonObject json) => JsonNode.Parse(Invariant.ToJson(json))!.ToJsonString();

    // ---- overrides ----

    private static string OverrideRefusal(ProfileOverrides overrides, TrainingProfile? profile = null)
    {
        // As poslf prints it: the library names the field, the CLI's one table turns it into the flag.
        var e = Assert.Throws<InvalidFieldException>(() => ProfileFile.Apply(profile ?? TrainingProfile.Smoke, overrides))!;
        return FieldFlags.Describe(e);
    }

    [Test]
    public void Each_override_out_of_range_is_refused_word_for_word_naming_its_option()
    {
        Assert.Multiple(() =>
        {
            Assert.That(OverrideRefusal(new(LearningRate: 0)), Is.EqualTo("a learning rate must be a finite number > 0, got 0 (--lr)"));
            Assert.That(OverrideRefusal(new(LearningRate: -1e-5)), Is.EqualTo("a learning rate must be a finite number > 0, got -1E-05 (--lr)"));
            Assert.That(OverrideRefusal(new(LearningRate: double.NaN)), Is.EqualTo("a learning rate must be a finite number > 0, got NaN (--lr)"));
            Assert.That(OverrideRefusal(new(LearningRate: double.PositiveInfinity)), Is.EqualTo("a learning rate must be a finite number > 0, got Infinity (--lr)"));
            Assert.That(OverrideRefusal(new(Epochs: 0)), Is.EqualTo("epochs must be ≥ 1, got 0 (--epochs)"));
            Assert.That(OverrideRefusal(new(BatchSize: 0)), Is.EqualTo("a batch size must be ≥ 1, got 0 (--batch-size)"));
            Assert.That(OverrideRefusal(new(BatchSize: -3)), Is.EqualTo("a batch size must be ≥ 1, got -3 (--batch-size)"));
            Assert.That(OverrideRefusal(new(MaxLength: 2)), Is.EqualTo("a window must hold at least [CLS], one token and [SEP] (≥ 3), got 2 (--max-length)"));
            Assert.That(OverrideRefusal(new(TrainSentences: 0)), Is.EqualTo("train sentences must be ≥ 1, got 0 (--train-sentences)"));
            Assert.That(OverrideRefusal(new(TrainSentences: -1)), Is.EqualTo("train sentences must be ≥ 1, got -1 (--train-sentences)"));
            Assert.That(OverrideRefusal(new(WarmupRatio: -0.1)), Is.EqualTo("a warm-up ratio must be in [0, 1], got -0.1 (--warmup-ratio)"));
            Assert.That(OverrideRefusal(new(WarmupRatio: 1.5)), Is.EqualTo("a warm-up ratio must be in [0, 1], got 1.5 (--warmup-ratio)"));
            Assert.That(OverrideRefusal(new(WarmupRatio: double.NaN)), Is.EqualTo("a warm-up ratio must be in [0, 1], got NaN (--warmup-ratio)"));
            Assert.That(OverrideRefusal(new(WeightDecay: -0.01)), Is.EqualTo("weight decay must be a finite number ≥ 0, got -0.01 (--weight-decay)"));
            Assert.That(OverrideRefusal(new(WeightDecay: double.NaN)), Is.EqualTo("weight decay must be a finite number ≥ 0, got NaN (--weight-decay)"));
            Assert.That(OverrideRefusal(new(WeightDecay: double.PositiveInfinity)), Is.EqualTo("weight decay must be a finite number ≥ 0, got Infinity (--weight-decay)"));
            Assert.That(OverrideRefusal(new(BatchOrder: "sorted")), Is.EqualTo("'sorted' is not a batch order: expected random or group-by-length (--batch-order)"));
            Assert.That(OverrideRefusal(new(LoggingSteps: 0)), Is.EqualTo("logging steps must be ≥ 1, got 0 (--logging-steps)"));
            Assert.That(Assert.Throws<InvalidFieldException>(() => ProfileFile.Apply(TrainingProfile.Smoke, new(Epochs: -1)))!.Fields, Is.EqualTo(new[] { "epochs" }));
            Assert.That(Assert.Throws<InvalidFieldException>(() => ProfileFile.Apply(TrainingProfile.Smoke, new(Epochs: -1)))!.Message, Is.EqualTo("epochs must be ≥ 1, got -1 (epochs)"),
                "the library's own message names the field, not a flag");
        });
    }

    [Test]
    public void Each_override_at_its_boundary_is_taken_and_named_in_the_profile_name()
    {
        TrainingProfile Over(ProfileOverrides o, TrainingProfile? from = null) => ProfileFile.Apply(from ?? TrainingProfile.Full, o);
        Assert.Multiple(() =>
        {
            Assert.That((Over(new(Epochs: 1)).Epochs, Over(new(Epochs: 1)).Name), Is.EqualTo((1, "full+epochs=1")));
            Assert.That((Over(new(BatchSize: 1)).BatchSize, Over(new(BatchSize: 1)).Name), Is.EqualTo((1, "full+batch=1")));
            Assert.That((Over(new(MaxLength: 3)).MaxLength, Over(new(MaxLength: 3)).Name), Is.EqualTo(((int?)3, "full+maxlen=3")));
            Assert.That((Over(new(TrainSentences: 1)).TrainSentences, Over(new(TrainSentences: 1)).Name), Is.EqualTo(((int?)1, "full+train=1")));
            Assert.That((Over(new(WarmupRatio: 0.0)).WarmupRatio, Over(new(WarmupRatio: 0.0)).Name), Is.EqualTo((0.0, "full")));
            Assert.That((Over(new(WarmupRatio: 1.0)).WarmupRatio, Over(new(WarmupRatio: 1.0)).Name), Is.EqualTo((1.0, "full+warmup=1")));
            Assert.That((Over(new(WeightDecay: 0.0)).WeightDecay, Over(new(WeightDecay: 0.0)).Name), Is.EqualTo((0.0, "full+wd=0")));
            Assert.That((Over(new(LoggingSteps: 1)).LoggingSteps, Over(new(LoggingSteps: 1)).Name), Is.EqualTo((1, "full+log=1")));
            Assert.That((Over(new(LearningRate: double.Epsilon)).LearningRate, Over(new(LearningRate: double.Epsilon)).Name),
                Is.EqualTo((double.Epsilon, "full+lr=5E-324")));
            var evaluating = TrainingProfile.Full with { Name = "mine", EvalEachEpoch = true };
            Assert.That((Over(new(EvalEachEpoch: false), evaluating).EvalEachEpoch, Over(new(EvalEachEpoch: false), evaluating).Name),
                Is.EqualTo((false, "mine+eval=end")));
        });
    }

    [Test]
    public void Every_override_at_once_sets_each_field_and_names_each_change_in_a_fixed_order()
    {
        var all = new ProfileOverrides(LearningRate: 1e-4, Epochs: 2, BatchSize: 16, MaxLength: 64, TrainSentences: 100, WarmupRatio: 0.1,
            WeightDecay: 0, BatchOrder: "Group-By-Length", EvalEachEpoch: true, LoggingSteps: 10);
        var p = ProfileFile.Apply(TrainingProfile.Smoke, all);
        Assert.Multiple(() =>
        {
            Assert.That(p.Name, Is.EqualTo("smoke+lr=0.0001+epochs=2+batch=16+maxlen=64+train=100+warmup=0.1+wd=0+order=group-by-length+eval=epoch+log=10"));
            Assert.That(p with { Name = "smoke" }, Is.EqualTo(TrainingProfile.Smoke with
            {
                LearningRate = 1e-4, Epochs = 2, BatchSize = 16, MaxLength = 64, TrainSentences = 100, WarmupRatio = 0.1, WeightDecay = 0,
                BatchOrder = BatchOrder.GroupByLength, EvalEachEpoch = true, LoggingSteps = 10,
            }));
        });
    }

    [Test]
    public void Overrides_equal_to_the_profile_change_nothing_not_even_the_name()
    {
        var same = new ProfileOverrides(LearningRate: 5e-4, Epochs: 1, BatchSize: 32, MaxLength: 128, TrainSentences: 1024, WarmupRatio: 0,
            WeightDecay: 0.01, BatchOrder: "random", EvalEachEpoch: false, LoggingSteps: 50);
        Assert.Multiple(() =>
        {
            Assert.That(ProfileFile.Apply(TrainingProfile.Smoke, same), Is.SameAs(TrainingProfile.Smoke));
            Assert.That(ProfileFile.Apply(TrainingProfile.Smoke, new ProfileOverrides()), Is.SameAs(TrainingProfile.Smoke));
        });
    }

    [Test]
    public void Apply_names_a_null_argument()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => ProfileFile.Apply(null!, new ProfileOverrides()), Throws.TypeOf<ArgumentNullException>().With.Property("ParamName").EqualTo("profile"));
            Assert.That(() => ProfileFile.Apply(TrainingProfile.Smoke, null!), Throws.TypeOf<ArgumentNullException>().With.Property("ParamName").EqualTo("overrides"));
        });
    }

    // ---- TrainingProfile ----

    [Test]
    public void Named_takes_the_two_built_ins_in_any_case_and_refuses_another_name_word_for_word()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TrainingProfile.Named(" Full "), Is.SameAs(TrainingProfile.Full));
            Assert.That(TrainingProfile.Named("SMOKE"), Is.SameAs(TrainingProfile.Smoke));
            Assert.That(() => TrainingProfile.Named("tiny"), Throws.TypeOf<ArgumentException>().With.Message.EqualTo("Unknown profile 'tiny': expected smoke or full."));
            Assert.That(TrainingProfile.ExclusionName(WeightDecayExclusion.None), Is.EqualTo("none"));
            Assert.That(TrainingProfile.ExclusionName(WeightDecayExclusion.BiasAndLayerNorm), Is.EqualTo("bias-and-layernorm"));
            Assert.That(() => TrainingProfile.ExclusionName((WeightDecayExclusion)2),
                Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("exclusion"));
        });
    }
}
