using Statehouse.Testing.Brokers;
using Xunit.Abstractions;

namespace Statehouse.Soak.Tests.Crash;

/// <summary>
/// The crash soak, small: 2,000 transactions from 4 client processes while the real worker is SIGKILLed and restarted
/// 5 times at random moments; then every invariant must hold (see docs/soak.md).
/// </summary>
public sealed class CrashSoakTests(ITestOutputHelper output)
{
    /// <summary>Above the tool's own bound (--max-seconds), which fails the run first with its own message.</summary>
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(6);

    [Fact]
    public async Task Soak_TwoThousandTransactionsFiveKills_KeepsEveryInvariant()
    {
        var broker = await RequireBrokerAsync();

        var run = await SoakProcess.RunAsync(["--amqp", broker, "--transactions", "2000", "--kills", "5", "--max-seconds", "300"], s_timeout);

        output.WriteLine(run.Output);
        if (run.Errors.Length > 0)
        {
            output.WriteLine(run.Errors);
        }

        Assert.True(run.ExitCode == 0, $"the soak exited with code {run.ExitCode}:\n{run.Output}\n{run.Errors}");
        var summary = run.Summary();
        Assert.Equal("0", summary["lost"]);
        Assert.Equal("0", summary["partial"]);
        Assert.Equal("0", summary["duplicate"]);
        Assert.Equal("0", summary["gaps"]);
        Assert.Equal("0", summary["replay_mismatch"]);
        Assert.Equal("0", summary["phantom"]);
        Assert.Equal("5", summary["kills"]);
        Assert.Equal("2000", summary["transactions"]);
    }

    /// <summary>The broker the suite uses, proven reachable: a missing broker fails with how to start one, never skips.</summary>
    private static async Task<string> RequireBrokerAsync()
    {
        await using var broker = await TestBroker.LocateAsync("statehouse-soak-tests-probe");
        return broker.Uri.ToString();
    }
}
