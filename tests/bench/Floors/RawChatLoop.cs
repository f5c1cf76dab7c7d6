using System.Net.Http.Headers;
using System.Text.Json;

namespace LaminiBench;

/// <summary>
/// The per-request floor: what a competent C# programmer writes in a few lines. One HttpClient,
/// sequential POST &lt;base&gt;/chat/completions with the body LaminiPS sends, each reply read and its
/// content taken out with JsonDocument.
/// </summary>
public sealed class RawChatLoop : IDisposable
{
    private readonly HttpClient _http = new();
    private readonly Uri _uri;
    private readonly string _model;

    public RawChatLoop(Uri baseUri, string key, string model)
    {
        _uri = new Uri(baseUri.AbsoluteUri.TrimEnd('/') + "/chat/completions");
        _model = model;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    }

    /// <summary>Sends every prompt, one after another; returns the replies' contents in order.</summary>
    public string?[] Run(string[] prompts) => RunAsync(prompts).GetAwaiter().GetResult();

    public void Dispose() => _http.Dispose();

    private async Task<string?[]> RunAsync(string[] prompts)
    {
        var replies = new string?[prompts.Length];
        for (var i = 0; i < prompts.Length; i++)
        {
            replies[i] = await ChatAsync(prompts[i]).ConfigureAwait(false);
        }

        return replies;
    }

    private async Task<string?> ChatAsync(string prompt)
    {
        using var content = new ByteArrayContent(ChatBody.For(_model, prompt, stream: false));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.PostAsync(_uri, content).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
    }
}
