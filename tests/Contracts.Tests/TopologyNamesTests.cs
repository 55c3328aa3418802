using Statehouse.Contracts;

namespace Statehouse.Contracts.Tests;

public sealed class TopologyNamesTests
{
    [Fact]
    public void TopologyNames_DefaultPrefix_MatchesDocumentedNames()
    {
        var names = new TopologyNames();

        Assert.Equal("statehouse.commit", names.CommitQueue);
        Assert.Equal("statehouse.read", names.ReadQueue);
        Assert.Equal("statehouse.dead-letter", names.DeadLetterExchange);
        Assert.Equal("statehouse.commit.dead", names.DeadLetterQueue);
        Assert.Equal("statehouse.commits", names.CommitsExchange);
        Assert.Equal("statehouse.deployment", names.DeploymentStream);
        Assert.Equal("statehouse.log", names.LogStream);
    }

    [Fact]
    public void TopologyNames_CustomPrefix_PrefixesEveryName()
    {
        var names = new TopologyNames("t-1234abcd");

        Assert.All(
            new[] { names.CommitQueue, names.ReadQueue, names.DeadLetterExchange, names.DeadLetterQueue, names.CommitsExchange, names.DeploymentStream,
                names.LogStream },
            name => Assert.StartsWith("t-1234abcd.", name, StringComparison.Ordinal));
    }

    [Fact]
    public void MessageHeaders_Names_ArePinned()
    {
        Assert.Equal("x-statehouse-error", MessageHeaders.Error);
        Assert.Equal("x-statehouse-error-code", MessageHeaders.ErrorCode);
        Assert.Equal("x-statehouse-type", MessageHeaders.MessageType);
        Assert.Equal("application/x-msgpack", WireFormat.ContentType);
    }
}
