using System.Collections.Generic;

namespace LaminiPS.Client;

/// <summary>
/// A top-level field of the chat request body that LaminiPS writes itself, declared here once: the
/// request writers write it by <see cref="Name"/>, and -AdditionalParameters refuses every one in
/// <see cref="All"/>, so no field can be added to the one without the other.
/// </summary>
/// <remarks>
/// <see cref="SetBy"/> names the Invoke-LaminiChat parameter that sets the field. That is the
/// command's vocabulary inside the client, but only as text for a message, and keeping it beside the
/// wire name means a field cannot be declared without saying how the user sets it; a second table
/// in Commands/ could fall behind this one.
/// </remarks>
internal sealed class ChatRequestField
{
    // Before the fields: static initialisers run in text order, and each field adds itself to it.
    private static readonly List<ChatRequestField> s_all = new();

    public static readonly ChatRequestField Model = new("model", "-Model");
    public static readonly ChatRequestField Messages = new("messages", "-Prompt or -Messages");
    public static readonly ChatRequestField Temperature = new("temperature", "-Temperature");
    public static readonly ChatRequestField TopP = new("top_p", "-TopP");
    public static readonly ChatRequestField MaxTokens = new("max_tokens", "-MaxTokens");
    public static readonly ChatRequestField Stop = new("stop", "-Stop");
    public static readonly ChatRequestField Seed = new("seed", "-Seed");
    public static readonly ChatRequestField PresencePenalty = new("presence_penalty", "-PresencePenalty");
    public static readonly ChatRequestField FrequencyPenalty = new("frequency_penalty", "-FrequencyPenalty");
    public static readonly ChatRequestField Count = new("n", "-Count");
    public static readonly ChatRequestField Cache = new("cache", "-CacheTtl");
    public static readonly ChatRequestField ResponseFormat = new("response_format", "-JsonSchema or -JsonObject");
    public static readonly ChatRequestField Tools = new("tools", "-Tool");
    public static readonly ChatRequestField ToolChoice = new("tool_choice", "-ToolChoice");
    public static readonly ChatRequestField Stream = new("stream", "-Stream");
    public static readonly ChatRequestField StreamOptions = new("stream_options", "-Stream");

    private ChatRequestField(string name, string setBy)
    {
        Name = name;
        SetBy = setBy;
        s_all.Add(this);
    }

    /// <summary>Every field declared above.</summary>
    public static IReadOnlyList<ChatRequestField> All => s_all;

    /// <summary>The field's name on the wire.</summary>
    public string Name { get; }

    /// <summary>The Invoke-LaminiChat parameter (or parameters) that set the field, as a user would type them.</summary>
    public string SetBy { get; }
}
