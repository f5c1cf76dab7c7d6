using System;

namespace LaminiPS.Models;

/// <summary>
/// A failed call to the service. Carries only what is safe to show: never the request message,
/// whose headers hold the API key.
/// </summary>
public sealed class LaminiApiException : Exception
{
    public LaminiApiException(LaminiFailureKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public LaminiFailureKind Kind { get; }

    /// <summary>HTTP status code, or null when no response arrived.</summary>
    public int? StatusCode { get; init; }

    /// <summary>The error text the server sent, whatever dialect it used.</summary>
    public string? ServerMessage { get; init; }

    /// <summary>The server's request id header (x-request-id and friends), for support tickets.</summary>
    public string? RequestId { get; init; }

    /// <summary>How many attempts were made before giving up.</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>Text that reached the caller before a stream failed.</summary>
    public string? PartialContent { get; init; }

    /// <summary>The raw body of an unusable reply (kept short).</summary>
    public string? RawBody { get; init; }

    /// <summary>
    /// The messages of the chat request that failed; null for other requests. After tool rounds they hold every
    /// call and result so far: Invoke-LaminiChat -Messages sends them again, without running the tools again.
    /// </summary>
    public LaminiMessageList? Messages { get; internal set; }
}
