using Xunit.Abstractions;

namespace Statehouse.Reliability.Tests.Infrastructure;

/// <summary>What a <see cref="CommitWorkload"/> run came to, checked against the replayed log.</summary>
internal sealed record WorkloadReport(IReadOnlyList<WorkloadCall> Calls, int Resent, long LastCommitTs, int LoggedTransactions, IReadOnlyList<string> Violations)
{
    public int Committed => Calls.Count(c => c.Result is not null);

    public int TimedOut => Calls.Count(c => c.TimedOut);

    public TimeSpan LongestCall => Calls.Count == 0 ? TimeSpan.Zero : Calls.Max(c => c.Elapsed);

    /// <summary>Calls that were waiting at <paramref name="moment"/> and got their commit afterwards.</summary>
    public int AnsweredAcross(DateTimeOffset moment) => Calls.Count(c => c.Result is not null && c.Started < moment && c.Ended > moment);

    /// <summary>The figures, then the first violations.</summary>
    public void WriteTo(ITestOutputHelper output)
    {
        output.WriteLine(ToString());
        foreach (var violation in Violations.Take(20))
        {
            output.WriteLine("VIOLATION " + violation);
        }
    }

    public override string ToString() =>
        $"calls={Calls.Count} committed={Committed} timed_out={TimedOut} resent={Resent} logged={LoggedTransactions} last_commit_ts={LastCommitTs} " +
        $"longest_call={LongestCall.TotalSeconds:F1}s violations={Violations.Count}";
}
