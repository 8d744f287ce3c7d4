using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Tests.Tokenization;

/// <summary>
/// Our WordPiece alignment against Hugging Face's BertTokenizerFast(is_split_into_words=True) on every EWT dev
/// sentence. The only allowed difference is a word with no HF token at all, which we map to [UNK].
/// </summary>
[TestFixture]
public class WordPieceParityTests
{
    private static List<HfEncoded>? _reference;
    private static List<HfEncoded> Reference => _reference ??= HfReference.Load(HfReference.DevReferencePath);

    [TestCase(false, TestName = "Parity_AllDevSentences_LfVocab")]
    [TestCase(true, TestName = "Parity_AllDevSentences_CrlfVocab")]
    public void EveryDevSentenceMatchesHuggingFace(bool crlfVocab)
    {
        string vocab = HfReference.VocabPath;
        string? tempDir = null;
        if (crlfVocab)
        {
            tempDir = Directory.CreateTempSubdirectory("poslf-vocab-").FullName;
            vocab = Path.Combine(tempDir, "vocab.txt");
            File.WriteAllText(vocab, string.Join("\r\n", File.ReadAllLines(HfReference.VocabPath)) + "\r\n");
        }
        try
        {
            var aligner = WordPieceAligner.FromVocab(vocab, lowercase: true);
            int equal = 0, deliberate = 0;
            var mismatches = new List<string>();
            for (int i = 0; i < Reference.Count; i++)
            {
                var expected = Reference[i];
                var actual = aligner.Encode(expected.Words);
                if (actual.InputIds.SequenceEqual(expected.InputIds) && actual.WordIds.SequenceEqual(expected.WordIds))
                {
                    equal++;
                }
                else if (HfReference.ExpectedWithUnkForEmptyWords(expected, aligner.UnkId) is var patched
                         && actual.InputIds.SequenceEqual(patched.InputIds) && actual.WordIds.SequenceEqual(patched.WordIds))
                {
                    deliberate++;
                    TestContext.Out.WriteLine($"sentence {i}: deliberate difference, a word without HF tokens became [UNK]");
                }
                else if (mismatches.Count < 10)
                {
                    mismatches.Add($"sentence {i}: words [{string.Join(" | ", expected.Words)}]\n  hf  [{string.Join(",", expected.InputIds)}]\n  ours[{string.Join(",", actual.InputIds)}]");
                }
            }
            TestContext.Out.WriteLine($"parity: {equal}/{Reference.Count} identical, {deliberate} deliberate differences");
            Assert.That(Reference, Has.Count.EqualTo(2001));
            Assert.That(mismatches, Is.Empty, string.Join("\n", mismatches));
            Assert.That(equal + deliberate, Is.EqualTo(2001));
        }
        finally
        {
            if (tempDir is not null) Directory.Delete(tempDir, recursive: true);
        }
    }
}
