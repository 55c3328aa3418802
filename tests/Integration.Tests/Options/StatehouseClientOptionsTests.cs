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
}
