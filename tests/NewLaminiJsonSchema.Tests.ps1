#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# New-LaminiJsonSchema and the JSON pieces behind structured output (schema checks, PowerShell <-> JSON,
# reply validation), all through the cmdlets: what Invoke-LaminiChat sends (read from the test server's
# record) and what it gives back. Runs against the built module in out/LaminiPS.

BeforeDiscovery {
    # Each keyword that holds schemas, as a member of an object schema: <S> stands for the schema under it,
    # Path for where messages place that schema. (properties and additionalProperties have cases of their own.)
    $SchemaPlaces = @(
        @{ Member = '"items":<S>'; Path = '[]' }
        @{ Member = '"items":[<S>]'; Path = '[]' }
        @{ Member = '"prefixItems":[true,<S>]'; Path = 'prefixItems[1]' }
        @{ Member = '"anyOf":[<S>]'; Path = 'anyOf[0]' }
        @{ Member = '"oneOf":[<S>]'; Path = 'oneOf[0]' }
        @{ Member = '"allOf":[<S>]'; Path = 'allOf[0]' }
        @{ Member = '"not":<S>'; Path = 'not' }
        @{ Member = '"if":<S>'; Path = 'if' }
        @{ Member = '"then":<S>'; Path = 'then' }
        @{ Member = '"else":<S>'; Path = 'else' }
        @{ Member = '"contains":<S>'; Path = 'contains' }
        @{ Member = '"propertyNames":<S>'; Path = 'propertyNames' }
        @{ Member = '"unevaluatedItems":<S>'; Path = 'unevaluatedItems' }
        @{ Member = '"unevaluatedProperties":<S>'; Path = 'unevaluatedProperties' }
        @{ Member = '"$defs":{"d":<S>}'; Path = '$defs.d' }
        @{ Member = '"definitions":{"d":<S>}'; Path = 'definitions.d' }
        @{ Member = '"patternProperties":{"^x":<S>}'; Path = 'patternProperties.^x' }
        @{ Member = '"dependentSchemas":{"id":<S>}'; Path = 'dependentSchemas.id' }
    )
}

BeforeAll {
    Import-Module "$PSScriptRoot/Common.psm1" -Force
    Import-LaminiTestModule
    $script:server = Start-LaminiTestServer
    $script:conn = New-TestConnection $server @{ MaximumRetryCount = 0 }

    # The seed document's JSON Output example (Lamini's OpenAI-compatible API docs).
    $SeedSchema = '{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}'
    $SeedResponseFormat = '{"type":"json_schema","json_schema":{"name":"json_response","schema":' + $SeedSchema + '}}'

    # The JSON of one property of a schema made from -Property @{ p = $Description }.
    function Get-PropertyJson($Description, [switch] $Strict) {
        (New-LaminiJsonSchema -Property @{ p = $Description } -Strict:$Strict).Schema['properties']['p'] | ConvertTo-Json -Depth 20 -Compress
    }

    # Runs $Command, which sends one chat request to the test server, and returns the member $Name of
    # the request body exactly as it was written on the wire.
    function Get-SentMember([string] $Name, [scriptblock] $Command) {
        Reset-LaminiTestServer -Server $server
        $null = & $Command
        $document = [System.Text.Json.JsonDocument]::Parse((Get-ChatRequest $server)[-1].body)
        try {
            $document.RootElement.GetProperty($Name).GetRawText()
        } finally {
            $document.Dispose()
        }
    }

    # The response_format Invoke-LaminiChat -JsonSchema $Schema sends (the echoed reply is not JSON: ignored).
    function Get-ResponseFormat($Schema) {
        Get-SentMember 'response_format' { Invoke-LaminiChat 'q' -JsonSchema $Schema @conn -ErrorAction Ignore }
    }

    # Invoke-LaminiChat's answer when the model replies $Text, with -JsonSchema $Schema (or -JsonObject
    # without one): the reply, and the errors it wrote.
    function Invoke-JsonReply([string] $Text, $Schema) {
        Reset-LaminiTestServer -Server $server
        Add-LaminiTestBehavior -Server $server -Behavior @{ content = $Text }
        $format = if ($null -ne $Schema) { @{ JsonSchema = $Schema } } else { @{ JsonObject = $true } }
        Invoke-Captured { Invoke-LaminiChat 'q' @format @conn -ErrorAction Continue }
    }

    # PowerShell classes for -Type. Defined at run time so that test discovery does not need them.
    $Types = & ([scriptblock]::Create(@'
enum Temperament { Calm; Curious; Stubborn }
class Address { [string]$City; [string]$Country }
class Llama {
    [string]$Name
    [System.ComponentModel.Description('Age in years')][int]$Age
    [Nullable[int]]$Weight
    [double]$Height
    [bool]$Sheared
    [Temperament]$Temperament
    [Nullable[Temperament]]$Mood
    [System.Collections.Generic.List[string]]$Tags
    [Address]$Home
    [Address[]]$PastHomes
    [datetime]$Born
    hidden [string]$Secret
}
class Herd { [string]$Name; [System.Collections.Generic.List[Llama]]$Members }
class Node { [string]$Value; [Node[]]$Children }
class Person { [string]$Name; [Pet]$Pet }
class Pet { [string]$Name; [Person]$Owner }
class Scores { [string]$Name; [System.Collections.Generic.Dictionary[string,int]]$ByJudge }
class Empty { hidden [int]$Nothing }
class Derived : Address { [string]$Street }
@{
    Llama = [Llama]; Herd = [Herd]; Node = [Node]; Person = [Person]; Scores = [Scores]; Empty = [Empty]
    Derived = [Derived]; Address = [Address]
}
'@))
}

AfterAll {
    Stop-LaminiTestServer -Server $server
}

Describe 'New-LaminiJsonSchema' {
    Context 'the seed example (Lamini docs, JSON Output)' {
        It 'gives the seed schema exactly for @{ answer = ''string'' }' {
            (New-LaminiJsonSchema -Property @{ answer = 'string' }).ToString() | Should -BeExactly $SeedSchema
        }

        It 'names it json_response, without description, not strict' {
            $schema = New-LaminiJsonSchema @{ answer = 'string' }
            $schema.Name | Should -BeExactly 'json_response'
            $schema.Description | Should -BeNullOrEmpty
            $schema.Strict | Should -BeFalse
        }

        It 'writes the seed response_format byte for byte' {
            Get-ResponseFormat (New-LaminiJsonSchema @{ answer = 'string' }) | Should -BeExactly $SeedResponseFormat
        }

        It 'writes description and strict only when set, in json_schema' {
            $schema = New-LaminiJsonSchema @{ answer = 'string' } -Name facts -Description 'Llama facts' -Strict
            Get-ResponseFormat $schema | Should -BeExactly ('{"type":"json_schema","json_schema":{"name":"facts","description":"Llama facts","schema":' +
                '{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"],"additionalProperties":false},"strict":true}}')
        }

        It 'equals the seed after ConvertFrom-Json | ConvertTo-Json normalisation too' {
            $normalised = (New-LaminiJsonSchema @{ answer = 'string' }).ToString() | ConvertFrom-Json | ConvertTo-Json -Depth 20 -Compress
            $normalised | Should -BeExactly ($SeedSchema | ConvertFrom-Json | ConvertTo-Json -Depth 20 -Compress)
        }
    }

    Context 'type names' {
        It '''<Name>'' becomes <Expected>' -ForEach @(
            @{ Name = 'string'; Expected = '{"type":"string"}' }
            @{ Name = 'integer'; Expected = '{"type":"integer"}' }
            @{ Name = 'number'; Expected = '{"type":"number"}' }
            @{ Name = 'boolean'; Expected = '{"type":"boolean"}' }
            @{ Name = 'object'; Expected = '{"type":"object"}' }
            @{ Name = 'array'; Expected = '{"type":"array"}' }
            @{ Name = 'String'; Expected = '{"type":"string"}' }
            @{ Name = ' bool '; Expected = '{"type":"boolean"}' }
            @{ Name = 'int'; Expected = '{"type":"integer"}' }
            @{ Name = 'long'; Expected = '{"type":"integer"}' }
            @{ Name = 'byte'; Expected = '{"type":"integer"}' }
            @{ Name = 'double'; Expected = '{"type":"number"}' }
            @{ Name = 'float'; Expected = '{"type":"number"}' }
            @{ Name = 'decimal'; Expected = '{"type":"number"}' }
            @{ Name = 'bool'; Expected = '{"type":"boolean"}' }
            @{ Name = 'char'; Expected = '{"type":"string"}' }
            @{ Name = 'datetime'; Expected = '{"type":"string","format":"date-time"}' }
            @{ Name = 'date'; Expected = '{"type":"string","format":"date"}' }
            @{ Name = 'guid'; Expected = '{"type":"string","format":"uuid"}' }
            @{ Name = 'hashtable'; Expected = '{"type":"object"}' }
            @{ Name = '[int]'; Expected = '{"type":"integer"}' }
        ) {
            Get-PropertyJson $Name | Should -BeExactly $Expected
        }
    }

    Context 'arrays ([]) and null (?)' {
        It '''<Name>'' becomes <Expected>' -ForEach @(
            @{ Name = 'string[]'; Expected = '{"type":"array","items":{"type":"string"}}' }
            @{ Name = 'int[]'; Expected = '{"type":"array","items":{"type":"integer"}}' }
            @{ Name = 'object[]'; Expected = '{"type":"array","items":{"type":"object"}}' }
            @{ Name = 'number[][]'; Expected = '{"type":"array","items":{"type":"array","items":{"type":"number"}}}' }
            @{ Name = 'datetime[]'; Expected = '{"type":"array","items":{"type":"string","format":"date-time"}}' }
            @{ Name = 'int?'; Expected = '{"type":["integer","null"]}' }
            @{ Name = 'string?[]'; Expected = '{"type":"array","items":{"type":["string","null"]}}' }
            @{ Name = 'string[]?'; Expected = '{"type":["array","null"],"items":{"type":"string"}}' }
            @{ Name = '[string[]]'; Expected = '{"type":"array","items":{"type":"string"}}' }
        ) {
            Get-PropertyJson $Name | Should -BeExactly $Expected
        }
    }

    Context '[type] values' {
        It '[<Type>] becomes <Expected>' -ForEach @(
            @{ Type = [int]; Expected = '{"type":"integer"}' }
            @{ Type = [string]; Expected = '{"type":"string"}' }
            @{ Type = [string[]]; Expected = '{"type":"array","items":{"type":"string"}}' }
            @{ Type = [datetime]; Expected = '{"type":"string","format":"date-time"}' }
            @{ Type = [DateTimeOffset]; Expected = '{"type":"string","format":"date-time"}' }
            @{ Type = [guid]; Expected = '{"type":"string","format":"uuid"}' }
            @{ Type = [Nullable[int]]; Expected = '{"type":["integer","null"]}' }
            @{ Type = [System.Collections.Generic.List[double]]; Expected = '{"type":"array","items":{"type":"number"}}' }
            @{ Type = [DayOfWeek]; Expected = '{"type":"string","enum":["Sunday","Monday","Tuesday","Wednesday","Thursday","Friday","Saturday"]}' }
            @{ Type = [hashtable]; Expected = '{"type":"object"}' }
            @{ Type = [object]; Expected = '{}' }
            @{ Type = [switch]; Expected = '{"type":"boolean"}' }
        ) {
            Get-PropertyJson $Type | Should -BeExactly $Expected
        }
    }

    Context 'allowed values (enum)' {
        It '<Name>' -ForEach @(
            @{ Name = 'strings'; Values = @('low', 'high'); Expected = '{"type":"string","enum":["low","high"]}' }
            @{ Name = 'one string'; Values = @('only'); Expected = '{"type":"string","enum":["only"]}' }
            @{ Name = 'integers'; Values = @(1, 2, 3); Expected = '{"type":"integer","enum":[1,2,3]}' }
            @{ Name = 'integers and decimals'; Values = @(1, 2.5); Expected = '{"type":"number","enum":[1,2.5]}' }
            @{ Name = 'booleans'; Values = @($true, $false); Expected = '{"type":"boolean","enum":[true,false]}' }
            @{ Name = 'with $null'; Values = @('yes', $null); Expected = '{"type":["string","null"],"enum":["yes",null]}' }
            @{ Name = 'mixed'; Values = @('many', 1); Expected = '{"type":["string","integer"],"enum":["many",1]}' }
            @{ Name = 'enum values'; Values = @([DayOfWeek]::Monday, [DayOfWeek]::Friday); Expected = '{"type":"string","enum":["Monday","Friday"]}' }
        ) {
            Get-PropertyJson $Values | Should -BeExactly $Expected
        }
    }

    Context 'nested objects' {
        It 'turns a nested hashtable into a nested object, all properties required' {
            $schema = New-LaminiJsonSchema @{ name = 'string'; address = @{ city = 'string'; zip = 'string' } }
            $schema.ToString() | Should -BeExactly ('{"type":"object","properties":{"address":{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"string"}},' +
                '"required":["city","zip"]},"name":{"type":"string"}},"required":["address","name"]}')
        }

        It 'turns an array holding one hashtable into an array of objects' {
            Get-PropertyJson @(@{ name = 'string'; age = 'int' }) |
                Should -BeExactly '{"type":"array","items":{"type":"object","properties":{"age":{"type":"integer"},"name":{"type":"string"}},"required":["age","name"]}}'
        }

        It 'follows objects several levels deep' {
            Get-PropertyJson @{ a = @{ b = @{ c = 'bool' } } } |
                Should -BeExactly '{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"object","properties":{"c":{"type":"boolean"}},"required":["c"]}},"required":["b"]}},"required":["a"]}'
        }

        It 'accepts a [pscustomobject] as a nested description' {
            Get-PropertyJson ([pscustomobject]@{ city = 'string' }) | Should -BeExactly '{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}'
        }

        It 'embeds the output of New-LaminiJsonSchema' {
            $address = New-LaminiJsonSchema @{ city = 'string' }
            Get-PropertyJson $address | Should -BeExactly $address.ToString()
        }
    }

    Context 'schema fragments (a hashtable with a type key)' {
        It '<Name>' -ForEach @(
            @{ Name = 'description'; Fragment = @{ type = 'string'; description = 'The answer' }; Expected = '{"type":"string","description":"The answer"}' }
            @{ Name = 'enum with description'; Fragment = @{ type = 'string'; enum = @('a', 'b'); description = 'Pick' }; Expected = '{"type":"string","enum":["a","b"],"description":"Pick"}' }
            @{ Name = 'numeric limits'; Fragment = @{ type = 'integer'; minimum = 1; maximum = 5 }; Expected = '{"type":"integer","maximum":5,"minimum":1}' }
            @{ Name = 'type list'; Fragment = @{ type = @('string', 'null') }; Expected = '{"type":["string","null"]}' }
            @{ Name = 'shorthand type name'; Fragment = @{ type = 'int'; description = 'Years' }; Expected = '{"type":"integer","description":"Years"}' }
            @{ Name = 'shorthand array type'; Fragment = @{ type = 'string[]'; description = 'Tags' }; Expected = '{"type":"array","items":{"type":"string"},"description":"Tags"}' }
            @{ Name = '[type] as type'; Fragment = @{ type = [datetime]; description = 'When' }; Expected = '{"type":"string","format":"date-time","description":"When"}' }
            @{ Name = 'shorthand items'; Fragment = @{ type = 'array'; items = 'string'; maxItems = 3 }; Expected = '{"type":"array","items":{"type":"string"},"maxItems":3}' }
            @{ Name = 'shorthand properties, required as written'; Fragment = @{ type = 'object'; properties = @{ a = 'string'; b = 'int' }; required = @('a') }; Expected = '{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"required":["a"]}' }
            @{ Name = 'keyword case is normalised'; Fragment = @{ Type = 'string'; Description = 'x' }; Expected = '{"type":"string","description":"x"}' }
            @{ Name = 'anyOf without type'; Fragment = @{ anyOf = @('string', 'int') }; Expected = '{"anyOf":[{"type":"string"},{"type":"integer"}]}' }
            @{ Name = 'x- extension kept'; Fragment = @{ type = 'string'; 'x-note' = 'mine' }; Expected = '{"type":"string","x-note":"mine"}' }
        ) {
            Get-PropertyJson $Fragment | Should -BeExactly $Expected
        }
    }

    Context 'property order' {
        It 'keeps the order of an [ordered] dictionary' {
            (New-LaminiJsonSchema ([ordered]@{ zebra = 'string'; apple = 'int'; mango = 'bool' })).ToString() |
                Should -BeExactly '{"type":"object","properties":{"zebra":{"type":"string"},"apple":{"type":"integer"},"mango":{"type":"boolean"}},"required":["zebra","apple","mango"]}'
        }

        It 'sorts a plain hashtable alphabetically, so the output is the same every run' {
            $schema = New-LaminiJsonSchema @{ zebra = 'string'; Apple = 'int'; mango = 'bool' }
            @($schema.Schema['properties'].Keys) | Should -Be @('Apple', 'mango', 'zebra')
            @($schema.Schema['required']) | Should -Be @('Apple', 'mango', 'zebra')
        }

        It 'puts type, properties, required first, then additionalProperties and the rest' {
            $schema = New-LaminiJsonSchema @{ a = @{ description = 'd'; type = 'object'; properties = @{ b = 'string' } } } -Strict
            @($schema.Schema['properties']['a'].Keys) | Should -Be @('type', 'properties', 'required', 'additionalProperties', 'description')
        }
    }

    Context 'a whole schema given to -Property' {
        It 'takes a hashtable with type = object and properties as the schema itself' {
            $schema = New-LaminiJsonSchema @{ type = 'object'; properties = @{ answer = @{ type = 'string' } }; required = @('answer') }
            $schema.ToString() | Should -BeExactly $SeedSchema
        }

        It 'still reads a property called type as a property when there is no properties key' {
            (New-LaminiJsonSchema ([ordered]@{ type = 'string'; size = 'int' })).ToString() |
                Should -BeExactly '{"type":"object","properties":{"type":{"type":"string"},"size":{"type":"integer"}},"required":["type","size"]}'
        }
    }

    Context '-Type' {
        It 'maps a PowerShell class in declaration order, with nullable, enum, list, nested class and description' {
            $schema = New-LaminiJsonSchema -Type $Types.Llama
            $schema.ToString() | Should -BeExactly ('{"type":"object","properties":{' +
                '"Name":{"type":"string"},' +
                '"Age":{"type":"integer","description":"Age in years"},' +
                '"Weight":{"type":["integer","null"]},' +
                '"Height":{"type":"number"},' +
                '"Sheared":{"type":"boolean"},' +
                '"Temperament":{"type":"string","enum":["Calm","Curious","Stubborn"]},' +
                '"Mood":{"type":["string","null"],"enum":["Calm","Curious","Stubborn",null]},' +
                '"Tags":{"type":"array","items":{"type":"string"}},' +
                '"Home":{"type":"object","properties":{"City":{"type":"string"},"Country":{"type":"string"}},"required":["City","Country"]},' +
                '"PastHomes":{"type":"array","items":{"type":"object","properties":{"City":{"type":"string"},"Country":{"type":"string"}},"required":["City","Country"]}},' +
                '"Born":{"type":"string","format":"date-time"}},' +
                '"required":["Name","Age","Weight","Height","Sheared","Temperament","Mood","Tags","Home","PastHomes","Born"]}')
        }

        It 'leaves out hidden properties' {
            (New-LaminiJsonSchema -Type $Types.Llama).Schema['properties'].Contains('Secret') | Should -BeFalse
        }

        It 'puts base class properties first' {
            @((New-LaminiJsonSchema -Type $Types.Derived).Schema['properties'].Keys) | Should -Be @('City', 'Country', 'Street')
        }

        It 'follows a list of a class' {
            $members = (New-LaminiJsonSchema -Type $Types.Herd).Schema['properties']['Members']
            $members['type'] | Should -Be 'array'
            $members['items']['properties']['Home']['type'] | Should -Be 'object'
        }

        It 'maps a dictionary to an object with additionalProperties' {
            Get-PropertyJson ($Types.Scores) |
                Should -BeExactly '{"type":"object","properties":{"Name":{"type":"string"},"ByJudge":{"type":"object","additionalProperties":{"type":"integer"}}},"required":["Name","ByJudge"]}'
        }

        It 'reads C# nullable annotations (System.Net.Cookie.CommentUri is Uri?)' {
            $properties = (New-LaminiJsonSchema -Type ([System.Net.Cookie])).Schema['properties']
            $properties['CommentUri']['type'] | Should -Be @('string', 'null')
            $properties['Name']['type'] | Should -Be 'string'
        }

        It 'accepts a piped [type]' {
            ($Types.Address | New-LaminiJsonSchema).ToString() |
                Should -BeExactly '{"type":"object","properties":{"City":{"type":"string"},"Country":{"type":"string"}},"required":["City","Country"]}'
        }

        It 'refuses a type that refers to itself: <Name>' -ForEach @(
            @{ Name = 'Node'; Cycle = 'Node.Children -> Node'; Path = 'Children[]' }
            @{ Name = 'Person'; Cycle = 'Person.Pet -> Pet.Owner -> Person'; Path = 'Pet.Owner' }
        ) {
            $failure = { New-LaminiJsonSchema -Type $Types[$Name] } | Should -Throw -ErrorId 'SelfReferencingType,*' -PassThru
            $failure.Exception.Message | Should -BeLike "*($Cycle)*"
            $failure.Exception.PropertyPath | Should -Be $Path
        }

        It 'refuses <Name>' -ForEach @(
            @{ Name = 'a scalar type'; Type = [string]; ErrorId = 'SchemaNotObject'; Message = "Type 'String' becomes a JSON string, not an object*" }
            @{ Name = 'an array type'; Type = [int[]]; ErrorId = 'SchemaNotObject'; Message = "*becomes a JSON array*" }
            @{ Name = 'a dictionary type'; Type = [hashtable]; ErrorId = 'InvalidSchema'; Message = "*is a dictionary, with no fixed properties*" }
        ) {
            $failure = { New-LaminiJsonSchema -Type $Type } | Should -Throw -ErrorId "$ErrorId,*" -PassThru
            $failure.Exception.Message | Should -BeLike $Message
        }

        It 'refuses a class without public properties' {
            { New-LaminiJsonSchema -Type $Types.Empty } | Should -Throw -ErrorId 'InvalidSchema,*' -ExpectedMessage '*has no public properties*'
        }
    }

    Context '-InputObject (schema from an example)' {
        It 'infers types from a nested [pscustomobject]' {
            $example = [pscustomobject]@{
                name    = 'Suri'
                age     = 4
                weight  = 120.5
                sheared = $false
                born    = [datetime]'2020-05-01'
                id      = [guid]::NewGuid()
                tags    = @('fluffy', 'calm')
                address = [pscustomobject]@{ city = 'Cusco'; zip = '08000' }
                friends = @([pscustomobject]@{ name = 'Huacaya'; age = 3 })
                mood    = [DayOfWeek]::Monday
                big     = [long]5000000000
                price   = [decimal]9.99
            }
            ($example | New-LaminiJsonSchema).ToString() | Should -BeExactly ('{"type":"object","properties":{' +
                '"name":{"type":"string"},"age":{"type":"integer"},"weight":{"type":"number"},"sheared":{"type":"boolean"},' +
                '"born":{"type":"string","format":"date-time"},"id":{"type":"string","format":"uuid"},' +
                '"tags":{"type":"array","items":{"type":"string"}},' +
                '"address":{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"string"}},"required":["city","zip"]},' +
                '"friends":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name","age"]}},' +
                '"mood":{"type":"string","enum":["Sunday","Monday","Tuesday","Wednesday","Thursday","Friday","Saturday"]},' +
                '"big":{"type":"integer"},"price":{"type":"number"}},' +
                '"required":["name","age","weight","sheared","born","id","tags","address","friends","mood","big","price"]}')
        }

        It 'accepts a hashtable example and -InputObject by name' {
            (New-LaminiJsonSchema -InputObject @{ answer = 'Suri' }).ToString() | Should -BeExactly $SeedSchema
        }

        It 'makes one schema per piped object' {
            $schemas = @([pscustomobject]@{ a = 1 }, [pscustomobject]@{ b = 'x' }) | New-LaminiJsonSchema
            $schemas.Count | Should -Be 2
            $schemas[1].Schema['properties']['b']['type'] | Should -Be 'string'
        }

        It 'reads a piped string as JSON schema text' {
            ($SeedSchema | New-LaminiJsonSchema).ToString() | Should -BeExactly $SeedSchema
        }

        It 'applies -Strict, -Name and -Description to each' {
            $schema = [pscustomobject]@{ a = [pscustomobject]@{ b = 1 } } | New-LaminiJsonSchema -Strict -Name ex -Description 'An example'
            $schema.ToString() | Should -BeExactly '{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"integer"}},"required":["b"],"additionalProperties":false}},"required":["a"],"additionalProperties":false}'
            $schema.Name | Should -Be 'ex'
            $schema.Description | Should -Be 'An example'
        }

        It 'writes an error for a bad piped object and goes on with the next' {
            $schemas = @(5, [pscustomobject]@{ a = $null }, [pscustomobject]@{ a = 1 }) |
                New-LaminiJsonSchema -ErrorVariable failures -ErrorAction SilentlyContinue
            @($schemas).Count | Should -Be 1
            $failures.Count | Should -Be 2
            $failures[0].FullyQualifiedErrorId | Should -Be 'SchemaNotObject,LaminiPS.Commands.NewLaminiJsonSchemaCommand'
            $failures[0].TargetObject | Should -Be 5
            $failures[1].FullyQualifiedErrorId | Should -Be 'InvalidSchemaProperty,LaminiPS.Commands.NewLaminiJsonSchemaCommand'
            $failures[1].CategoryInfo.Category | Should -Be 'InvalidArgument'
        }

        It 'explains that a collection given to -InputObject is not enumerated' {
            { New-LaminiJsonSchema -InputObject @([pscustomobject]@{ a = 1 }) -ErrorAction Stop } |
                Should -Throw -ErrorId 'SchemaNotObject,*' -ExpectedMessage '*To make one schema per object, pipe them*'
        }

        It 'reports <Name>' -ForEach @(
            @{ Name = 'a $null value'; Example = [pscustomobject]@{ a = $null }; ErrorId = 'InvalidSchemaProperty'; Message = "Property 'a': the example value is `$null*" }
            @{ Name = 'an empty array'; Example = [pscustomobject]@{ tags = @() }; ErrorId = 'InvalidSchemaProperty'; Message = "Property 'tags': the example is an empty array*" }
            @{ Name = 'an empty nested object'; Example = [pscustomobject]@{ a = @{} }; ErrorId = 'InvalidSchemaProperty'; Message = "Property 'a': the example is an empty object*" }
            @{ Name = 'a nested $null'; Example = [pscustomobject]@{ a = @([pscustomobject]@{ b = $null }) }; ErrorId = 'InvalidSchemaProperty'; Message = "Property 'a``[``].b'*" }
            @{ Name = 'a number'; Example = 42; ErrorId = 'SchemaNotObject'; Message = '*must be an object*' }
            @{ Name = 'an object without properties'; Example = [pscustomobject]@{}; ErrorId = 'InvalidSchema'; Message = '*no properties*' }
            @{ Name = 'text that is not JSON'; Example = 'not json'; ErrorId = 'InvalidSchemaJson'; Message = '*not valid JSON*' }
        ) {
            $failure = { $Example | New-LaminiJsonSchema -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,*" -PassThru
            $failure.Exception.Message | Should -BeLike $Message
        }
    }

    Context '-Json' {
        It 'keeps a valid schema as written, compacted' {
            $json = @'
{
  "type": "object",
  "properties": {
    "zeta": { "type": "string", "description": "last letter" },
    "alpha": { "type": ["integer", "null"], "minimum": 0 }
  },
  "required": ["zeta"]
}
'@
            (New-LaminiJsonSchema -Json $json).ToString() |
                Should -BeExactly '{"type":"object","properties":{"zeta":{"type":"string","description":"last letter"},"alpha":{"type":["integer","null"],"minimum":0}},"required":["zeta"]}'
        }

        It 'accepts comments and trailing commas' {
            (New-LaminiJsonSchema -Json "{ // the seed`n""type"": ""object"", ""properties"": {""answer"": {""type"": ""string""}}, ""required"": [""answer""], }").ToString() |
                Should -BeExactly $SeedSchema
        }

        It 'accepts $ref to $defs' {
            $json = '{"type":"object","properties":{"home":{"$ref":"#/$defs/address"}},"required":["home"],"$defs":{"address":{"type":"object","properties":{"city":{"type":"string"}}}}}'
            (New-LaminiJsonSchema -Json $json).ToString() | Should -BeExactly $json
        }

        It 'unwraps a whole response_format, taking its name and strictness' {
            $schema = New-LaminiJsonSchema -Json $SeedResponseFormat.Replace('"name":"json_response"', '"name":"llama","description":"d"')
            $schema.Name | Should -Be 'llama'
            $schema.Description | Should -Be 'd'
            $schema.ToString() | Should -BeExactly $SeedSchema
            Get-ResponseFormat $schema | Should -BeExactly $SeedResponseFormat.Replace('"name":"json_response"', '"name":"llama","description":"d"')
        }

        It 'lets -Name override the wrapper name' {
            (New-LaminiJsonSchema -Json $SeedResponseFormat -Name other).Name | Should -Be 'other'
        }

        It 'refuses <Name>' -ForEach @(
            @{ Name = 'unfinished JSON'; Json = '{"type": "object",'; ErrorId = 'InvalidSchemaJson'; Message = 'The schema is not valid JSON (line 1, position 18)*' }
            @{ Name = 'text'; Json = 'hello'; ErrorId = 'InvalidSchemaJson'; Message = 'The schema is not valid JSON (line 1, position 1)*' }
            @{ Name = 'blank text'; Json = '   '; ErrorId = 'InvalidSchemaJson'; Message = '*empty*' }
            @{ Name = 'an array'; Json = '[1, 2]'; ErrorId = 'SchemaNotObject'; Message = '*this one is an array*' }
            @{ Name = 'a string schema'; Json = '{"type": "string"}'; ErrorId = 'SchemaNotObject'; Message = '*root has "type": "string"*' }
            @{ Name = 'no type'; Json = '{"properties": {}}'; ErrorId = 'SchemaNotObject'; Message = '*has no "type"*' }
            @{ Name = 'an unknown nested type'; Json = '{"type":"object","properties":{"a":{"type":"strng"}}}'; ErrorId = 'InvalidSchemaProperty'; Message = "Property 'a': unknown type 'strng'. Did you mean 'string'?*" }
            @{ Name = 'a .NET type name'; Json = '{"type":"object","properties":{"a":{"type":"int"}}}'; ErrorId = 'InvalidSchemaProperty'; Message = "*unknown type 'int'. Did you mean 'integer'?*" }
            @{ Name = 'required naming a missing property'; Json = '{"type":"object","properties":{"a":{"type":"string"}},"required":["b"]}'; ErrorId = 'InvalidSchema'; Message = "*lists 'b' in ""required"", but it has no such property. Its properties are: a.*" }
            @{ Name = 'properties that are not an object'; Json = '{"type":"object","properties":[]}'; ErrorId = 'InvalidSchema'; Message = '*"properties" that is an array*' }
            @{ Name = 'a dangling $ref'; Json = '{"type":"object","properties":{"a":{"$ref":"#/$defs/nope"}}}'; ErrorId = 'InvalidSchemaProperty'; Message = "Property 'a' has ""`$ref"": ""#/`$defs/nope"", which points to nothing*" }
            @{ Name = 'an enum value of the wrong type'; Json = '{"type":"object","properties":{"n":{"type":"integer","enum":[1,"two"]}}}'; ErrorId = 'InvalidSchemaProperty'; Message = "*""two"" that is not of its type (integer)*" }
            @{ Name = 'an empty enum'; Json = '{"type":"object","properties":{"n":{"enum":[]}}}'; ErrorId = 'InvalidSchemaProperty'; Message = '*not a non-empty array*' }
            @{ Name = 'items that are not a schema'; Json = '{"type":"object","properties":{"t":{"type":"array","items":"string"}}}'; ErrorId = 'InvalidSchemaProperty'; Message = "Property 't``[``]' must be a schema object*" }
        ) {
            $failure = { New-LaminiJsonSchema -Json $Json } | Should -Throw -ErrorId "$ErrorId,*" -PassThru
            $failure.Exception.Message | Should -BeLike $Message
        }
    }

    Context '-Strict' {
        It 'requires every property and closes every object, at every depth' {
            $schema = New-LaminiJsonSchema @{ a = @{ b = 'string' }; list = @(@{ c = 'int' }) } -Strict
            $schema.Strict | Should -BeTrue
            $schema.ToString() | Should -BeExactly ('{"type":"object","properties":{' +
                '"a":{"type":"object","properties":{"b":{"type":"string"}},"required":["b"],"additionalProperties":false},' +
                '"list":{"type":"array","items":{"type":"object","properties":{"c":{"type":"integer"}},"required":["c"],"additionalProperties":false}}},' +
                '"required":["a","list"],"additionalProperties":false}')
        }

        It 'fills in a fragment''s missing required and additionalProperties' {
            Get-PropertyJson @{ type = 'object'; properties = @{ x = 'int' } } -Strict |
                Should -BeExactly '{"type":"object","properties":{"x":{"type":"integer"}},"required":["x"],"additionalProperties":false}'
        }

        It 'closes the objects of a -Type schema' {
            $schema = New-LaminiJsonSchema -Type $Types.Llama -Strict
            $schema.Schema['additionalProperties'] | Should -BeFalse
            $schema.Schema['properties']['Home']['additionalProperties'] | Should -BeFalse
            $schema.Schema['properties']['PastHomes']['items']['additionalProperties'] | Should -BeFalse
        }

        It 'accepts a -Json schema that follows the rules' {
            $json = '{"type":"object","properties":{"a":{"type":["string","null"]}},"required":["a"],"additionalProperties":false}'
            $schema = New-LaminiJsonSchema -Json $json -Strict
            $schema.Strict | Should -BeTrue
            $schema.ToString() | Should -BeExactly $json
        }

        It 'reports every violation of a -Json schema by property, without fixing it' {
            $json = '{"type":"object","properties":{"name":{"type":"string"},"address":{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"string"}},"required":["city"],"additionalProperties":true}},"required":["name"]}'
            $failure = { New-LaminiJsonSchema -Json $json -Strict } | Should -Throw -ErrorId 'StrictSchemaViolation,*' -PassThru
            $failure.Exception.Violations | Should -Be @(
                '(root): additionalProperties must be false (it is missing)'
                'address: not listed in "required" (every property must be)'
                'address: additionalProperties must be false (it is true)'
                'address.zip: not listed in "required" (every property must be)'
            )
            $failure.Exception.Message | Should -BeLike '*in 4 places*'
            $failure.Exception.PropertyPath | Should -Be ''
        }

        It 'checks a wrapper that says strict: true' {
            { New-LaminiJsonSchema -Json ('{"type":"json_schema","json_schema":{"name":"x","strict":true,"schema":' + $SeedSchema + '}}') } |
                Should -Throw -ErrorId 'StrictSchemaViolation,*' -ExpectedMessage '*(root): additionalProperties must be false*'
        }

        It 'refuses <Name> instead of changing it' -ForEach @(
            @{ Name = 'a fragment that leaves a property optional'; Property = @{ a = @{ type = 'object'; properties = @{ x = 'int'; y = 'int' }; required = @('x') } }; Message = '*a.y: not listed in "required"*' }
            @{ Name = 'a fragment with open additionalProperties'; Property = @{ a = @{ type = 'object'; properties = @{ x = 'int' }; additionalProperties = $true } }; Message = '*a: additionalProperties must be false (it is true)*' }
            @{ Name = 'a bare object'; Property = @{ meta = 'object' }; Message = '*meta: an object without "properties" is not allowed*' }
        ) {
            { New-LaminiJsonSchema $Property -Strict } | Should -Throw -ErrorId 'StrictSchemaViolation,*' -ExpectedMessage $Message
        }

        It 'refuses a dictionary property of a -Type schema' {
            { New-LaminiJsonSchema -Type $Types.Scores -Strict } |
                Should -Throw -ErrorId 'StrictSchemaViolation,*' -ExpectedMessage '*ByJudge: an object with open-ended keys*'
        }

        It 'fills in an object under patternProperties (issue 17)' {
            $schema = New-LaminiJsonSchema -Property @{ type = 'object'; properties = @{ id = 'string' }; patternProperties = @{ '^x' = @{ a = 'string' } } } -Strict
            $schema.ToString() | Should -BeExactly ('{"type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":false,' +
                '"patternProperties":{"^x":{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}}}')
        }
    }

    Context 'every keyword that holds schemas' {
        BeforeAll {
            # An object schema that leaves out required and additionalProperties, and one with an unknown type.
            $OpenObject = @{ type = 'object'; properties = @{ a = 'string' } }
            $OpenObjectJson = '{"type":"object","properties":{"a":{"type":"string"}}}'
            $BadTypeJson = '{"type":"strng"}'
            # A closed root object with one more keyword; <S> stands for the schema under it.
            function New-RootJson([string] $Member, [string] $Schema) {
                ('{"type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":false,' + $Member + '}').Replace('<S>', $Schema)
            }
        }

        It '-Strict fills in the object under <Keyword>' -ForEach @(
            @{ Keyword = 'properties'; Value = { @{ id = 'string'; p = $OpenObject } }; Pointer = @('properties', 'p') }
            @{ Keyword = 'items'; Value = { $OpenObject }; Pointer = @('items') }
            @{ Keyword = 'prefixItems'; Value = { @($true, $OpenObject) }; Pointer = @('prefixItems', 1) }
            @{ Keyword = 'anyOf'; Value = { @($OpenObject) }; Pointer = @('anyOf', 0) }
            @{ Keyword = 'oneOf'; Value = { @($OpenObject) }; Pointer = @('oneOf', 0) }
            @{ Keyword = 'allOf'; Value = { @($OpenObject) }; Pointer = @('allOf', 0) }
            @{ Keyword = 'not'; Value = { $OpenObject }; Pointer = @('not') }
            @{ Keyword = 'if'; Value = { $OpenObject }; Pointer = @('if') }
            @{ Keyword = 'then'; Value = { $OpenObject }; Pointer = @('then') }
            @{ Keyword = 'else'; Value = { $OpenObject }; Pointer = @('else') }
            @{ Keyword = 'contains'; Value = { $OpenObject }; Pointer = @('contains') }
            @{ Keyword = 'propertyNames'; Value = { $OpenObject }; Pointer = @('propertyNames') }
            @{ Keyword = 'unevaluatedItems'; Value = { $OpenObject }; Pointer = @('unevaluatedItems') }
            @{ Keyword = 'unevaluatedProperties'; Value = { $OpenObject }; Pointer = @('unevaluatedProperties') }
            @{ Keyword = '$defs'; Value = { @{ d = $OpenObject } }; Pointer = @('$defs', 'd') }
            @{ Keyword = 'definitions'; Value = { @{ d = $OpenObject } }; Pointer = @('definitions', 'd') }
            @{ Keyword = 'patternProperties'; Value = { @{ '^x' = $OpenObject } }; Pointer = @('patternProperties', '^x') }
            @{ Keyword = 'dependentSchemas'; Value = { @{ id = $OpenObject } }; Pointer = @('dependentSchemas', 'id') }
        ) {
            $fragment = @{ type = 'object'; properties = @{ id = 'string' } }
            $fragment[$Keyword] = & $Value
            $node = (New-LaminiJsonSchema -Property $fragment -Strict).Schema
            foreach ($step in $Pointer) { $node = $node[$step] }
            $node.Contains('additionalProperties') | Should -BeTrue
            $node['additionalProperties'] | Should -BeFalse
            @($node['required']) | Should -Be @('a')
        }

        It '-Strict fills in the object under additionalProperties, leaving only the open root to report' {
            $failure = { New-LaminiJsonSchema -Property @{ type = 'object'; properties = @{ id = 'string' }; additionalProperties = $OpenObject } -Strict } |
                Should -Throw -ErrorId 'StrictSchemaViolation,*' -PassThru
            $failure.Exception.Violations.Count | Should -Be 1
            $failure.Exception.Violations[0] | Should -BeLike '(root): additionalProperties must be false (it is {"type":"object",*'
        }

        It '-Strict reports the open object under <Member> in -Json at <Path>' -ForEach $SchemaPlaces {
            $failure = { New-LaminiJsonSchema -Json (New-RootJson $Member $OpenObjectJson) -Strict } | Should -Throw -ErrorId 'StrictSchemaViolation,*' -PassThru
            $failure.Exception.Violations | Should -Be @(
                "${Path}: additionalProperties must be false (it is missing)"
                "$Path.a: not listed in ""required"" (every property must be)"
            )
            $failure.Exception.PropertyPath | Should -Be $Path
        }

        It '-Strict reports the open objects under properties and additionalProperties in -Json' {
            $json = '{"type":"object","properties":{"p":<S>},"required":["p"],"additionalProperties":<S>}'.Replace('<S>', $OpenObjectJson)
            $failure = { New-LaminiJsonSchema -Json $json -Strict } | Should -Throw -ErrorId 'StrictSchemaViolation,*' -PassThru
            $failure.Exception.Violations | Should -Be @(
                '(root): additionalProperties must be false (it is {"type":"object","properties":{"a":{"type":"string"}}})'
                'p: additionalProperties must be false (it is missing)'
                'p.a: not listed in "required" (every property must be)'
                '*: additionalProperties must be false (it is missing)'
                '*.a: not listed in "required" (every property must be)'
            )
        }

        It 'finds a schema that is not well formed under <Member> at <Path>' -ForEach $SchemaPlaces {
            $failure = { New-LaminiJsonSchema -Json (New-RootJson $Member $BadTypeJson) } | Should -Throw -ErrorId 'InvalidSchemaProperty,*' -PassThru
            $failure.Exception.PropertyPath | Should -Be $Path
            $failure.Exception.Message | Should -BeLike "Property '$([WildcardPattern]::Escape($Path))': unknown type 'strng'. Did you mean 'string'?*"
        }

        It 'finds a schema that is not well formed under <Keyword> at <Path>' -ForEach @(
            @{ Keyword = 'properties'; Json = '{"type":"object","properties":{"p":<S>}}'; Path = 'p' }
            @{ Keyword = 'additionalProperties'; Json = '{"type":"object","additionalProperties":<S>}'; Path = '*' }
        ) {
            $failure = { New-LaminiJsonSchema -Json $Json.Replace('<S>', $BadTypeJson) } | Should -Throw -ErrorId 'InvalidSchemaProperty,*' -PassThru
            $failure.Exception.PropertyPath | Should -Be $Path
        }
    }

    Context 'nesting limit' {
        It 'builds a schema nested 40 objects deep' {
            $description = @{ leaf = 'string' }
            foreach ($level in 1..40) { $description = @{ a = $description } }
            (New-LaminiJsonSchema -Property $description).ToString() | Should -BeLike ('{"type":"object","properties":{"a":' * 40 + '*')
        }

        It 'refuses a schema nested deeper than 100 levels of JSON with a schema error, not a parser failure' {
            $description = @{ leaf = 'string' }
            foreach ($level in 1..60) { $description = @{ a = $description } }
            { New-LaminiJsonSchema -Property $description } | Should -Throw -ErrorId 'InvalidSchema,*' -ExpectedMessage '*nested more than 100 levels deep*'
        }

        It 'refuses a description that contains itself' {
            $loop = @{}
            $loop['self'] = $loop
            { New-LaminiJsonSchema -Property $loop } | Should -Throw -ErrorId 'InvalidSchemaProperty,*' -ExpectedMessage '*nested more than 100 levels deep (does a hashtable contain itself?)*'
        }

        It 'refuses -Json text nested deeper than 100 levels as not valid JSON' {
            $json = '{"type":"object","properties":{"a":' * 60 + '{"type":"string"}' + '}}' * 60
            { New-LaminiJsonSchema -Json $json } | Should -Throw -ErrorId 'InvalidSchemaJson,*' -ExpectedMessage '*depth of 100*'
        }
    }

    Context '-Name and -Description' {
        It 'refuses the name ''<Name>''' -ForEach @(
            @{ Name = 'has space' }
            @{ Name = '' }
            @{ Name = ('a' * 65) }
            @{ Name = 'ünïcode' }
            @{ Name = 'semi;colon' }
            @{ Name = "trailing`n" }
        ) {
            $failure = { New-LaminiJsonSchema @{ a = 'string' } -Name $Name } | Should -Throw -ErrorId 'InvalidSchemaName,*' -PassThru
            $failure.Exception.Message | Should -BeLike '*1 to 64 letters (a-z, A-Z), digits, underscores or hyphens*'
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.TargetObject | Should -Be $Name
        }

        It 'says what is wrong with a name' {
            { New-LaminiJsonSchema @{ a = 'string' } -Name 'my schema' } | Should -Throw -ExpectedMessage "The schema name 'my schema' can't be used: it contains a space.*"
            { New-LaminiJsonSchema @{ a = 'string' } -Name ('a' * 65) } | Should -Throw -ExpectedMessage '*it is 65 characters long*'
        }

        It 'stops the whole pipeline for a bad name, even with piped input' {
            { [pscustomobject]@{ a = 1 } | New-LaminiJsonSchema -Name 'bad name' -ErrorAction SilentlyContinue } | Should -Throw -ErrorId 'InvalidSchemaName,*'
        }

        It 'accepts the name ''<Name>''' -ForEach @(
            @{ Name = 'a' }
            @{ Name = 'llama_facts-2' }
            @{ Name = ('B' * 64) }
        ) {
            (New-LaminiJsonSchema @{ a = 'string' } -Name $Name).Name | Should -BeExactly $Name
        }

        It 'keeps the description out of the schema itself' {
            $schema = New-LaminiJsonSchema @{ answer = 'string' } -Description 'What the best llama is'
            $schema.Description | Should -Be 'What the best llama is'
            $schema.ToString() | Should -BeExactly $SeedSchema
        }
    }

    Context 'errors in -Property' {
        It 'reports <Name>' -ForEach @(
            @{ Name = 'an unknown type'; Property = @{ priority = 'strng' }; ErrorId = 'InvalidSchemaProperty'; Message = "Property 'priority': unknown type 'strng'. Did you mean 'string'? Use string, integer, number, boolean, object, array (add ``[``] for an array), an array of allowed values, or a nested hashtable.*" }
            @{ Name = 'an unknown nested type'; Property = @{ address = @{ city = 'text' } }; ErrorId = 'InvalidSchemaProperty'; Message = "Property 'address.city': unknown type 'text'.*" }
            @{ Name = 'an unknown type in an array of objects'; Property = @{ items = @(@{ name = 'strin' }) }; ErrorId = 'InvalidSchemaProperty'; Message = "Property 'items``[``].name': unknown type 'strin'. Did you mean 'string'?*" }
            @{ Name = 'an unknown array type'; Property = @{ t = 'strings[]' }; ErrorId = 'InvalidSchemaProperty'; Message = "*unknown type 'strings``[``]'. Did you mean 'string'?*" }
            @{ Name = 'a $null description'; Property = @{ a = $null }; ErrorId = 'InvalidSchemaProperty'; Message = "Property 'a': no type given (the value is `$null)*" }
            @{ Name = 'a number as description'; Property = @{ a = 5 }; ErrorId = 'InvalidSchemaProperty'; Message = "Property 'a': a System.Int32 (5) is not a type description*" }
            @{ Name = 'an empty list of allowed values'; Property = @{ a = @() }; ErrorId = 'InvalidSchemaProperty'; Message = "Property 'a': the list of allowed values is empty*" }
            @{ Name = 'a hashtable among allowed values'; Property = @{ a = @('x', @{ b = 1 }) }; ErrorId = 'InvalidSchemaProperty'; Message = '*allowed values must be strings, numbers, booleans or $null*' }
            @{ Name = 'an empty nested hashtable'; Property = @{ a = @{} }; ErrorId = 'InvalidSchemaProperty'; Message = "Property 'a': the hashtable is empty*" }
            @{ Name = 'an empty -Property'; Property = @{}; ErrorId = 'InvalidSchema'; Message = 'The property description is empty*' }
            @{ Name = 'an unknown fragment type'; Property = @{ a = @{ type = 'strng' } }; ErrorId = 'InvalidSchemaProperty'; Message = "Property 'a': unknown type 'strng'. Did you mean 'string'?*" }
            @{ Name = 'an unknown type in a type list'; Property = @{ a = @{ type = @('string', 'nul') } }; ErrorId = 'InvalidSchemaProperty'; Message = "*unknown type 'nul' in its type list. Did you mean 'null'?*" }
            @{ Name = 'a non-keyword in a fragment'; Property = @{ a = @{ type = 'string'; name = 'string' } }; ErrorId = 'InvalidSchemaProperty'; Message = "Property 'a': 'name' is not a JSON Schema keyword*property called 'type'*" }
            @{ Name = 'fragment properties that are not a hashtable'; Property = @{ a = @{ type = 'object'; properties = 'x' } }; ErrorId = 'InvalidSchemaProperty'; Message = "*'properties' must be a hashtable*" }
            @{ Name = 'required naming a missing property'; Property = @{ a = @{ type = 'object'; properties = @{ b = 'string' }; required = @('c') } }; ErrorId = 'InvalidSchemaProperty'; Message = "Property 'a' lists 'c' in ""required"", but it has no such property*" }
            @{ Name = 'an allowed value of the wrong type'; Property = @{ a = @{ type = 'integer'; enum = @('x') } }; ErrorId = 'InvalidSchemaProperty'; Message = '*"x" that is not of its type (integer)*' }
            @{ Name = 'a property with an empty name'; Property = @{ '' = 'string' }; ErrorId = 'InvalidSchema'; Message = '*a property has an empty name*' }
        ) {
            $failure = { New-LaminiJsonSchema -Property $Property } | Should -Throw -ErrorId "$ErrorId,*" -PassThru
            $failure.Exception.Message | Should -BeLike $Message
        }

        It 'makes a terminating InvalidArgument error whose target is the description and whose exception names the property' {
            $property = @{ address = @{ city = 'text' } }
            $failure = { New-LaminiJsonSchema -Property $property } | Should -Throw -PassThru
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.TargetObject | Should -Be $property
            $failure.Exception | Should -BeOfType ([LaminiPS.Models.LaminiSchemaException])
            $failure.Exception.ErrorId | Should -Be 'InvalidSchemaProperty'
            $failure.Exception.PropertyPath | Should -Be 'address.city'
        }
    }

    Context 'the schema object' {
        It 'declares its output type' {
            (Get-Command New-LaminiJsonSchema).OutputType.Type | Should -Be ([LaminiPS.Models.LaminiJsonSchema])
        }

        It 'has the four parameter sets, Property by default' {
            $command = Get-Command New-LaminiJsonSchema
            $command.DefaultParameterSet | Should -Be 'Property'
            @($command.ParameterSets.Name | Sort-Object) | Should -Be @('InputObject', 'Json', 'Property', 'Type')
        }

        It 'shows the schema as nested dictionaries that ConvertTo-Json writes back identically' {
            $schema = New-LaminiJsonSchema @{ answer = 'string'; tags = 'string[]'; n = 'int?' }
            $schema.Schema | Should -BeOfType ([System.Collections.Specialized.OrderedDictionary])
            $schema.Schema.properties.answer.type | Should -Be 'string'
            $schema.Schema | ConvertTo-Json -Depth 20 -Compress | Should -BeExactly $schema.ToString()
        }

        It 'cannot be changed after it is made' {
            $schema = New-LaminiJsonSchema @{ answer = 'string' }
            { $schema.Schema['type'] = 'array' } | Should -Throw
            { $schema.Name = 'other' } | Should -Throw
            $schema.ToString() | Should -BeExactly $SeedSchema
        }

        It 'writes text as is, not HTML-escaped' {
            (New-LaminiJsonSchema @{ a = @{ type = 'string'; description = "Llama's <best> & ünïque" } }).ToString() |
                Should -BeLike '*"description":"Llama''s <best> & ünïque"*'
        }
    }
}

Describe 'JSON conversion and reply checks, through Invoke-LaminiChat' {
    BeforeAll {
        # The JSON text Invoke-LaminiChat writes for $Value as a request field (-AdditionalParameters).
        function ConvertTo-RequestJson($Value) {
            Get-SentMember 'lamini_test_value' { Invoke-LaminiChat 'q' @conn -AdditionalParameters @{ lamini_test_value = $Value } }
        }
    }

    BeforeEach {
        Reset-LaminiTestServer -Server $server
    }

    Context 'PowerShell values to JSON' {
        BeforeAll {

            # The JSON text the schema builder writes for $Value, given as a property's "default".
            function ConvertTo-SchemaJson($Value) {
                $prefix = '{"type":"object","properties":{"p":{"type":"string","default":'
                $suffix = '}},"required":["p"]}'
                $text = (New-LaminiJsonSchema -Property @{ p = [ordered]@{ type = 'string'; default = $Value } }).ToString()
                $text.StartsWith($prefix) | Should -BeTrue -Because "the schema is $text"
                $text.EndsWith($suffix) | Should -BeTrue -Because "the schema is $text"
                $text.Substring($prefix.Length, $text.Length - $prefix.Length - $suffix.Length)
            }
        }

        It 'writes <Name> in a request as <Expected>' -ForEach @(
            @{ Name = '$null'; Value = $null; Expected = 'null' }
            @{ Name = 'DBNull'; Value = [DBNull]::Value; Expected = 'null' }
            @{ Name = 'string with quotes and markup'; Value = 'a "b" <c> & d'; Expected = '"a \"b\" <c> & d"' }
            @{ Name = 'non-ASCII text'; Value = 'ünï ✓'; Expected = '"ünï ✓"' }
            @{ Name = 'control characters'; Value = "tab`tnew`nline"; Expected = '"tab\tnew\nline"' }
            @{ Name = 'char'; Value = [char]'c'; Expected = '"c"' }
            @{ Name = 'true'; Value = $true; Expected = 'true' }
            @{ Name = 'int'; Value = 42; Expected = '42' }
            @{ Name = 'long'; Value = [long]::MaxValue; Expected = '9223372036854775807' }
            @{ Name = 'byte'; Value = [byte]7; Expected = '7' }
            @{ Name = 'negative short'; Value = [int16]-3; Expected = '-3' }
            @{ Name = 'ulong'; Value = [uint64]::MaxValue; Expected = '18446744073709551615' }
            @{ Name = 'double'; Value = 1.5; Expected = '1.5' }
            @{ Name = 'float'; Value = [float]0.25; Expected = '0.25' }
            @{ Name = 'decimal keeps its digits'; Value = [decimal]::Parse('1.10', [cultureinfo]::InvariantCulture); Expected = '1.10' }
            @{ Name = 'BigInteger'; Value = [bigint]::Parse('123456789012345678901234567890'); Expected = '123456789012345678901234567890' }
            @{ Name = 'enum'; Value = [DayOfWeek]::Monday; Expected = '"Monday"' }
            @{ Name = 'DateTime (UTC)'; Value = [datetime]::new(2024, 1, 2, 3, 4, 5, [DateTimeKind]::Utc); Expected = '"2024-01-02T03:04:05Z"' }
            @{ Name = 'DateTimeOffset'; Value = [DateTimeOffset]::new(2024, 1, 2, 3, 4, 5, [timespan]::FromHours(2)); Expected = '"2024-01-02T03:04:05+02:00"' }
            @{ Name = 'Guid'; Value = [guid]'0f8fad5b-d9cb-469f-a165-70867728950e'; Expected = '"0f8fad5b-d9cb-469f-a165-70867728950e"' }
            @{ Name = 'Uri as written'; Value = [uri]'https://example.test/a?b=c'; Expected = '"https://example.test/a?b=c"' }
            @{ Name = 'array'; Value = @(1, 'a', $null, $true); Expected = '[1,"a",null,true]' }
            @{ Name = 'empty array'; Value = @(); Expected = '[]' }
            @{ Name = 'generic list'; Value = [System.Collections.Generic.List[int]]@(1, 2); Expected = '[1,2]' }
            @{ Name = 'ordered dictionary keeps order'; Value = [ordered]@{ b = 1; a = 2 }; Expected = '{"b":1,"a":2}' }
            @{ Name = 'hashtable sorted'; Value = @{ b = 1; a = 2; C = 3 }; Expected = '{"a":2,"b":1,"C":3}' }
            @{ Name = 'generic dictionary'; Value = & { $d = [System.Collections.Generic.Dictionary[string, int]]::new(); $d['x'] = 1; , $d }; Expected = '{"x":1}' }
            @{ Name = 'nested pscustomobject'; Value = [pscustomobject]@{ name = 'x'; list = @(1, 2); inner = @{ k = 'v' }; none = $null }; Expected = '{"name":"x","list":[1,2],"inner":{"k":"v"},"none":null}' }
            @{ Name = 'empty pscustomobject'; Value = [pscustomobject]@{}; Expected = '{}' }
            @{ Name = 'wrapped string'; Value = [psobject]'x'; Expected = '"x"' }
        ) {
            ConvertTo-RequestJson $Value | Should -BeExactly $Expected
        }

        It 'writes <Name> in a schema as <Expected> (a request field refuses it)' -ForEach @(
            @{ Name = 'NaN'; Value = [double]::NaN; Expected = '"NaN"' }
            @{ Name = 'infinity'; Value = [double]::NegativeInfinity; Expected = '"-Infinity"' }
            @{ Name = 'other objects as text'; Value = [version]'1.2.3'; Expected = '"1.2.3"' }
            @{ Name = 'TimeSpan as text'; Value = [timespan]'01:02:03'; Expected = '"01:02:03"' }
        ) {
            ConvertTo-SchemaJson $Value | Should -BeExactly $Expected
        }

        It 'writes a schema object as its schema' {
            ConvertTo-RequestJson (New-LaminiJsonSchema @{ answer = 'string' }) | Should -BeExactly $SeedSchema
        }

        It 'refuses a value that contains itself, instead of overflowing the stack' {
            $loop = @{}
            $loop['self'] = $loop
            $failure = Get-Failure { Invoke-LaminiChat 'q' @conn -AdditionalParameters @{ loop = $loop } }
            $failure.FullyQualifiedErrorId | Should -Be 'InvalidAdditionalParameters,LaminiPS.Commands.InvokeLaminiChatCommand'
            $failure.Exception | Should -BeOfType ([System.ArgumentException])
            $failure.Exception.Message | Should -BeLike '*nested more than 100 levels deep*'
        }
    }

    Context 'JSON replies to PowerShell values (Data)' {
        It 'reads <Json> as <Type>' -ForEach @(
            @{ Json = '1'; Type = 'System.Int64'; Expected = 1 }
            @{ Json = '-9223372036854775808'; Type = 'System.Int64'; Expected = [long]::MinValue }
            @{ Json = '1.5'; Type = 'System.Double'; Expected = 1.5 }
            @{ Json = '2.0'; Type = 'System.Double'; Expected = 2 }
            @{ Json = '1e3'; Type = 'System.Double'; Expected = 1000 }
            @{ Json = '12345678901234567890123'; Type = 'System.Numerics.BigInteger'; Expected = [bigint]::Parse('12345678901234567890123') }
            @{ Json = '"text"'; Type = 'System.String'; Expected = 'text' }
            @{ Json = '"2024-01-02T03:04:05Z"'; Type = 'System.String'; Expected = '2024-01-02T03:04:05Z' }
            @{ Json = 'true'; Type = 'System.Boolean'; Expected = $true }
        ) {
            $value = (Invoke-JsonReply $Json).Replies[0].Data
            $value.GetType().FullName | Should -Be $Type
            $value | Should -Be $Expected
        }

        It 'reads null as $null' {
            $result = Invoke-JsonReply 'null'
            $result.Errors | Should -BeNullOrEmpty
            $result.Replies[0].Data | Should -BeNullOrEmpty
        }

        It 'reads an object as a PSCustomObject with properties in JSON order' {
            $value = (Invoke-JsonReply '{"b":1,"a":{"c":[1,"x",null]},"d":null}').Replies[0].Data
            $value | Should -BeOfType ([pscustomobject])
            $value.psobject.Properties.Name | Should -Be @('b', 'a', 'd')
            $value.a.c.GetType() | Should -Be ([object[]])
            $value.a.c.Count | Should -Be 3
            $value.d | Should -BeNullOrEmpty
        }

        It 'reads arrays as object[], empty ones too' {
            $empty = (Invoke-JsonReply '[]').Replies[0].Data
            $empty.GetType() | Should -Be ([object[]])
            $empty.Count | Should -Be 0
            (Invoke-JsonReply '[[1,2],[3]]').Replies[0].Data[0][1] | Should -Be 2
        }

        It 'keeps the last of a repeated name' {
            (Invoke-JsonReply '{"a":1,"a":2}').Replies[0].Data.a | Should -Be 2
        }

        It 'reads an object a PSCustomObject cannot hold (<Json>) as an ordered dictionary' -ForEach @(
            @{ Json = '{"":1,"b":2}' }
            @{ Json = '{"a":1,"A":2}' }
        ) {
            $value = (Invoke-JsonReply $Json).Replies[0].Data
            $value | Should -BeOfType ([System.Collections.Specialized.OrderedDictionary])
            $value.Count | Should -Be 2
        }

        It 'round-trips JSON text exactly, from a reply''s Data to a request field' {
            $json = '{"name":"Suri","age":4,"weight":120.5,"tags":["a","b"],"home":{"city":"Cusco","zip":null},"ok":true,"n":-1}'
            $data = (Invoke-JsonReply $json).Replies[0].Data
            ConvertTo-RequestJson $data | Should -BeExactly $json
        }

        It 'reports text that is not JSON with the parser''s message' {
            $result = Invoke-JsonReply '{"a":'
            $result.Replies | Should -BeNullOrEmpty
            $result.Errors | Should -HaveCount 1
            $result.Errors[0].FullyQualifiedErrorId | Should -Be 'JsonReplyInvalid,LaminiPS.Commands.InvokeLaminiChatCommand'
            $result.Errors[0].Exception.Message | Should -BeLike 'The reply is not valid JSON (line 1, position 6): *'
        }
    }

    Context 'validating a reply against a schema' {
        It '<Name>' -ForEach @(
            @{ Name = 'a valid reply'; Instance = '{"answer":"Suri"}'; Schema = '{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}'; Expected = @() }
            @{ Name = 'a wrong nested type'; Instance = '{"address":{"city":5}}'; Schema = '{"type":"object","properties":{"address":{"type":"object","properties":{"city":{"type":"string"}}}}}'; Expected = @('$.address.city: expected string, got number') }
            @{ Name = 'a missing required property'; Instance = '{}'; Schema = '{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}'; Expected = @("`$: missing required property 'answer'") }
            @{ Name = 'an extra property'; Instance = '{"a":1,"extra":2}'; Schema = '{"type":"object","properties":{"a":{"type":"integer"}},"additionalProperties":false}'; Expected = @("`$: unexpected property 'extra' (additionalProperties is false)") }
            @{ Name = 'additionalProperties as a schema'; Instance = '{"x":1,"y":"two"}'; Schema = '{"type":"object","additionalProperties":{"type":"integer"}}'; Expected = @('$.y: expected integer, got string') }
            @{ Name = 'a value outside the enum'; Instance = '{"p":"urgent"}'; Schema = '{"type":"object","properties":{"p":{"type":"string","enum":["low","high"]}}}'; Expected = @('$.p: "urgent" is not one of the allowed values "low", "high"') }
            @{ Name = 'array items'; Instance = '{"tags":["a",2,"c",false]}'; Schema = '{"type":"object","properties":{"tags":{"type":"array","items":{"type":"string"}}}}'; Expected = @('$.tags[1]: expected string, got number', '$.tags[3]: expected string, got boolean') }
            @{ Name = 'objects inside arrays'; Instance = '{"list":[{"name":"a"},{"nome":"b"}]}'; Schema = '{"type":"object","properties":{"list":{"type":"array","items":{"type":"object","required":["name"]}}}}'; Expected = @("$.list[1]: missing required property 'name'") }
            @{ Name = 'null allowed by a type list'; Instance = '{"n":null}'; Schema = '{"type":"object","properties":{"n":{"type":["integer","null"]}}}'; Expected = @() }
            @{ Name = 'null not allowed'; Instance = '{"n":null}'; Schema = '{"type":"object","properties":{"n":{"type":"integer"}}}'; Expected = @('$.n: expected integer, got null') }
            @{ Name = 'a type list'; Instance = '{"n":true}'; Schema = '{"type":"object","properties":{"n":{"type":["integer","null"]}}}'; Expected = @('$.n: expected integer or null, got boolean') }
            @{ Name = 'an integer written 3.0'; Instance = '{"n":3.0}'; Schema = '{"type":"object","properties":{"n":{"type":"integer"}}}'; Expected = @() }
            @{ Name = 'a fraction for an integer'; Instance = '{"n":3.5}'; Schema = '{"type":"object","properties":{"n":{"type":"integer"}}}'; Expected = @('$.n: expected integer, got number') }
            @{ Name = 'const'; Instance = '{"k":"b"}'; Schema = '{"type":"object","properties":{"k":{"const":"a"}}}'; Expected = @('$.k: expected "a", got "b"') }
            @{ Name = 'const number by value'; Instance = '{"k":1.0}'; Schema = '{"type":"object","properties":{"k":{"const":1}}}'; Expected = @() }
            @{ Name = 'anyOf matched'; Instance = '{"v":5}'; Schema = '{"type":"object","properties":{"v":{"anyOf":[{"type":"string"},{"type":"integer"}]}}}'; Expected = @() }
            @{ Name = 'anyOf unmatched'; Instance = '{"v":true}'; Schema = '{"type":"object","properties":{"v":{"anyOf":[{"type":"string"},{"type":"integer"}]}}}'; Expected = @('$.v: matches none of the 2 anyOf alternatives (closest: $.v: expected string, got boolean)') }
            @{ Name = 'a $ref to $defs'; Instance = '{"home":{"city":1}}'; Schema = '{"type":"object","properties":{"home":{"$ref":"#/$defs/address"}},"$defs":{"address":{"type":"object","properties":{"city":{"type":"string"}}}}}'; Expected = @('$.home.city: expected string, got number') }
            @{ Name = 'a recursive $ref'; Instance = '{"tree":{"v":"a","children":[{"v":"b","children":[{"v":3}]}]}}'; Schema = '{"type":"object","properties":{"tree":{"$ref":"#/$defs/node"}},"$defs":{"node":{"type":"object","properties":{"v":{"type":"string"},"children":{"type":"array","items":{"$ref":"#/$defs/node"}}}}}}'; Expected = @('$.tree.children[0].children[0].v: expected string, got number') }
            @{ Name = 'unknown keywords ignored'; Instance = '{"e":"x"}'; Schema = '{"type":"object","x-custom":1,"properties":{"e":{"type":"string","format":"email","title":"E"}}}'; Expected = @() }
            @{ Name = 'a name that is not an identifier'; Instance = '{"first name":1}'; Schema = '{"type":"object","properties":{"first name":{"type":"string"}}}'; Expected = @("`$['first name']: expected string, got number") }
            @{ Name = 'limits'; Instance = '{"n":0,"s":"abcdef","l":[]}'; Schema = '{"type":"object","properties":{"n":{"type":"integer","minimum":1},"s":{"type":"string","maxLength":3},"l":{"type":"array","minItems":1}}}'; Expected = @('$.n: 0 is less than the minimum 1', '$.s: expected at most 3 characters, got 6', '$.l: expected at least 1 items, got 0') }
            @{ Name = 'a pattern'; Instance = '{"z":"abc"}'; Schema = '{"type":"object","properties":{"z":{"type":"string","pattern":"^[0-9]+$"}}}'; Expected = @('$.z: "abc" does not match the pattern ^[0-9]+$') }
            @{ Name = 'a root of the wrong kind'; Instance = '[1]'; Schema = '{"type":"object"}'; Expected = @('$: expected object, got array') }
        ) {
            $result = Invoke-JsonReply $Instance $Schema
            if ($Expected.Count) {
                $result.Errors | Should -HaveCount 1
                $result.Errors[0].FullyQualifiedErrorId | Should -Be 'JsonReplySchemaMismatch,LaminiPS.Commands.InvokeLaminiChatCommand'
                $result.Errors[0].Exception.Violations | Should -Be $Expected
            } else {
                $result.Errors | Should -BeNullOrEmpty
                $result.Replies | Should -HaveCount 1
            }
        }
    }

    Context 'checking a structured reply' {
        BeforeAll {
            $answerSchema = New-LaminiJsonSchema @{ answer = 'string' } -Name answer_only
        }

        It 'gives the data of a reply that matches' {
            $result = Invoke-JsonReply '{"answer":"Suri"}' $answerSchema
            $result.Errors | Should -BeNullOrEmpty
            $result.Replies[0].Data.answer | Should -Be 'Suri'
        }

        It 'gives the data without a schema' {
            $result = Invoke-JsonReply '[1,2]'
            $result.Errors | Should -BeNullOrEmpty
            $result.Replies[0].Data.Count | Should -Be 2
        }

        It 'tolerates whitespace and a Markdown code fence' {
            $result = Invoke-JsonReply "  ``````json`n{""answer"":""Suri""}`n``````  " $answerSchema
            $result.Errors | Should -BeNullOrEmpty
            $result.Replies[0].Data.answer | Should -Be 'Suri'
        }

        It 'reports text that is not JSON as JsonReplyInvalid, with the parser''s message: <Name>' -ForEach @(
            @{ Name = 'prose'; Text = 'The best llama is Suri.'; Message = 'The reply is not valid JSON (line 1, position 1): *' }
            @{ Name = 'cut off'; Text = '{"answer": "Su'; Message = 'The reply is not valid JSON (line 1, position *' }
            @{ Name = 'empty'; Text = ''; Message = 'The reply is empty, not JSON.' }
        ) {
            $result = Invoke-JsonReply $Text $answerSchema
            $result.Replies | Should -BeNullOrEmpty
            $result.Errors | Should -HaveCount 1
            $result.Errors[0].FullyQualifiedErrorId | Should -Be 'JsonReplyInvalid,LaminiPS.Commands.InvokeLaminiChatCommand'
            $result.Errors[0].Exception.Message | Should -BeLike $Message
            $result.Errors[0].Exception.Violations | Should -BeNullOrEmpty -Because 'text that is not JSON is never checked against the schema'
        }

        It 'reports a reply that does not match as JsonReplySchemaMismatch, keeping the raw reply' {
            $result = Invoke-JsonReply '{"answer":5,"extra":true}' (New-LaminiJsonSchema @{ answer = 'string' } -Strict)
            $result.Replies | Should -BeNullOrEmpty
            $result.Errors | Should -HaveCount 1
            $failure = $result.Errors[0]
            $failure.FullyQualifiedErrorId | Should -Be 'JsonReplySchemaMismatch,LaminiPS.Commands.InvokeLaminiChatCommand'
            $failure.Exception.Violations | Should -Be @('$.answer: expected string, got number', "`$: unexpected property 'extra' (additionalProperties is false)")
            $failure.Exception.Message | Should -BeExactly ("The reply does not match the schema 'json_response' (2 problems): `$.answer: expected string, got number; `$: unexpected property 'extra' (additionalProperties is false)")
            $failure.Exception.RawText | Should -BeExactly '{"answer":5,"extra":true}'
        }
    }

    Context 'making a schema from whatever -JsonSchema is given' {
        It 'sends a schema object as it is, with its name' {
            $schema = New-LaminiJsonSchema @{ answer = 'string' } -Name given -Description 'as made'
            Get-ResponseFormat $schema | Should -BeExactly ('{"type":"json_schema","json_schema":{"name":"given","description":"as made","schema":' + $SeedSchema + '}}')
        }

        It 'reads <Name>' -ForEach @(
            @{ Name = 'a property hashtable'; Value = @{ answer = 'string' } }
            @{ Name = 'a whole schema as a hashtable'; Value = @{ type = 'object'; properties = @{ answer = @{ type = 'string' } }; required = @('answer') } }
            @{ Name = 'JSON text'; Value = '{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}' }
            @{ Name = 'a response_format'; Value = '{"type":"json_schema","json_schema":{"name":"json_response","schema":{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}}}' }
            @{ Name = 'a schema from ConvertFrom-Json'; Value = ('{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}' | ConvertFrom-Json) }
        ) {
            Get-ResponseFormat $Value | Should -BeExactly $SeedResponseFormat
        }

        It 'treats a hashtable with a type key as the schema, not as properties' {
            $failure = Get-Failure { Invoke-LaminiChat 'q' -JsonSchema @{ type = 'string' } @conn }
            $failure.FullyQualifiedErrorId | Should -Be 'ParameterArgumentTransformationError,LaminiPS.Commands.InvokeLaminiChatCommand'
            $failure.Exception.Message | Should -BeLike '*root has "type": "string"*'
            $failure.Exception.InnerException.InnerException | Should -BeOfType ([LaminiPS.Models.LaminiSchemaException])
        }

        It 'applies strict mode to a tool definition''s parameters given as property types' {
            $null = Invoke-LaminiChat 'q' -Tool @{ name = 'lookup'; strict = $true; parameters = @{ answer = 'string' } } @conn
            $tool = (Get-ChatRequest $server)[-1].Json.tools[0].function
            $tool.strict | Should -BeTrue
            $tool.parameters.additionalProperties | Should -BeFalse
            $tool.parameters.required | Should -Be 'answer'
        }

        It 'refuses <Name> with <ErrorId>' -ForEach @(
            @{ Name = 'a number'; Value = 5; ErrorId = 'InvalidSchema' }
            @{ Name = '$null'; Value = $null; ErrorId = 'InvalidSchema' }
            @{ Name = 'text that is not JSON'; Value = 'answer: string'; ErrorId = 'InvalidSchemaJson' }
        ) {
            $failure = Get-Failure { Invoke-LaminiChat 'q' -JsonSchema $Value @conn }
            $failure.FullyQualifiedErrorId | Should -BeLike 'Parameter*,LaminiPS.Commands.InvokeLaminiChatCommand'
            @(Get-ChatRequest $server) | Should -BeNullOrEmpty -Because 'a schema that cannot be made stops the command before any request'
            $reason = $failure.Exception.InnerException.InnerException
            $reason | Should -BeOfType ([LaminiPS.Models.LaminiSchemaException])
            $reason.ErrorId | Should -Be $ErrorId
        }
    }
}
