using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Experiments;

/// <summary>One split, read and tokenized once: gold sentences, their windows, word counts.</summary>
public sealed record TokenizedSplit(string Name, IReadOnlyList<ConlluSentence> Sentences, IReadOnlyList<SentenceWindow[]> Windows)
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
    private ExperimentData(ModelSource model, WordPieceAligner tokenizer, TrainingProfile profile, TokenizedSplit train,
        TokenizedSplit dev, TokenizedSplit test)
    {
        Model = model;
        Tokenizer = tokenizer;
        Profile = profile;
        Train = train;
        Dev = dev;
        Test = test;
    }

    public ModelSource Model { get; }
    public WordPieceAligner Tokenizer { get; }
    public TrainingProfile Profile { get; }
    public TokenizedSplit Train { get; }
    public TokenizedSplit Dev { get; }
    public TokenizedSplit Test { get; }
    public int MaxLength => Profile.MaxLength is { } m ? Math.Min(m, Model.Config.MaxPositions) : Model.Config.MaxPositions;

    /// <summary>Training windows, flattened once (a long sentence contributes several); shared by every run.</summary>
    public IReadOnlyList<SentenceWindow> TrainWindows => _trainWindows ??= Train.Windows.SelectMany(w => w).ToArray();

    private SentenceWindow[]? _trainWindows;

    public static ExperimentData Load(ModelSource model, TrainingProfile profile, EwtDataset dataset)
    {
        var tokenizer = WordPieceAligner.FromVocab(model.VocabPath, model.Lowercase);
        var maxLength = profile.MaxLength is { } m ? Math.Min(m, model.Config.MaxPositions) : model.Config.MaxPositions;
        TokenizedSplit Tokenize(string split, int? take)
        {
            var sentences = ConlluReader.Read(dataset.PathOf(split));
            var kept = (take is { } n ? sentences.Take(n) : sentences).ToArray();
            if (take is { } wanted && kept.Length < wanted)
                throw new InvalidDataException($"{dataset.PathOf(split)}: the profile wants {wanted} sentences, the file has {kept.Length}");
            var windows = kept.Select(s => tokenizer.Windows(s.Forms(), s.UposIds(), maxLength)).ToArray();
            return new TokenizedSplit(split, kept, windows);
        }
        return new ExperimentData(model, tokenizer, profile, Tokenize("train", profile.TrainSentences), Tokenize("dev", null),
            Tokenize("test", null));
    }
}
