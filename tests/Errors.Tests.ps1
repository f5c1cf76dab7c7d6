# How HTTP failures reach the user, driven through Get-LaminiModel: every error dialect of
# tests/fixtures/errors.json plus gateway HTML and plain text, each with a fitting status. The
# error must carry the server's own message (readable, not a raw page), a stable error id and a
# fitting category; unusable 200 replies and request id headers are covered too.

BeforeDiscovery {
    $script:dialects = @(
        @{ Name = 'OpenAI nested 401'; Status = 401; Fixture = 'openai_nested_401'; Message = 'Incorrect API key provided.'; ErrorId = 'Unauthorized'; Category = 'PermissionDenied' }
        @{ Name = 'FastAPI detail string 403'; Status = 403; Fixture = 'fastapi_detail_string'; Message = 'Invalid API key'; ErrorId = 'PermissionDenied'; Category = 'PermissionDenied' }
        @{ Name = 'vLLM flat 404'; Status = 404; Fixture = 'vllm_flat_404'; Message = 'The model `meta-llama/Nope` does not exist.'; ErrorId = 'NotFound'; Category = 'ObjectNotFound' }
        @{ Name = 'vLLM flat 400'; Status = 400; Fixture = 'vllm_flat_400'; Message = "This model's maximum context length is 131072 tokens. However, you requested 140000 tokens."; ErrorId = 'BadRequest'; Category = 'InvalidArgument' }
        @{ Name = 'FastAPI validation list 422'; Status = 422; Fixture = 'fastapi_422'; Message = 'field required'; ErrorId = 'BadRequest'; Category = 'InvalidArgument' }
        @{ Name = 'LiteLLM 429'; Status = 429; Fixture = 'litellm_429'; Message = 'litellm.RateLimitError: Rate limit reached for requests'; ErrorId = 'RateLimited'; Category = 'LimitsExceeded' }
    )
}

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:server = Start-LaminiTestServer
    $script:conn = New-TestConnection $server @{ MaximumRetryCount = 0 }

    # Runs Get-LaminiModel, which must fail, and returns its ErrorRecord.
    function Get-ModelFailure([hashtable] $Extra = @{}) {
        $parameters = Join-Splat $conn $Extra
        Get-Failure { Get-LaminiModel @parameters }
    }

    $script:filler = (1..200 | ForEach-Object { "<p>Filler paragraph $_ of the gateway's generic help text.</p>" }) -join "`n"
    $script:gatewayHtml = @"
<!DOCTYPE html>
<html>
<head>
  <title>502 Bad Gateway</title>
  <style>body { font-family: sans-serif; color: #333; }</style>
  <script>window.trackingId = 'do-not-show-this-script';</script>
</head>
<body>
  <h1>Bad Gateway</h1>
  <p>The upstream inference server returned an invalid response.</p>
  $filler
</body>
</html>
"@
}

AfterAll {
    Stop-LaminiTestServer -Server $server
}

Describe 'Error replies' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
    }

    Context 'JSON error dialects' {
        It '<Name> gives the server''s message, id <ErrorId> and category <Category>' -ForEach $dialects {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = $Status; errorFixture = $Fixture }
            $failure = Get-ModelFailure
            $failure.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
            $failure.CategoryInfo.Category | Should -Be $Category
            $failure.Exception.Message | Should -BeLike "*$([WildcardPattern]::Escape($Message))*"
            # The message, not the raw JSON body around it.
            $failure.Exception.Message | Should -Not -Match '"(error|detail|object|type)"\s*:'
            $failure.Exception.Message | Should -BeLike "*$Status*"
            @(Get-LaminiTestRequest -Server $server) | Should -HaveCount 1
        }

        It 'names the field a FastAPI validation error points at' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 422; errorFixture = 'fastapi_422' }
            (Get-ModelFailure).Exception.Message | Should -BeLike '*messages*field required*'
        }

        It 'a 500 with an OpenAI-shaped body gives ServerError, ResourceUnavailable and its message' {
            Add-LaminiTestBehavior -Server $server -Behavior @{
                status = 500
                body   = @{ error = @{ message = 'The engine crashed while loading weights.'; type = 'server_error'; param = $null; code = $null } }
            }
            $failure = Get-ModelFailure
            $failure.FullyQualifiedErrorId | Should -BeLike 'ServerError,*'
            $failure.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $failure.Exception.Message | Should -BeLike '*The engine crashed while loading weights.*'
        }

        It 'a 503 with a vLLM-flat body gives ServiceUnavailable and ResourceUnavailable' {
            Add-LaminiTestBehavior -Server $server -Behavior @{
                status = 503
                body   = @{ object = 'error'; message = 'Model is warming up, try again shortly.'; type = 'ServiceUnavailableError'; param = $null; code = 503 }
            }
            $failure = Get-ModelFailure
            $failure.FullyQualifiedErrorId | Should -BeLike 'ServiceUnavailable,*'
            $failure.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $failure.Exception.Message | Should -BeLike '*Model is warming up, try again shortly.*'
        }

        It 'a 401 from the server''s own key check (wrong key) gives Unauthorized' {
            $wrong = ConvertTo-SecureString 'wrong-key-0000' -AsPlainText -Force
            $failure = Get-ModelFailure @{ ApiKey = $wrong }
            $failure.FullyQualifiedErrorId | Should -BeLike 'Unauthorized,*'
            $failure.CategoryInfo.Category | Should -Be 'PermissionDenied'
            $failure.Exception.Message | Should -BeLike '*Incorrect API key provided.*'
        }
    }

    Context 'gateway pages' {
        It 'a 502 HTML page gives ServerError with a readable excerpt, not the page' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 502; rawBody = $gatewayHtml; contentType = 'text/html; charset=utf-8' }
            $failure = Get-ModelFailure
            $failure.FullyQualifiedErrorId | Should -BeLike 'ServerError,*'
            $failure.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $message = $failure.Exception.Message
            $message | Should -BeLike '*502 Bad Gateway*'
            $message | Should -BeLike '*The upstream inference server returned an invalid response.*'
            $message | Should -Not -Match '<[a-zA-Z/!]'
            $message | Should -Not -BeLike '*do-not-show-this-script*'
            $message | Should -Not -BeLike '*font-family*'
            $message | Should -Not -BeLike '*Filler paragraph 200*'
            $message.Length | Should -BeLessThan 1000
        }

        It 'does not repeat the page title when the page''s heading repeats it' {
            $nginx = '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>'
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 502; rawBody = $nginx; contentType = 'text/html' }
            $message = (Get-ModelFailure).Exception.Message
            $message | Should -BeLike '*502 Bad Gateway*nginx*'
            ([regex]::Matches($message, '502 Bad Gateway')).Count | Should -BeLessOrEqual 2 -Because 'the status line may name it once and the page excerpt once'
            $message | Should -Not -BeLike '*502 Bad Gateway: 502 Bad Gateway*'
        }

        It 'a 503 plain-text body gives ServiceUnavailable with the text' {
            Add-LaminiTestBehavior -Server $server -Behavior @{
                status = 503; contentType = 'text/plain'
                rawBody = "upstream connect error or disconnect/reset before headers. reset reason: connection termination"
            }
            $failure = Get-ModelFailure
            $failure.FullyQualifiedErrorId | Should -BeLike 'ServiceUnavailable,*'
            $failure.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $failure.Exception.Message | Should -BeLike '*upstream connect error or disconnect/reset before headers*'
        }

        It 'a 500 plain-text body gives ServerError with the text' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 500; contentType = 'text/plain'; rawBody = 'Internal Server Error' }
            $failure = Get-ModelFailure
            $failure.FullyQualifiedErrorId | Should -BeLike 'ServerError,*'
            $failure.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $failure.Exception.Message | Should -BeLike '*Internal Server Error*'
        }

        It 'a long plain-text body is cut to an excerpt' {
            $long = 'Service temporarily overloaded. ' + ('x' * 20000) + ' END-OF-BODY'
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 502; contentType = 'text/plain'; rawBody = $long }
            $message = (Get-ModelFailure).Exception.Message
            $message | Should -BeLike '*Service temporarily overloaded.*'
            $message | Should -Not -BeLike '*END-OF-BODY*'
            $message.Length | Should -BeLessThan 1000
        }

        It 'a bare status with no body still says what happened' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 502 }
            $failure = Get-ModelFailure
            $failure.FullyQualifiedErrorId | Should -BeLike 'ServerError,*'
            $failure.Exception.Message | Should -BeLike '*502*'
        }
    }

    Context 'unusable 200 replies' {
        It 'malformed JSON gives InvalidResponse and InvalidResult (<Name>)' -ForEach @(
            @{ Name = 'cut off'; Body = '{"object":"list","data":[{"id":"meta-llama/Llama' }
            @{ Name = 'not JSON'; Body = 'this is not json' }
            @{ Name = 'no data array'; Body = '{"object":"list"}' }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ rawBody = $Body }
            $failure = Get-ModelFailure
            $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidResponse,*'
            $failure.CategoryInfo.Category | Should -Be 'InvalidResult'
        }

        It 'an empty body gives EmptyResponse and InvalidResult' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ rawBody = '' }
            $failure = Get-ModelFailure
            $failure.FullyQualifiedErrorId | Should -BeLike 'EmptyResponse,*'
            $failure.CategoryInfo.Category | Should -Be 'InvalidResult'
        }
    }

    Context 'request ids and attempts' {
        It 'puts the x-request-id header of a <Status> into the message' -ForEach @(
            @{ Status = 500; Fixture = $null }
            @{ Status = 400; Fixture = 'vllm_flat_400' }
            @{ Status = 429; Fixture = 'litellm_429' }
        ) {
            $behavior = @{ status = $Status; headers = @{ 'x-request-id' = "req-$Status-7f3a9c" } }
            if ($Fixture) { $behavior.errorFixture = $Fixture }
            Add-LaminiTestBehavior -Server $server -Behavior $behavior
            (Get-ModelFailure).Exception.Message | Should -BeLike "*req-$Status-7f3a9c*"
        }

        It 'does not retry a <Status>, even with retries allowed' -ForEach @(
            @{ Status = 400 }, @{ Status = 401 }, @{ Status = 403 }, @{ Status = 404 }, @{ Status = 422 }
        ) {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = $Status; times = -1 }
            $null = Get-ModelFailure @{ MaximumRetryCount = 2; RetryIntervalSec = 0.01 }
            @(Get-LaminiTestRequest -Server $server) | Should -HaveCount 1
        }

        It 'after retrying a 503 says how many attempts were made' {
            Add-LaminiTestBehavior -Server $server -Behavior @{ status = 503; times = -1; headers = @{ 'x-request-id' = 'req-final-42' } }
            $failure = Get-ModelFailure @{ MaximumRetryCount = 2; RetryIntervalSec = 0.01 }
            @(Get-LaminiTestRequest -Server $server) | Should -HaveCount 3
            $failure.FullyQualifiedErrorId | Should -BeLike 'ServiceUnavailable,*'
            $failure.Exception.Message | Should -BeLike '*3 attempts*'
            $failure.Exception.Message | Should -BeLike '*req-final-42*'
        }
    }
}
