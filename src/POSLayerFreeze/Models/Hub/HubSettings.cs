namespace POSLayerFreeze.Models.Hub;

/// <summary>
/// Where and how Hub models are fetched, from the environment variables huggingface_hub reads: <c>HF_ENDPOINT</c>
/// (a mirror), <c>HF_HUB_CACHE</c> else <c>HF_HOME/hub</c> else <c>~/.cache/huggingface/hub</c>, <c>HF_TOKEN</c>
/// (gated and private repositories) and <c>HF_HUB_OFFLINE</c> (no request at all; the cache only).
/// </summary>
/// <param name="Token">Sent as a bearer token to the endpoint's host only; never written anywhere.</param>
/// <param name="Progress">Where download progress goes (stderr by default; null: silent).</param>
public sealed record HubSettings(Uri Endpoint, string CacheDirectory, string? Token, bool Offline, TextWriter? Progress)
{
    public const string DefaultEndpoint = "https://huggingface.co";

    public static HubSettings FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    public static HubSettings FromEnvironment(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        string? Value(string name) => variable(name) is { Length: > 0 } v ? v.Trim() : null;
        var endpointText = (Value("HF_ENDPOINT") ?? DefaultEndpoint).TrimEnd('/');
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
            throw new FormatException($"HF_ENDPOINT '{endpointText}': expected an http(s) URL such as {DefaultEndpoint}");
        var cache = Value("HF_HUB_CACHE")
            ?? (Value("HF_HOME") is { } home ? Path.Combine(home, "hub") : null)
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface", "hub");
        // huggingface_hub's truthy spellings.
        var offline = Value("HF_HUB_OFFLINE")?.ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";
        return new HubSettings(endpoint, Path.GetFullPath(cache), Value("HF_TOKEN"), offline, Console.Error);
    }
}
