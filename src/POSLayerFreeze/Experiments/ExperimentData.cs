using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Experiments;

/// <summary>What a split's file holds, counted as the CoNLL 2018 scorer counts words (integer IDs; the words of a
/// multiword token count, the range row and empty nodes do not).</summary>
public sealed record SplitCounts(int Sentences, int Words, int MultiwordTokens, int EmptyNodes)
{
    public static SplitCounts Of(IReadOnlyList<ConlluSentence> sentences) => new(sentences.Count, sentences.Sum(s => s.Words.Count),
        sentences.Sum(s => s.MultiwordTokens), sentences.Sum(s => s.EmptyNodes));
}

/// <summary>One split, read and tokenized once: gold sentences (those used), their windows, word counts, and the
/// counts of the whole file (train may use only a prefix of it).</summary>
public sealed record TokenizedSplit(string Name, IReadOnlyList<ConlluSentence> Sentences, IReadOnlyList<SentenceWindow[]> Windows, SplitCounts File)
{
    public IReadOnlyList<int> WordCounts { get; } = Sentences.Select(s => s.Words.Count).ToArray();
    public int Words => WordCounts.Sum();
    public IReadOnlyList<int[]> Gold { get; } = Sentences.Select(s => s.UposIds()).ToArray();
}

/// <summary>
/// Everything a sweep shares between runs and loads once: the model source, its tokenizer, and the three
/// splits tokenized for the profile's window length. Runs never re-read data.
/// </summary>
public sealed class ExperimentData
{
    private ExperimentData(ModelSource model, WordTokenizer tokenizer, TrainingProfile profile, Treebank treebank, TokenizedSplit train,
        TokenizedSplit dev, TokenizedSplit test)
    {
        Model = model;
        Treebank = treebank;
        Tokenizer = tokenizer;
        Profile = profile;
        Train = train;
        Dev = dev;
        Test = test;
    }

    public ModelSource Model { get; }
    public WordTokenizer Tokenizer { get; }
    public TrainingProfile Profile { get; }
    public Treebank Treebank { get; }
    public TokenizedSplit Train { get; }
    public TokenizedSplit Dev { get; }
    public TokenizedSplit Test { get; }
    public int MaxLength => Profile.MaxLength is { } m ? Math.Min(m, Model.Config.MaxPositions) : Model.Config.MaxPositions;

    /// <summary>Training windows, flattened once (a long sentence contributes several); shared by every run.</summary>
    public IReadOnlyList<SentenceWindow> TrainWindows => _trainWindows ??= Train.Windows.SelectMany(w => w).ToArray();

    private SentenceWindow[]? _trainWindows;

    /// <summary>
    /// Reads and tokenizes the three splits. The profile's train-sentence count is an upper bound: a treebank with
    /// fewer train sentences trains on all of them, and the count actually used is what results record.
    /// </summary>
    public static ExperimentData Load(ModelSource model, TrainingProfile profile, Treebank treebank)
    {
        ArgumentNullException.ThrowIfNull(treebank);
        var tokenizer = WordTokenizers.For(model);
        var maxLength = profile.MaxLength is { } m ? Math.Min(m, model.Config.MaxPositions) : model.Config.MaxPositions;
        TokenizedSplit Tokenize(string split, int? atMost)
        {
            // The whole file is read even when only a prefix is used, so its real counts can be recorded.
            var sentences = treebank.Load(split);
            var kept = atMost is { } n ? sentences.Take(n).ToArray() : sentences;
            var windows = kept.Select(s => tokenizer.Windows(s.Forms(), s.UposIds(), maxLength)).ToArray();
            return new TokenizedSplit(split, kept, windows, SplitCounts.Of(sentences));
        }
        return new ExperimentData(model, tokenizer, profile, treebank, Tokenize("train", profile.TrainSentences), Tokenize("dev", null),
            Tokenize("test", null));
    }

    /// <summary>The treebank as results record it: name, and per split its file, sha256 and counts.</summary>
    public RunTreebank TreebankRecord()
    {
        var identity = Treebank.Identity;
        static TreebankSplitFile Split(SplitFile file, TokenizedSplit split) => new()
        {
            File = file.FileName,
            Sha256 = file.Sha256,
            Sentences = split.File.Sentences,
            Words = split.File.Words,
            MultiwordTokens = split.File.MultiwordTokens,
            EmptyNodes = split.File.EmptyNodes,
        };
        return new RunTreebank
        {
            Name = Treebank.Name,
            Train = Split(identity.Train, Train),
            Dev = Split(identity.Dev, Dev),
            Test = Split(identity.Test, Test),
        };
    }
}
