using System;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;

namespace LaminiPS.Commands;

/// <summary>
/// A batch's counts as progress records, written through the cmdlet on the pipeline thread: none
/// for a single prompt, at most one every quarter second, and a closing one if any was shown.
/// </summary>
internal sealed class BatchProgress
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(250);

    private readonly string _activity;
    private readonly int? _expectedTotal;
    private readonly Func<int> _inFlight;
    private readonly Action<ProgressRecord> _write;
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();
    private int _submitted;
    private int _completed;
    private int _failed;
    private bool _shown;

    /// <param name="activity">The progress bar's title.</param>
    /// <param name="expectedTotal">The number of prompts when known up front (an array given to -Prompt); null for piped input.</param>
    /// <param name="inFlight">How many prompts are being answered right now.</param>
    /// <param name="write">Writes a record; called on the pipeline thread only.</param>
    public BatchProgress(string activity, int? expectedTotal, Func<int> inFlight, Action<ProgressRecord> write)
    {
        _activity = activity;
        _expectedTotal = expectedTotal;
        _inFlight = inFlight;
        _write = write;
    }

    public void Submitted()
    {
        _submitted++;
        WriteWhenDue();
    }

    public void Completed(bool failed)
    {
        _completed++;
        if (failed)
        {
            _failed++;
        }

        WriteWhenDue();
    }

    public void Finished()
    {
        if (_shown)
        {
            _write(new ProgressRecord(1, _activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    private void WriteWhenDue()
    {
        int total = _expectedTotal ?? _submitted;
        if (total <= 1 || _sinceLast.Elapsed < s_interval)
        {
            return;
        }

        _sinceLast.Restart();
        _shown = true;
        string status = string.Format(CultureInfo.InvariantCulture, "{0} done, {1} in flight, {2} failed", _completed, _inFlight(), _failed);
        _write(new ProgressRecord(1, _activity, status)
        {
            PercentComplete = _expectedTotal is int expected ? Math.Min(100, _completed * 100 / expected) : -1,
        });
    }
}
