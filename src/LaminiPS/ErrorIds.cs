namespace LaminiPS;

/// <summary>
/// Every FullyQualifiedErrorId the module raises, in one place, so the README's table and the tests
/// have a single source. PowerShell appends ",&lt;cmdlet class&gt;" to these.
/// </summary>
public static class ErrorIds
{
    // Import-Module on a .NET Framework older than 4.7.2.
    public const string UnsupportedFramework = "UnsupportedFramework";

    // Configuration and input, raised before any request.
    public const string MissingApiKey = "MissingApiKey";
    public const string InvalidApiKey = "InvalidApiKey";
    public const string InvalidConfiguration = "InvalidConfiguration";
    public const string InvalidBaseUri = "InvalidBaseUri";
    public const string UnencryptedAuthenticationRefused = "UnencryptedAuthenticationRefused";
    public const string InvalidMessage = "InvalidMessage";
    public const string AsObjectNeedsJson = "AsObjectNeedsJson";
    public const string InvalidAdditionalParameters = "InvalidAdditionalParameters";
    public const string ProxyCredentialNeedsProxy = "ProxyCredentialNeedsProxy";
    public const string ProxyCredentialConflict = "ProxyCredentialConflict";

    // Piped input, reported for the one object and raised before anything is sent for it.
    public const string PromptMissing = "PromptMissing";
    public const string InvalidPipelineInput = "InvalidPipelineInput";

    // HTTP and transport failures.
    public const string Unauthorized = "Unauthorized";
    public const string PermissionDenied = "PermissionDenied";
    public const string ProxyAuthenticationRequired = "ProxyAuthenticationRequired";
    public const string NotFound = "NotFound";
    public const string ModelNotFound = "ModelNotFound";
    public const string BadRequest = "BadRequest";
    public const string RateLimited = "RateLimited";
    public const string ServiceUnavailable = "ServiceUnavailable";
    public const string ServerError = "ServerError";
    public const string UnexpectedStatus = "UnexpectedStatus";
    public const string Redirected = "Redirected";
    public const string RetryAfterTooLong = "RetryAfterTooLong";
    public const string Timeout = "Timeout";
    public const string ConnectionFailed = "ConnectionFailed";
    public const string InvalidResponse = "InvalidResponse";
    public const string EmptyResponse = "EmptyResponse";
    public const string ResponseTooLarge = "ResponseTooLarge";
    public const string StreamError = "StreamError";
    public const string StreamTruncated = "StreamTruncated";

    // Structured output.
    public const string JsonReplyInvalid = "JsonReplyInvalid";
    public const string JsonReplySchemaMismatch = "JsonReplySchemaMismatch";
    public const string InvalidSchema = "InvalidSchema";
    public const string InvalidSchemaProperty = "InvalidSchemaProperty";
    public const string InvalidSchemaJson = "InvalidSchemaJson";
    public const string SchemaNotObject = "SchemaNotObject";
    public const string SelfReferencingType = "SelfReferencingType";
    public const string StrictSchemaViolation = "StrictSchemaViolation";
    public const string InvalidSchemaName = "InvalidSchemaName";

    // Tool calling.
    public const string InvalidTool = "InvalidTool";
    public const string InvalidToolChoice = "InvalidToolChoice";
    public const string ToolChoiceUnsupported = "ToolChoiceUnsupported";
    public const string InvokeToolNeedsTool = "InvokeToolNeedsTool";
    public const string ToolRoundLimit = "ToolRoundLimit";
    public const string InvalidToolResult = "InvalidToolResult";
}
