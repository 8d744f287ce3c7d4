using System.IO.Compression;
using System.Text.Json;

namespace POSLayerFreeze.Tests.Tokenization;

/// <summary>One line of a WordPiece JSONL file (the HF fixture or our `poslf tokenize` output).</summary>
internal sealed record HfEncoded(string[] Words, int[] InputIds, int?[] WordIds);

internal static class HfReference
{
    public static string VocabPath => Path.Combine(TestPaths.FixturesDir, "bert-base-uncased-vocab.txt");

    public static string DevReferencePath => Path.Combine(TestPaths.FixturesDir, "ewt-dev-hf-wordpiece.jsonl.gz");

    public static List<HfEncoded> Load(string path)
    {
        using var file = File.OpenRead(path);
        using Stream content = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(content);
        var rows = new List<HfEncoded>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            rows.Add(new HfEncoded(
                [.. root.GetProperty("words").EnumerateArray().Select(e => e.GetString()!)],
                [.. root.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32())],
                [.. root.GetProperty("word_ids").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? (int?)null : e.GetInt32())]));
        }
        return rows;
    }

    /// <summary>HF output with one [UNK] inserted for each word that got no token (our rule).</summary>
    public static HfEncoded ExpectedWithUnkForEmptyWords(HfEncoded hf, int unkId)
    {
        var ids = new List<int>();
        var wordIds = new List<int?>();
        int next = 0;
        for (int t = 0; t < hf.InputIds.Length; t++)
        {
            var w = hf.WordIds[t];
            if (w is int word)
            {
                for (; next < word; next++) { ids.Add(unkId); wordIds.Add(next); }
                next = word + 1;
            }
            else if (t == hf.InputIds.Length - 1)
            {
                for (; next < hf.Words.Length; next++) { ids.Add(unkId); wordIds.Add(next); }
            }
            ids.Add(hf.InputIds[t]);
            wordIds.Add(w);
        }
        return hf with { InputIds = [.. ids], WordIds = [.. wordIds] };
    }
}
