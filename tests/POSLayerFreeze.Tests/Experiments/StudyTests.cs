using POSLayerFreeze.Cli;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>
/// The one use case, without the CLI: a request's unusable values are refused naming the library's field, before
/// anything is written, and the CLI's table names the flag the user typed for each.
/// </summary>
public class StudyTests
{
    private static StudyRequest Request(string outDir) =>
        new() { Profile = TinyWorld.Profile, OutDir = outDir, Model = TinyWorld.ModelDir, DataDir = TinyWorld.DataDir, Configs = ["baseline"], Seeds = [42] };

    private sealed class NoHost : IStudyHost
    {
        public TextWriter Notes => TextWriter.Null;
        public void Waiting(string line) => Assert.Fail("nothing else holds the folder");
        public void Planned(StudyPlan plan) => Assert.Fail("refused before planning");
        public void Rejected(RejectedRun run) { }
        public IReadOnlyList<RunMetrics> Sweep(Func<ISweepObserver, IReadOnlyList<RunMetrics>> sweep) => throw new AssertionException("nothing runs");
        public void ChildrenCapped(int asked, int capped, int todo) { }
        public IReadOnlyList<string> ChildCommand(int index, int count) => throw new AssertionException("no child starts");
        public void ChildOutput(int index, int count, string line, bool isError) { }
        public void Finished(TimeSpan elapsed) { }
    }

    private static IEnumerable<TestCaseData> Refusals()
    {
        yield return new TestCaseData((Func<StudyRequest, StudyRequest>)(r => r with { Suite = "slpf" }), new[] { "suite", "configs" }, "--suite, --configs").SetName("suite and configs");
        yield return new TestCaseData((Func<StudyRequest, StudyRequest>)(r => r with { Parallel = 0 }), new[] { "parallel" }, "--parallel").SetName("no children");
        yield return new TestCaseData((Func<StudyRequest, StudyRequest>)(r => r with { Shard = "3/2" }), new[] { "shard" }, "--shard").SetName("impossible shard");
        yield return new TestCaseData((Func<StudyRequest, StudyRequest>)(r => r with { Shard = "0/2", Parallel = 2 }), new[] { "shard", "parallel" }, "--shard, --parallel").SetName("shard in parallel");
        yield return new TestCaseData((Func<StudyRequest, StudyRequest>)(r => r with { Device = "tpu" }), new[] { "device" }, "--device").SetName("device");
        yield return new TestCaseData((Func<StudyRequest, StudyRequest>)(r => r with { Seeds = [] }), new[] { "seeds" }, "--seeds").SetName("no seeds");
        yield return new TestCaseData((Func<StudyRequest, StudyRequest>)(r => r with { Configs = ["slpf-99"] }), new[] { "configs" }, "--configs").SetName("unknown plan");
        yield return new TestCaseData((Func<StudyRequest, StudyRequest>)(r => r with { Configs = [] }), new[] { "configs" }, "--configs").SetName("no plan");
        yield return new TestCaseData((Func<StudyRequest, StudyRequest>)(r => r with { Configs = null, Suite = "everything" }), new[] { "suite" }, "--suite").SetName("unknown suite");
        yield return new TestCaseData((Func<StudyRequest, StudyRequest>)(r => r with { Profile = r.Profile with { MaxLength = 100_000 }, MaxLengthAsked = true }), new[] { "max_length" }, "--max-length").SetName("window beyond the model");
        yield return new TestCaseData((Func<StudyRequest, StudyRequest>)(r => r with { Model = Path.Combine(r.OutDir, "no-such-model") }), new[] { "model" }, "--model").SetName("missing model");
    }

    [TestCaseSource(nameof(Refusals))]
    public void An_unusable_value_is_refused_naming_its_field_and_the_cli_names_the_flag(Func<StudyRequest, StudyRequest> change, string[] fields, string flags)
    {
        var outDir = TinyWorld.TempDir("study-refusal");
        var request = change(Request(outDir));
        var e = Assert.ThrowsAsync<InvalidFieldException>(() => Study.RunAsync(request, new NoHost(), CancellationToken.None))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Fields, Is.EqualTo(fields));
            Assert.That(e.Message, Does.EndWith($"({string.Join(", ", fields)})"), "the library's message names fields, not flags");
            Assert.That(FieldFlags.Describe(e), Does.EndWith($"({flags})"));
            Assert.That(Directory.EnumerateFiles(outDir, "metrics.json", SearchOption.AllDirectories), Is.Empty);
        });
    }

    [Test]
    public void A_profile_window_beyond_the_model_is_an_upper_bound_unless_asked_for()
    {
        var request = Request(TinyWorld.TempDir("study-window")) with { Profile = TinyWorld.Profile with { MaxLength = 100_000 } };
        Assert.That(Study.Design(request).Configs, Is.EqualTo(new[] { "baseline" }));
        Assert.That(() => Study.Design(request with { MaxLengthAsked = true }), Throws.TypeOf<InvalidFieldException>());
    }
}
