namespace LaminiPS.Models;

/// <summary>What went wrong with a request, independent of how PowerShell reports it.</summary>
public enum LaminiFailureKind
{
    Unauthorized,
    PermissionDenied,
    ProxyAuthenticationRequired,
    NotFound,
    ModelNotFound,
    BadRequest,
    RateLimited,
    ServiceUnavailable,
    ServerError,
    UnexpectedStatus,
    Redirected,
    RetryAfterTooLong,
    Timeout,
    ConnectionFailed,
    InvalidResponse,
    EmptyResponse,
    ResponseTooLarge,
    StreamError,
    StreamTruncated,
    ToolChoiceUnsupported,
}
