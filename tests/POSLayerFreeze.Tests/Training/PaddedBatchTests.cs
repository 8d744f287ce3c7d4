using POSLayerFreeze.Data;
using POSLayerFreeze.Tokenization;
using POSLayerFreeze.Training;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Training;

/// <summary>PaddedBatch's argument checks and its padding with a pad id that is not 0 (BERT's is 0, so a forgotten
/// fill would pass every test that pads with 0).</summary>
[TestFixture]
public sealed class PaddedBatchTests
{
    private static readonly SentenceWindow[] Windows =
    [
        new([101, 7, 8, 102], [-100, 3, 4, -100], [-1, 0, 1, -1], 0, 2),
        new([101, 9, 102], [-100, 5, -100], [-1, 0, -1], 0, 1),
    ];

    [Test]
    public void NamesTheBadArgument()
    {
        Assert.That(() => PaddedBatch.Of(null!, [0], padId: 0),
            Throws.TypeOf<ArgumentNullException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo("windows"));
        Assert.That(() => PaddedBatch.Of(Windows, null!, padId: 0),
            Throws.TypeOf<ArgumentNullException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo("batch"));
        Assert.That(() => PaddedBatch.Of(Windows, [], padId: 0),
            Throws.TypeOf<ArgumentException>().With.Message.EqualTo("a batch needs at least one window (Parameter 'batch')")
                .And.Property(nameof(ArgumentException.ParamName)).EqualTo("batch"));
    }

    [Test]
    public void PadsWithTheGivenPadIdAndUploadsRowMajor()
    {
        var batch = PaddedBatch.Of(Windows, [1, 0, 1], padId: 7);
        Assert.That((batch.BatchSize, batch.Length), Is.EqualTo((3, 4)));
        Assert.That(batch.InputIds, Is.EqualTo(new long[] { 101, 9, 102, 7, 101, 7, 8, 102, 101, 9, 102, 7 }));
        Assert.That(batch.AttentionMask, Is.EqualTo(new long[] { 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0 }));
        Assert.That(batch.Labels, Is.EqualTo(new long[] { -100, 5, -100, Upos.IgnoreIndex, -100, 3, 4, -100, -100, 5, -100, Upos.IgnoreIndex }));
        var (ids, mask, labels) = batch.ToDevice(CPU);
        using (ids)
        using (mask)
        using (labels)
        {
            Assert.That(ids.shape, Is.EqualTo(new long[] { 3, 4 }));
            Assert.That(ids[0, 3].item<long>(), Is.EqualTo(7));
            Assert.That(mask.data<long>().ToArray(), Is.EqualTo(batch.AttentionMask));
            Assert.That(labels.data<long>().ToArray(), Is.EqualTo(batch.Labels));
        }
    }
}
