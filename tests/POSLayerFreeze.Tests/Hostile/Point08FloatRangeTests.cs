using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Cli;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Hostile;

/// <summary>
/// Issue 29 point 8 (crash): a learning rate above float32's range (1e39, 1e300) was accepted and failed inside
/// FlatAdamW.Step with an internal error; <c>profile show smoke --lr 1e300</c> accepted it too. Every float-typed
/// profile field is now refused where the profile is read, naming the field.
/// </summary>
public class Point08FloatRangeTests
{
    [TestCase("1e39")]
    [TestCase("1e300")]
    [TestCase("3.5e37")]   // finite in float32, but lr / (1 − β1) at the first step is not
    public void Profile_show_refuses_a_learning_rate_beyond_float(string lr)
    {
        Poslf.AssertError(Poslf.Run("profile", "show", "smoke", "--lr", lr), 2, "--lr", "learning_rate", "float32");
    }

    [Test]
    public void Run_refuses_it_before_anything_is_read()
    {
        var result = Poslf.Run("run", "--lr", "1e300", "--out", Path.Combine(Path.GetTempPath(), "poslf-hostile-lr-" + Guid.NewGuid().ToString("N")));
        Poslf.AssertError(result, 2, "--lr", "float32");
    }

    [TestCase("learning_rate", "1e39")]
    [TestCase("eps", "1e300")]
    [TestCase("weight_decay", "1e39")]
    [TestCase("max_grad_norm", "1e39")]
    public void A_profile_file_with_a_float_field_out_of_range_is_refused_naming_field_and_line(string field, string value)
    {
        var text = $"{{\n  \"name\": \"mine\",\n  \"version\": 1,\n  \"epochs\": 1,\n  \"batch_size\": 2,\n  \"learning_rate\": {(field == "learning_rate" ? value : "0.001")}" +
                   (field == "learning_rate" ? "" : $",\n  \"{field}\": {value}") + "\n}";
        var line = field == "learning_rate" ? 6 : 7;
        Assert.That(() => ProfileFile.Parse(text, "mine.json"), Throws.TypeOf<InvalidDataException>()
            .With.Message.StartsWith($"mine.json:{line}: field '{field}'").And.Message.Contains("float32"));
    }

    [Test]
    public void Weight_decay_times_lr_beyond_float_is_refused_naming_the_option()
    {
        Assert.That(() => ProfileFile.Apply(TrainingProfile.Smoke, new ProfileOverrides(LearningRate: 1e30, WeightDecay: 1e10)),
            Throws.TypeOf<InvalidFieldException>().With.Property(nameof(InvalidFieldException.Fields)).EqualTo(new[] { "learning_rate" }).And.Message.Contains("weight_decay"));
        Assert.That(ProfileFile.Apply(TrainingProfile.Smoke, new ProfileOverrides(LearningRate: 1e30)).LearningRate, Is.EqualTo(1e30), "large but within float32 is a choice, not an error");
    }
}
