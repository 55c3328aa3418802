using System.CommandLine;
using Statehouse.Soak.Load;

namespace Statehouse.Soak.Tests.Load;

public sealed class ClientArgumentsTests
{
    [Fact]
    public async Task CreateCommand_ToArguments_ReadsTheSameArguments()
    {
        Uri[] brokers = [new("amqp://guest:guest@127.0.0.1:5691/"), new("amqp://guest:guest@127.0.0.1:5692/")];
        var written = new ClientArguments(brokers, "soak-1", 3, 500, 4, 20, 2, -7, "/tmp/journal-3.jsonl", 12.5);
        ClientArguments? read = null;
        var root = new RootCommand { ClientArguments.CreateCommand(arguments => Task.FromResult((read = arguments) is null ? 1 : 0)) };

        var exitCode = await root.Parse([.. written.ToArguments()]).InvokeAsync();

        Assert.Equal(0, exitCode);
        Assert.NotNull(read);
        Assert.Equal(brokers, read.Brokers);
        Assert.Equal(written, read with { Brokers = brokers });
    }

    [Fact]
    public void CreateCommand_MissingJournal_IsAUsageError()
    {
        var root = new RootCommand { ClientArguments.CreateCommand(_ => Task.FromResult(0)) };

        var parse = root.Parse(["client", "--amqp", "amqp://127.0.0.1/", "--prefix", "p", "--index", "0", "--count", "1", "--in-flight", "1", "--agents", "2"]);

        Assert.Contains(parse.Errors, e => e.Message.Contains("--journal", StringComparison.Ordinal));
    }
}
