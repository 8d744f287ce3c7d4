using POSLayerFreeze.ProtocolSources;

// `record REPO_ROOT`: what eng/record-protocol-sources.sh runs. `show REPO_ROOT FILE`: the tokens a file is hashed as.
try
{
    switch (args)
    {
        case ["record", var root]:
            Console.WriteLine(ProtocolSourceSet.Record(Path.GetFullPath(root)));
            return 0;
        case ["show", var root, var file]:
            Console.Write(ProtocolFingerprint.Normalize(File.ReadAllText(Path.Combine(root, file)), file));
            return 0;
        default:
            await Console.Error.WriteLineAsync("usage: ProtocolSources record REPO_ROOT | show REPO_ROOT FILE");
            return 2;
    }
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}");
    return 1;
}
