using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using LaminiPS.Models;

namespace LaminiPS.Commands;

/// <summary>Lists the models the service offers (GET /models).</summary>
[Cmdlet(VerbsCommon.Get, "LaminiModel", HelpUri = OnlineHelp.Pages + "Get-LaminiModel.md")]
[OutputType(typeof(LaminiModel))]
public sealed class GetLaminiModelCommand : LaminiCommandBase
{
    private IReadOnlyList<LaminiModel>? _models;

    /// <summary>Model ids to return; wildcards allowed. A literal id that is not offered is an error.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ModelNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            _models ??= Await(Client.ListModelsAsync(Log, Cancellation));
        }
        catch (LaminiApiException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex, BaseUri));
            return;
        }

        if (Name is null)
        {
            WriteObject(_models, enumerateCollection: true);
            return;
        }

        foreach (string name in Name)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            List<LaminiModel> matches = _models.Where(model => pattern.IsMatch(model.Id)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(new ErrorRecord(
                    new ItemNotFoundException($"No model named '{name}' is offered by the service. Run Get-LaminiModel to list the ids."),
                    ErrorIds.ModelNotFound,
                    ErrorCategory.ObjectNotFound,
                    name));
            }

            WriteObject(matches, enumerateCollection: true);
        }
    }
}
