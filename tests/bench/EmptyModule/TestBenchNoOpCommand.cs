using System.Management.Automation;

namespace LaminiBench;

/// <summary>Writes each string it is given, unchanged: what a cmdlet costs in a pipeline when it does no work.</summary>
[Cmdlet(VerbsDiagnostic.Test, "BenchNoOp")]
[OutputType(typeof(string))]
public sealed class TestBenchNoOpCommand : PSCmdlet
{
    /// <summary>Bound like Invoke-LaminiChat's -Prompt: a string array, by value from the pipeline.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    public string[]? InputObject { get; set; }

    protected override void ProcessRecord()
    {
        foreach (string item in InputObject!)
        {
            WriteObject(item);
        }
    }
}
