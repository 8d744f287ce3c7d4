using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Hostile;

/// <summary>An untrained tagger folder of the tiny model (what <c>run --save-model</c> writes), made once: tagging tests need a tagger, not a good one.</summary>
internal static class HostileTagger
{
    private static readonly Lazy<string> Saved = new(() =>
    {
        var dir = TinyWorld.TempDir("hostile-tagger");
        var source = TinyWorld.Model;
        using var model = ModelCatalog.CreateClassifier(source, Upos.Count);
        TaggerCheckpoint.Save(model, source, maxLength: 64, dir);
        return dir;
    });

    public static string Dir => Saved.Value;
}
