using Statehouse.Soak.Faults;

namespace Statehouse.Soak.Tests;

public sealed class SoakArgumentsTests
{
    private static readonly Func<string, string?> s_noEnvironment = _ => null;

    [Fact]
    public void TryParse_Nothing_GivesTheDocumentedDefaults()
    {
        Assert.True(SoakArguments.TryParse([], s_noEnvironment, out var parsed, out var error), error);

        Assert.Equal(new Uri(SoakArguments.DefaultAmqp), parsed.Amqp);
        Assert.Equal(2000, parsed.Transactions);
        Assert.Equal(5, parsed.Kills);
        Assert.Equal(4, parsed.Clients);
        Assert.Equal(4, parsed.InFlight);
        Assert.Equal(60, parsed.CommitAttempts);
        Assert.Equal(TimeSpan.FromSeconds(600), parsed.MaxDuration);
        Assert.False(parsed.Keep);
    }

    [Fact]
    public void TryParse_AmqpFromEnvironment_UsedWithoutOption()
    {
        Assert.True(SoakArguments.TryParse([], name => name == "STATEHOUSE_AMQP" ? "amqp://u:p@localhost:5673/" : null, out var parsed, out _));

        Assert.Equal(5673, parsed.Amqp.Port);
    }

    [Fact]
    public void TryParse_RemoteBroker_Refused()
    {
        Assert.False(SoakArguments.TryParse(["--amqp", "amqp://guest:guest@10.1.2.3:5672/"], s_noEnvironment, out _, out var error));

        Assert.Contains("loopback", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_TooFewTransactionsForTheKills_Refused()
    {
        Assert.False(SoakArguments.TryParse(["--transactions", "40", "--kills", "5"], s_noEnvironment, out _, out var error));

        Assert.Contains("10 × --kills", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Options_Read()
    {
        string[] args =
            ["--transactions", "100000", "--kills", "50", "--clients", "8", "--in-flight", "2", "--commit-attempts", "2", "--max-seconds", "3600", "--seed", "7", "--keep"];

        Assert.True(SoakArguments.TryParse(args, s_noEnvironment, out var parsed, out var error), error);

        Assert.Equal((100_000, 50, 8, 2, 2, 7, true), (parsed.Transactions, parsed.Kills, parsed.Clients, parsed.InFlight, parsed.CommitAttempts, parsed.Seed, parsed.Keep));
        Assert.Equal(TimeSpan.FromHours(1), parsed.MaxDuration);
    }

    [Fact]
    public void TryParse_Replicated_ReadsReplicasFaultsAndRate()
    {
        string[] args =
        [
            "--amqp", "amqp://guest:guest@127.0.0.1:5691/,amqp://guest:guest@127.0.0.1:5692/,amqp://guest:guest@127.0.0.1:5693/",
            "--replicas", "1", "--faults", "zombie,machine-loss,node-loss,zombie", "--faults-each", "20", "--transactions", "50000", "--rate", "40",
        ];

        Assert.True(SoakArguments.TryParse(args, s_noEnvironment, out var parsed, out var error), error);

        Assert.Equal(3, parsed.Brokers.Count);
        Assert.Equal(5693, parsed.Brokers[2].Port);
        Assert.True(parsed.Replicated);
        Assert.Equal([FaultKind.Zombie, FaultKind.MachineLoss, FaultKind.NodeLoss], parsed.Faults);
        Assert.Equal((1, 20, 60, 40, 0), (parsed.Replicas, parsed.FaultsEach, parsed.FaultCount, parsed.Rate, parsed.Kills));
    }

    [Theory]
    [InlineData("--kills 0 --faults zombie", "--faults needs --replicas")]
    [InlineData("--replicas 1 --kills 3", "with --replicas use --faults")]
    [InlineData("--replicas 1 --faults node-loss", "three nodes of a cluster")]
    [InlineData("--replicas 1 --faults zombie,fire", "unknown fault 'fire'")]
    [InlineData("--replicas 1 --faults zombie --faults-each 300", "10 × the faults")]
    [InlineData("--amqp amqp://127.0.0.1:5691/,amqp://10.0.0.2:5692/", "loopback")]
    public void TryParse_ReplicatedUsageError_RefusedNamingTheCause(string args, string expected)
    {
        Assert.False(SoakArguments.TryParse(args.Split(' '), s_noEnvironment, out _, out var error));

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--kils 5", "--kils")]
    [InlineData("--clients 65", "--clients must be a whole number from 1 to 64")]
    [InlineData("--worker-log-level Verbose", "Verbose")]
    public void TryParse_UsageError_RefusedNamingTheCause(string args, string expected)
    {
        Assert.False(SoakArguments.TryParse(args.Split(' '), s_noEnvironment, out _, out var error));

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
