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
}
