using System.CommandLine;
using POSLayerFreeze.Data;

namespace POSLayerFreeze.Cli.Commands;

/// <summary><c>poslf data fetch|verify</c>: obtain UD English EWT into the per-user cache, or check any folder.</summary>
public static class DataCommands
{
    public static Command Create()
    {
        var command = new Command("data", "Download or verify UD English EWT (release 2.16 snapshot, pinned commit).");
        command.Subcommands.Add(CreateFetch());
        command.Subcommands.Add(CreateVerify());
        return command;
    }

    private static Command CreateFetch()
    {
        var dest = new Option<string?>("--dest") { Description = "Destination folder (default: the per-user cache that --data-dir falls back to)." };
        var baseUrl = new Option<string?>("--base-url") { Description = $"Where the en_ewt-ud-*.conllu files are (http(s) or file://; default ${DatasetFetcher.BaseUrlVariable}, else {DatasetFetcher.DefaultBaseUrl})." };
        var command = new Command("fetch", "Download train/dev/test, check each sha256 and place only verified files.");
        command.Options.Add(dest);
        command.Options.Add(baseUrl);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var destination = parse.GetValue(dest) ?? DatasetLocator.UserCacheDirectory();
            using var http = DatasetFetcher.CreateHttpClient();
            try
            {
                var placed = await new DatasetFetcher(http, DatasetFetcher.ResolveBaseUrl(parse.GetValue(baseUrl))).FetchAsync(destination, Console.Out, cancellationToken).ConfigureAwait(false);
                Console.WriteLine($"data fetch: {placed.Count} files verified in {destination}");
                return 0;
            }
            catch (Exception e) when (e is HttpRequestException or InvalidDataException or IOException)
            {
                await Console.Error.WriteLineAsync($"data fetch failed: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    private static Command CreateVerify()
    {
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder to check (default: $POSLF_DATA_DIR, else the per-user cache)." };
        var command = new Command("verify", "Check the sha256 of each split's uncompressed content (.conllu or .conllu.gz).");
        command.Options.Add(dataDir);
        command.SetAction(parse =>
        {
            var located = DatasetLocator.ResolveDirectory(parse.GetValue(dataDir));
            var results = DatasetFetcher.Verify(located.Directory);
            foreach (var r in results)
            {
                Console.WriteLine(r.Ok ? $"ok    {r.Split,-5}  {r.Path}" : $"FAIL  {r.Split,-5}  {r.Problem}");
            }
            if (results.All(r => r.Ok))
            {
                Console.WriteLine($"data verify: all splits match in {located.Directory}");
                return 0;
            }
            Console.Error.WriteLine(
                $"data verify: {located.Directory} does not hold the expected files. Use --data-dir or {DatasetLocator.EnvironmentVariable} " +
                "to point at another folder, or run `poslf data fetch` to download them into the per-user cache.");
            return 1;
        });
        return command;
    }
}
