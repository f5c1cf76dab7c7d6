#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# TLS against the test server over HTTPS with a self-signed certificate made in memory at startup:
# without -SkipCertificateCheck the certificate is rejected, with it the call succeeds, and the two
# settings use separate HttpClients, so accepting any certificate once does not leak into later calls.

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:server = Start-LaminiTestServer -Https
    $script:conn = New-TestConnection $server @{ MaximumRetryCount = 0 }
    $script:fixture = (Get-Content -Raw -LiteralPath "$PSScriptRoot/fixtures/models.json" | ConvertFrom-Json).data

    # The messages of an exception and all its inner exceptions.
    function Get-ExceptionChain([Exception] $Exception) {
        for ($e = $Exception; $null -ne $e; $e = $e.InnerException) { $e.Message }
    }
}

AfterAll {
    Stop-LaminiTestServer -Server $server
}

# Skipped on Windows PowerShell 5.1: its Invoke-RestMethod cannot accept the server's certificate for
# the admin calls alone, and accepting it process-wide would accept it for LaminiPS too.
Describe 'HTTPS with a self-signed certificate' -Skip:($PSVersionTable.PSEdition -eq 'Desktop') {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
    }

    It 'serves https on 127.0.0.1' {
        $server.BaseUri.Scheme | Should -Be 'https'
        $server.RootUri.Host | Should -Be '127.0.0.1'
    }

    It 'rejects the certificate without -SkipCertificateCheck' {
        $failure = Get-Failure { Get-LaminiModel @conn -ErrorAction Stop }
        $failure.FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed*'
        $chain = Get-ExceptionChain $failure.Exception
        if ($chain -match 'certificate|SSL|TLS') {
            $failure.Exception.Message | Should -Match 'certificate|SSL|TLS'
        }
        # The handshake fails before any request reaches the server.
        (Get-LaminiTestStats -Server $server).total | Should -Be 0
    }

    It 'fails with -ErrorId ConnectionFailed*' {
        { Get-LaminiModel @conn -ErrorAction Stop } | Should -Throw -ErrorId 'ConnectionFailed*'
    }

    It 'returns the models with -SkipCertificateCheck' {
        $models = Get-LaminiModel @conn -SkipCertificateCheck
        $models | Should -HaveCount $fixture.Count
        $models.Id | Should -Be $fixture.id
    }

    It 'chats with -SkipCertificateCheck' {
        $reply = Invoke-LaminiChat 'hi' @conn -SkipCertificateCheck
        $reply | Should -Not -BeNullOrEmpty
        $reply.Content | Should -Not -BeNullOrEmpty
        @(Get-LaminiTestRequest -Server $server -Path '*/chat/completions') | Should -HaveCount 1
    }

    It 'does not leak -SkipCertificateCheck into a later call without it' {
        $null = Get-LaminiModel @conn -SkipCertificateCheck
        { Get-LaminiModel @conn -ErrorAction Stop } | Should -Throw -ErrorId 'ConnectionFailed*'
        { Invoke-LaminiChat 'hi' @conn -ErrorAction Stop } | Should -Throw -ErrorId 'ConnectionFailed*'
        # And the reverse: a rejected call does not spoil the accepting client.
        Get-LaminiModel @conn -SkipCertificateCheck | Should -HaveCount $fixture.Count
    }
}

# What users read when a request got no answer is our sentences joined around a message from .NET or
# the operating system, which ends with a full stop of its own or not, depending on the platform.
Describe 'The message of a request that got no answer' {
    BeforeAll {
        $script:plain = Start-LaminiTestServer
        # A loopback port nobody listens on: connections are refused at once.
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $script:closedPort = $listener.LocalEndpoint.Port
        $listener.Stop()
    }

    AfterAll {
        Stop-LaminiTestServer -Server $plain
    }

    It '<Name>: <ErrorId> whose message has no doubled full stop and ends with one mark, from Get-LaminiModel and Invoke-LaminiChat' -ForEach @(
        @{ Name = 'connection refused, retried once'; ErrorId = 'ConnectionFailed'
            Parameters = { @{ BaseUri = "http://127.0.0.1:$closedPort/inf"; AllowUnencryptedAuthentication = $true; MaximumRetryCount = 1; RetryIntervalSec = 0.05 } } }
        @{ Name = 'a host name that does not resolve'; ErrorId = 'ConnectionFailed'
            Parameters = { @{ BaseUri = 'http://lamini-test.invalid/inf'; AllowUnencryptedAuthentication = $true } } }
        @{ Name = 'an untrusted certificate'; ErrorId = 'ConnectionFailed'
            Parameters = { @{ BaseUri = $server.BaseUri } } }
        @{ Name = 'https to a server that speaks http'; ErrorId = 'ConnectionFailed'
            Parameters = { @{ BaseUri = $plain.BaseUri.AbsoluteUri -replace '^http:', 'https:' } } }
        @{ Name = 'no answer within -TimeoutSec'; ErrorId = 'Timeout'
            Parameters = { @{ BaseUri = $plain.BaseUri; TimeoutSec = 1 } }; Behavior = @{ delayMs = 5000; times = 2 } }
    ) {
        if ($Behavior) { Add-LaminiTestBehavior -Server $plain -Behavior $Behavior }
        $splat = Join-Splat @{ ApiKey = $server.SecureApiKey; MaximumRetryCount = 0 } (& $Parameters)

        $failures = @(
            Get-Failure { Get-LaminiModel @splat -ErrorAction Stop }
            Get-Failure { Invoke-LaminiChat 'hi' @splat -ErrorAction Stop }
        )

        foreach ($failure in $failures) {
            $failure.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
            # The exception's message, and the record as PowerShell shows it (the chat error names its prompt).
            foreach ($message in $failure.Exception.Message, "$failure") {
                Get-PunctuationFault $message | Should -BeNullOrEmpty
            }
        }
        "$($failures[1])" | Should -BeLike "Prompt 'hi': *"
    }
}
