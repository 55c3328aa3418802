using Statehouse.Client;

namespace Statehouse.Integration.Tests.Options;

/// <summary>Option checks that need no broker.</summary>
public sealed class StatehouseClientOptionsTests
{
    [Fact]
    public void Validate_CommitDeadlineInfinite_ThrowsNamingTheWorkersRetention()
    {
        var options = new StatehouseClientOptions { CommitDeadline = Timeout.InfiniteTimeSpan };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal(nameof(StatehouseClientOptions.CommitDeadline), error.ParamName);
        Assert.Contains("Statehouse:Commit:InboxRetention", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(90)]
    public void Validate_CommitDeadlineAutomaticOrPositive_Passes(int? seconds)
    {
        var options = new StatehouseClientOptions { CommitDeadline = seconds is { } s ? TimeSpan.FromSeconds(s) : null };

        options.Validate();
    }

    [Fact]
    public void Validate_UrisOfOneCluster_Passes()
    {
        var options = new StatehouseClientOptions
        {
            Uri = null!,
            Uris = [new Uri("amqp://u:p@127.0.0.1:5681/"), new Uri("amqp://u:p@127.0.0.1:5682/")],
        };

        options.Validate();

        Assert.Equal(options.Uris, options.BrokerNodes());
    }

    [Fact]
    public void Validate_UrisThatDisagree_ThrowsNamingUrisWithoutCredentials()
    {
        var options = new StatehouseClientOptions { Uris = [new Uri("amqp://u:p@a:5681/"), new Uri("amqp://u:p@b:5682/other")] };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal(nameof(StatehouseClientOptions.Uris), error.ParamName);
        Assert.StartsWith("Uris must name the nodes of one cluster", error.Message, StringComparison.Ordinal);
        Assert.Contains("URI 2, 'amqp://b:5682/other', differs from the first, 'amqp://a:5681/', in its virtual host", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokerNodes_NoUris_IsUriAlone()
    {
        var options = new StatehouseClientOptions { Uri = new Uri("amqp://u:p@rabbit:5672/") };

        Assert.Equal([options.Uri], options.BrokerNodes());
    }

    [Fact]
    public void Clone_UrisChangedAfterwards_CopyKeepsTheNodesItWasMadeWith()
    {
        var options = new StatehouseClientOptions { Uris = [new Uri("amqp://a:5681/")] };

        var copy = options.Clone();
        options.Uris.Add(new Uri("amqp://b:5682/"));

        Assert.Equal([new Uri("amqp://a:5681/")], copy.Uris);
    }
}
