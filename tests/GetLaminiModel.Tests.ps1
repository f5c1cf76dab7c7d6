# Get-LaminiModel end to end against the local test server: typed objects, name filtering,
# formatting and the pipeline, path joining, default parameter values and the manifest.

BeforeDiscovery {
    $script:manifestExists = Test-Path -LiteralPath "$PSScriptRoot/../out/LaminiPS/LaminiPS.psd1"
}

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:server = Start-LaminiTestServer
    $script:conn = New-TestConnection $server
    $script:fixture = (Get-Content -Raw -LiteralPath "$PSScriptRoot/fixtures/models.json" | ConvertFrom-Json).data
    $script:tempDir = New-TestDirectory -Name 'models'
}

AfterAll {
    Stop-LaminiTestServer -Server $server
    Remove-TestDirectory $tempDir
}

Describe 'Get-LaminiModel' {
    BeforeEach {
        Reset-LaminiTestServer -Server $server
    }

    Context 'objects' {
        It 'returns one LaminiModel per model the server lists, in its order' {
            $models = Get-LaminiModel @conn
            $models | Should -HaveCount $fixture.Count
            $models | ForEach-Object { $_ | Should -BeOfType 'LaminiPS.Models.LaminiModel' }
            $models.Id | Should -Be $fixture.id
            $models.OwnedBy | Should -Be $fixture.owned_by
        }

        It 'gives Created as a UTC DateTime equal to the unix seconds the server sent' {
            $models = Get-LaminiModel @conn
            for ($i = 0; $i -lt $fixture.Count; $i++) {
                $created = $models[$i].Created
                $created | Should -BeOfType [datetime]
                $created.Kind | Should -Be ([System.DateTimeKind]::Utc)
                $created | Should -Be ([DateTimeOffset]::FromUnixTimeSeconds($fixture[$i].created).UtcDateTime)
            }
        }

        It 'gives MaxModelLength from max_model_len, and null when the server omits it' {
            $models = Get-LaminiModel @conn
            ($models | Where-Object Id -EQ 'meta-llama/Llama-3.1-8B-Instruct').MaxModelLength | Should -Be 131072
            ($models | Where-Object Id -EQ 'mistralai/Mistral-7B-Instruct-v0.3').MaxModelLength | Should -Be 32768
            ($models | Where-Object Id -EQ 'gpt-4o-mini').MaxModelLength | Should -BeNullOrEmpty
        }
    }

    Context 'lenient parsing' {
        It 'lists a model whose created value is out of range, with Created null' {
            Add-LaminiTestBehavior -Server $server -Behavior @{
                body = @{ object = 'list'; data = @(
                        @{ id = 'odd/model'; object = 'model'; created = 99999999999999999; owned_by = 'someone' }
                        @{ id = 'fine/model'; object = 'model'; created = 1741379000; owned_by = 'vllm' }
                    )
                }
            }
            $models = Get-LaminiModel @conn
            $models.Id | Should -Be @('odd/model', 'fine/model')
            $models[0].Created | Should -BeNullOrEmpty
            $models[1].Created | Should -Be ([DateTimeOffset]::FromUnixTimeSeconds(1741379000).UtcDateTime)
        }
    }

    Context 'names' {
        It 'filters with wildcards, case-insensitively' {
            $models = Get-LaminiModel *llama* @conn
            $models.Id | Should -Be @('meta-llama/Llama-3.1-8B-Instruct', 'meta-llama/Llama-3.2-3B-Instruct')
            (Get-LaminiModel *QWEN* @conn).Id | Should -Be 'Qwen/Qwen2-7B-Instruct'
        }

        It 'returns nothing and no error for a wildcard that matches nothing' {
            $models = Get-LaminiModel 'nomatch*' @conn -ErrorVariable errs
            $models | Should -BeNullOrEmpty
            $errs | Should -BeNullOrEmpty
        }

        It 'accepts several names' {
            $models = Get-LaminiModel 'gpt-4o-mini', 'mistral*' @conn
            $models.Id | Should -Be @('gpt-4o-mini', 'mistralai/Mistral-7B-Instruct-v0.3')
        }

        It 'accepts names from the pipeline and asks the server once' {
            $models = 'gpt-4o-mini', 'Qwen/Qwen2-7B-Instruct' | Get-LaminiModel @conn
            $models.Id | Should -Be @('gpt-4o-mini', 'Qwen/Qwen2-7B-Instruct')
            @(Get-LaminiTestRequest -Server $server).Count | Should -Be 1
        }

        It 'writes a non-terminating ObjectNotFound error for a literal name that is not offered, and still returns the others' {
            $models = Get-LaminiModel 'gpt-4o-mini', 'meta-llama/Nope', '*Qwen*' @conn -ErrorVariable errs -ErrorAction SilentlyContinue
            $models.Id | Should -Be @('gpt-4o-mini', 'Qwen/Qwen2-7B-Instruct')
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'ModelNotFound*'
            $errs[0].CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
            $errs[0].TargetObject | Should -Be 'meta-llama/Nope'
            $errs[0].Exception.Message | Should -BeLike '*meta-llama/Nope*'
        }

        It 'raises the missing name as ModelNotFound under -ErrorAction Stop' {
            { Get-LaminiModel 'meta-llama/Nope' @conn -ErrorAction Stop } | Should -Throw -ErrorId 'ModelNotFound*'
        }
    }

    Context 'formatting and the pipeline' {
        It 'shows Id, OwnedBy and Created in the default table' {
            $text = Get-LaminiModel @conn | Format-Table | Out-String
            $header = ($text -split '\r?\n' | Where-Object { $_.Trim() } | Select-Object -First 1)
            $header | Should -Match '\bId\b'
            $header | Should -Match '\bOwnedBy\b'
            $header | Should -Match '\bCreated\b'
            $text | Should -Match 'meta-llama/Llama-3\.1-8B-Instruct'
            $text | Should -Not -Match 'LaminiPS\.Models'
        }

        It 'shows the models in the default output without type names' {
            $text = Get-LaminiModel @conn | Out-String
            $text | Should -Match 'gpt-4o-mini'
            $text | Should -Match 'OwnedBy'
            $text | Should -Not -Match 'LaminiPS\.Models'
        }

        It 'works with Select-Object, Where-Object and Sort-Object' {
            $picked = Get-LaminiModel @conn |
                Where-Object { $_.MaxModelLength -ge 100000 } |
                Sort-Object Id -Descending |
                Select-Object Id, MaxModelLength
            $picked.Id | Should -Be @('meta-llama/Llama-3.2-3B-Instruct', 'meta-llama/Llama-3.1-8B-Instruct')
            $picked.MaxModelLength | Should -Be @(131072, 131072)

            $newest = Get-LaminiModel @conn | Sort-Object Created -Descending | Select-Object -First 1
            $newest.Id | Should -Be 'Qwen/Qwen2-7B-Instruct'

            (Get-LaminiModel @conn | Where-Object OwnedBy -EQ 'openai').Id | Should -Be 'gpt-4o-mini'
        }

        It 'exports to CSV with plain columns and values' {
            $csv = Join-Path $tempDir 'models.csv'
            Get-LaminiModel @conn | Export-Csv -LiteralPath $csv -NoTypeInformation
            $text = Get-Content -Raw -LiteralPath $csv
            $text | Should -Not -Match '#TYPE'
            $text | Should -Not -Match 'System\.|LaminiPS\.|JsonElement|ValueKind'
            $rows = Import-Csv -LiteralPath $csv
            $rows | Should -HaveCount $fixture.Count
            $columns = $rows[0].PSObject.Properties.Name
            foreach ($column in 'Id', 'OwnedBy', 'Created', 'MaxModelLength') {
                $columns | Should -Contain $column
            }
            $rows.Id | Should -Be $fixture.id
            $rows[0].MaxModelLength | Should -Be '131072'
            $rows[0].Created | Should -Not -BeNullOrEmpty
        }

        It 'converts to JSON with plain values (no JsonElement noise)' {
            $json = Get-LaminiModel @conn | ConvertTo-Json -Depth 5
            $json | Should -Not -Match 'ValueKind|JsonElement|LaminiPS\.'
            $back = $json | ConvertFrom-Json
            $back | Should -HaveCount $fixture.Count
            $back[0].Id | Should -Be 'meta-llama/Llama-3.1-8B-Instruct'
            $back[0].OwnedBy | Should -Be 'vllm'
            $back[0].MaxModelLength | Should -Be 131072
            $back[-1].MaxModelLength | Should -BeNullOrEmpty
            ([datetime]$back[0].Created).ToUniversalTime() |
                Should -Be ([DateTimeOffset]::FromUnixTimeSeconds($fixture[0].created).UtcDateTime)
        }
    }

    Context 'connection' {
        It 'requests /inf/models for a base URI with <Form>' -ForEach @(
            @{ Form = 'no trailing slash'; Suffix = '' }
            @{ Form = 'trailing slash'; Suffix = '/' }
        ) {
            $base = [uri]($server.BaseUri.AbsoluteUri.TrimEnd('/') + $Suffix)
            Get-LaminiModel -BaseUri $base -ApiKey $server.SecureApiKey | Should -HaveCount $fixture.Count
            $requests = @(Get-LaminiTestRequest -Server $server)
            $requests | Should -HaveCount 1
            $requests[0].method | Should -Be 'GET'
            $requests[0].path | Should -BeExactly '/inf/models'
            $requests[0].path | Should -Not -Match '//'
        }

        It 'takes -BaseUri and -ApiKey from $PSDefaultParameterValues' {
            $PSDefaultParameterValues = @{
                'Get-LaminiModel:BaseUri' = $server.BaseUri
                'Get-LaminiModel:ApiKey'  = $server.SecureApiKey
            }
            $models = Get-LaminiModel
            $models | Should -HaveCount $fixture.Count
            (Get-LaminiTestRequest -Server $server).path | Should -Be '/inf/models'
        }
    }

    Context 'manifest' -Skip:(-not $manifestExists) {
        It 'passes Test-ModuleManifest' {
            { Test-ModuleManifest -Path (Get-LaminiManifestPath) -ErrorAction Stop } | Should -Not -Throw
        }

        It 'exports exactly the cmdlets the module defines' {
            $manifest = Test-ModuleManifest -Path (Get-LaminiManifestPath) -ErrorAction Stop
            $listed = @($manifest.ExportedCmdlets.Keys | Sort-Object)
            $module = Get-Module LaminiPS
            $defined = @($module.ImplementingAssembly.GetExportedTypes() |
                ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
                ForEach-Object { "$($_.VerbName)-$($_.NounName)" } |
                Sort-Object)
            $listed | Should -Be $defined
            @(Get-Command -Module LaminiPS -CommandType Cmdlet | ForEach-Object Name | Sort-Object) | Should -Be $defined
        }
    }
}
