using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.ProtocolSources;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>
/// A change to the code that decides a run's numbers must bump <see cref="RunSpec.ProtocolRevision"/>, or resumable
/// sweeps and reused spec runs would keep results the new code would not produce. Each protocol source is
/// fingerprinted as its syntax tree without comments, whitespace or exception messages
/// (<see cref="ProtocolFingerprint"/> says what counts), so a comment or a reworded error passes and a changed
/// constant or operator fails. <see cref="RunSpec.ProtocolSourceHash"/> records them for the current revision, and
/// protocol-sources.sha256 lists them per file so a failure names the files.
/// </summary>
public class ProtocolSourcesTests
{
    private static string RecordPath => Path.Combine(TestPaths.RepoRoot, ProtocolSourceSet.RecordFile);

    [Test]
    public void Protocol_sources_match_the_revision_they_were_recorded_for()
    {
        var current = ProtocolSourceSet.CurrentLines(TestPaths.RepoRoot);
        Assert.That(current, Has.Length.GreaterThan(15), "the protocol sources were found");
        var recorded = File.Exists(RecordPath) ? File.ReadAllLines(RecordPath).Where(l => !l.StartsWith('#') && l.Length > 0).ToArray() : [];
        var recordedRevision = File.Exists(RecordPath)
            ? File.ReadLines(RecordPath).Where(l => l.StartsWith("# revision ", StringComparison.Ordinal)).Select(l => int.Parse(l[11..], CultureInfo.InvariantCulture)).FirstOrDefault()
            : 0;
        var combined = ProtocolSourceSet.Combined(current);
        if (combined == RunSpec.ProtocolSourceHash && current.SequenceEqual(recorded) && recordedRevision == RunSpec.ProtocolRevision) return;

        var before = recorded.ToDictionary(l => l[66..], l => l[..64], StringComparer.Ordinal);
        var now = current.ToDictionary(l => l[66..], l => l[..64], StringComparer.Ordinal);
        var changed = now.Keys.Union(before.Keys).Order(StringComparer.Ordinal)
            .Where(p => !before.TryGetValue(p, out var b) || !now.TryGetValue(p, out var n) || b != n)
            .Select(p => before.ContainsKey(p) ? now.ContainsKey(p) ? $"changed: {p}" : $"removed: {p}" : $"added: {p}").ToArray();
        var howTo = $"record the new state (bash eng/record-protocol-sources.sh does it): RunSpec.ProtocolSourceHash = \"{combined}\" and write {RecordPath} as\n" +
                    ProtocolSourceSet.RecordText(RunSpec.ProtocolRevision, current);
        if (recordedRevision == RunSpec.ProtocolRevision && changed.Length > 0)
            Assert.Fail($"protocol sources changed in code (not only comments, layout or exception messages) while RunSpec.ProtocolRevision stayed {RunSpec.ProtocolRevision}:\n  {string.Join("\n  ", changed)}\n" +
                        $"If the change can alter any run's numbers, bump RunSpec.ProtocolRevision; then {howTo}");
        Assert.Fail($"RunSpec.ProtocolRevision {RunSpec.ProtocolRevision} / ProtocolSourceHash {RunSpec.ProtocolSourceHash} do not match the recorded sources (revision {recordedRevision}{(changed.Length > 0 ? "; " + string.Join(", ", changed) : "")}); {howTo}");
    }

    [Test]
    public void The_check_would_notice_an_edited_file()
    {
        var current = ProtocolSourceSet.CurrentLines(TestPaths.RepoRoot);
        var edited = current.ToArray();
        edited[0] = new string('0', 64) + edited[0][64..];
        Assert.That(ProtocolSourceSet.Combined(edited), Is.Not.EqualTo(ProtocolSourceSet.Combined(current)));
        Assert.That(current.Any(l => l.EndsWith("src/POSLayerFreeze/Training/Trainer.cs", StringComparison.Ordinal)), Is.True);
    }

    // A loss in the shape of TrainStep's: summed cross-entropy over labelled tokens, divided by their count.
    private static readonly string Loss = """
        using static TorchSharp.torch;

        namespace Demo;

        /// <summary>The step's loss.</summary>
        public static class Step
        {
            public const double Epsilon = 1e-8;

            // Sum, then divide: every labelled token weighs the same.
            public static Tensor Loss(Tensor logits, Tensor labels, long labelled)
            {
                if (labelled == 0) throw new ArgumentException("a training batch has no labelled token", nameof(labels));
                if (labelled < 0) throw new ArgumentOutOfRangeException(nameof(labelled), labelled, $"labelled is {labelled}, not a count");
                var sum = nn.functional.cross_entropy(logits, labels, ignore_index: -100, reduction: nn.Reduction.Sum);
                return sum / (labelled + Epsilon);
            }

            public static string Key => "loss";
        }
        """;

    private static string Fingerprint(string source) => ProtocolFingerprint.Sha256(source, "snippet.cs");

    private static string Edit(string from, string to)
    {
        Assert.That(Loss, Does.Contain(from), "the snippet holds what the edit replaces");
        return Loss.Replace(from, to, StringComparison.Ordinal);
    }

    [TestCase("// Sum, then divide: every labelled token weighs the same.", "// Summed, then divided (Hugging Face's reduction).", TestName = "a comment reworded")]
    [TestCase("/// <summary>The step's loss.</summary>", "", TestName = "a doc comment removed")]
    [TestCase("    public const double Epsilon = 1e-8;\n", "    public const double Epsilon =\n        1e-8;   // kept tiny\n\n", TestName = "layout and a trailing comment")]
    [TestCase("\"a training batch has no labelled token\"", "\"this batch labels no token: nothing to learn from\"", TestName = "an exception message reworded")]
    [TestCase("$\"labelled is {labelled}, not a count\"", "$\"a labelled-token count cannot be negative ({labelled:N0})\"", TestName = "an interpolated message and its holes")]
    public void Edits_that_cannot_change_a_number_keep_the_fingerprint(string from, string to) =>
        Assert.That(Fingerprint(Edit(from, to)), Is.EqualTo(Fingerprint(Loss)));

    [TestCase("1e-8", "1e-7", TestName = "a numeric constant in the loss")]
    [TestCase("ignore_index: -100", "ignore_index: 100", TestName = "a sign")]
    [TestCase("sum / (labelled + Epsilon)", "sum * (labelled + Epsilon)", TestName = "an operator")]
    [TestCase("labelled == 0", "labelled <= 0", TestName = "a comparison")]
    [TestCase("nn.Reduction.Sum", "nn.Reduction.Mean", TestName = "an identifier")]
    [TestCase("=> \"loss\"", "=> \"train_loss\"", TestName = "a string that is not a message")]
    [TestCase("throw new ArgumentException(\"a training batch has no labelled token\", nameof(labels));", "return sum;", TestName = "a throw removed")]
    public void Edits_that_can_change_a_number_change_the_fingerprint(string from, string to) =>
        Assert.That(Fingerprint(Edit(from, to)), Is.Not.EqualTo(Fingerprint(Loss)));

    private static readonly string Messages = """
        using System.Diagnostics.CodeAnalysis;

        public sealed class DivergedException(int step) : Exception($"diverged at step {step}") { public int Step { get; } = step; }

        public sealed class LegacyException : InvalidOperationException
        {
            public LegacyException(string field) : base("field " + field + " is wrong") { }
        }

        public sealed class Reader(string file)
        {
            public int Epochs(int value) => value >= 1 ? value : Fail<int>("epochs", $"{file}: epochs must be ≥ 1, got {value}");
            public string Key(string key) => key == "epochs" ? key : throw Problem($"unknown key {key}");

            [DoesNotReturn]
            public T Fail<T>(string key, string problem) => throw new FormatException($"{file}: {key}: {problem}");

            private static FormatException Problem(string text) => new(text);
        }
        """;

    [TestCase("$\"diverged at step {step}\"", "$\"the loss diverged at step {step}\"", TestName = "a primary-constructor base Exception(message)")]
    [TestCase("\"field \" + field + \" is wrong\"", "\"field '\" + field + \"' is invalid\"", TestName = "base(message) in an exception class")]
    [TestCase("$\"{file}: epochs must be ≥ 1, got {value}\"", "$\"{file}: epochs must be a positive integer, got {value}\"", TestName = "an argument of a [DoesNotReturn] helper")]
    [TestCase("$\"unknown key {key}\"", "$\"no such key: {key}\"", TestName = "inside a throw expression")]
    public void Messages_outside_a_throw_statement_are_messages_too(string from, string to)
    {
        Assert.That(Messages, Does.Contain(from));
        Assert.That(Fingerprint(Messages.Replace(from, to, StringComparison.Ordinal)), Is.EqualTo(Fingerprint(Messages)));
    }

    [TestCase("key == \"epochs\"", "key == \"epoch\"", TestName = "a string in the condition that decides the throw")]
    [TestCase("value >= 1", "value >= 2", TestName = "the bound checked before failing")]
    public void What_decides_whether_to_throw_still_counts(string from, string to)
    {
        Assert.That(Messages, Does.Contain(from));
        Assert.That(Fingerprint(Messages.Replace(from, to, StringComparison.Ordinal)), Is.Not.EqualTo(Fingerprint(Messages)));
    }

    [Test]
    public void Conditional_compilation_counts_and_regions_do_not()
    {
        const string source = "class C\n{\n#region constants\n#if TORCH_BACKEND_CPU\n    const int Overhead = 24;\n#else\n    const int Overhead = 0;\n#endif\n#endregion\n}\n";
        Assert.That(Fingerprint(source.Replace("#region constants\n", "#region numbers\n", StringComparison.Ordinal)), Is.EqualTo(Fingerprint(source)));
        Assert.That(Fingerprint(source.Replace("Overhead = 0", "Overhead = 8", StringComparison.Ordinal)), Is.Not.EqualTo(Fingerprint(source)), "the disabled branch");
        Assert.That(Fingerprint(source.Replace("#if TORCH_BACKEND_CPU", "#if !TORCH_BACKEND_CPU", StringComparison.Ordinal)), Is.Not.EqualTo(Fingerprint(source)));
    }

    [Test]
    public void A_source_that_does_not_parse_is_refused_naming_file_and_line()
    {
        var e = Assert.Throws<InvalidDataException>(() => ProtocolFingerprint.Sha256("class C\n{\n    int x = ;\n}\n", "src/Broken.cs"));
        Assert.That(e!.Message, Does.StartWith("src/Broken.cs:3: "));
    }

    // The real protocol sources, whatever they hold: without any comment and laid out anew by Roslyn they keep their
    // fingerprint; with their first numeric literal outside a message changed they do not.
    private static IEnumerable<string> Sources() => ProtocolSourceSet.Files(TestPaths.RepoRoot);

    [TestCaseSource(nameof(Sources))]
    public void A_protocol_source_keeps_its_fingerprint_without_comments_and_relaid(string file)
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, file));
        var root = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Preview)).GetRoot();
        var comments = root.DescendantTrivia(descendIntoTrivia: true).Where(t =>
            t.IsKind(SyntaxKind.SingleLineCommentTrivia) || t.IsKind(SyntaxKind.MultiLineCommentTrivia)
            || t.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia) || t.IsKind(SyntaxKind.MultiLineDocumentationCommentTrivia)).ToArray();
        var bare = root.ReplaceTrivia(comments, (_, _) => default).NormalizeWhitespace("\t", "\r\n").ToFullString();
        Assert.That(bare, Is.Not.EqualTo(text));
        Assert.That(ProtocolFingerprint.Sha256(bare, file), Is.EqualTo(ProtocolFingerprint.Sha256(text, file)));
    }

    private static SyntaxToken FirstNumber(string text) =>
        CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Preview)).GetRoot().DescendantTokens()
            .FirstOrDefault(t => t.IsKind(SyntaxKind.NumericLiteralToken)
                                 && !t.Parent!.Ancestors().Any(a => a.IsKind(SyntaxKind.InterpolatedStringExpression) || a.IsKind(SyntaxKind.ThrowExpression) || a.IsKind(SyntaxKind.ThrowStatement)));

    private static IEnumerable<string> SourcesWithNumbers() =>
        Sources().Where(f => FirstNumber(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, f))) != default);

    [TestCaseSource(nameof(SourcesWithNumbers))]
    public void A_protocol_source_changes_its_fingerprint_with_a_constant(string file)
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, file));
        var number = FirstNumber(text);
        var edited = text[..number.SpanStart] + (number.Text == "1" ? "2" : "1") + text[number.Span.End..];
        Assert.That(ProtocolFingerprint.Sha256(edited, file), Is.Not.EqualTo(ProtocolFingerprint.Sha256(text, file)));
    }
}
