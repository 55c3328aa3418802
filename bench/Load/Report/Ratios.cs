using Statehouse.Bench.Results;

namespace Statehouse.Bench.Report;

/// <summary>The ratios the issue asks for, from one run (null when a mode did not run).</summary>
internal sealed record Ratios(
    double? CommitOverEcho,
    double? GroupOverBatch1,
    double? CommitOverPostgres,
    double? HalfLoadP99CommitOverEcho,
    double? HalfLoadRate)
{
    public static Ratios From(BenchRun run)
    {
        var echo = run.Find(ModeNames.Echo);
        var commit = run.Find(ModeNames.Commit);
        var batch1 = run.Find(ModeNames.CommitBatch1);
        var postgres = run.Find(ModeNames.Postgres);
        var commitHalf = run.Find(ModeNames.CommitHalf);
        var echoHalf = run.Find(ModeNames.EchoHalf);
        return new Ratios(
            Divide(commit?.TxPerSecond, echo?.TxPerSecond),
            Divide(commit?.TxPerSecond, batch1?.TxPerSecond),
            Divide(commit?.TxPerSecond, postgres?.TxPerSecond),
            Divide(commitHalf?.Latency.P99Ms, echoHalf?.Latency.P99Ms),
            commitHalf?.RatePerSecond);
    }

    private static double? Divide(double? a, double? b) => a is { } x && b is { } y && y > 0 ? x / y : null;
}
