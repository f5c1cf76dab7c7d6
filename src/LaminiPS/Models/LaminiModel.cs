using System;

namespace LaminiPS.Models;

/// <summary>A model the service offers, as listed by GET /models.</summary>
public sealed class LaminiModel
{
    public string Id { get; internal set; } = string.Empty;

    public string? OwnedBy { get; internal set; }

    /// <summary>When the model was published, in UTC; null when the server does not say.</summary>
    public DateTime? Created { get; internal set; }

    /// <summary>Context window in tokens (vLLM's max_model_len); null for third-party models.</summary>
    public int? MaxModelLength { get; internal set; }

    public string? Root { get; internal set; }

    public string? Parent { get; internal set; }

    public override string ToString() => Id;
}
