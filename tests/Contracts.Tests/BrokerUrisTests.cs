using Statehouse.Contracts;

namespace Statehouse.Contracts.Tests;

public sealed class BrokerUrisTests
{
    [Fact]
    public void Parse_OneUri_ReturnsItAlone()
    {
        var uris = BrokerUris.Parse("amqp://guest:guest@localhost:5672/");

        Assert.Equal([new Uri("amqp://guest:guest@localhost:5672/")], uris);
    }

    [Fact]
    public void Parse_ClusterList_ReturnsEveryNodeInOrder()
    {
        var uris = BrokerUris.Parse("amqp://u:p@127.0.0.1:5681/, amqp://u:p@127.0.0.1:5682/ ,amqp://u:p@127.0.0.1:5683/");

        Assert.Equal([5681, 5682, 5683], uris.Select(u => u.Port));
        Assert.All(uris, u => Assert.Equal("u:p", u.UserInfo));
    }

    [Fact]
    public void Parse_DefaultAndEscapedDefaultVirtualHost_Agree()
    {
        var uris = BrokerUris.Parse("amqps://u:p@a.example/,amqps://u:p@b.example/%2f,amqps://u:p@c.example");

        Assert.Equal(3, uris.Count);
    }

    [Theory]
    [InlineData("", "'' is not one")]
    [InlineData("amqp://u:p@a:1/,", "'' is not one")]
    [InlineData("http://a:1/", "'http://a:1/' is not one")]
    [InlineData("amqp://u:p@a:1/,localhost:5672", "'localhost:5672' is not one")]
    public void Parse_AnItemThatIsNoAmqpUri_NamesIt(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => BrokerUris.Parse(text));

        Assert.StartsWith("must be an absolute amqp:// or amqps:// URI", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("amqp://u:p@a:1/,amqps://u:p@b:2/", "in its scheme")]
    [InlineData("amqp://u:p@a:1/,amqp://u:other@b:2/", "in its user or password")]
    [InlineData("amqp://u:p@a:1/,amqp://v:p@b:2/", "in its user or password")]
    [InlineData("amqp://u:p@a:1/,amqp://u:p@b:2/prod", "in its virtual host")]
    public void Parse_NodesThatDisagree_NamesTheDifferenceWithoutCredentials(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => BrokerUris.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("differs from the first, 'amqp://a:1/'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("u:p", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("other", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NodesThatDifferOnlyInTheUser_SaysWhichUriDiffers()
    {
        // Without credentials both URIs read the same: the message names the item by its place in the list.
        var error = Assert.Throws<FormatException>(() => BrokerUris.Parse("amqp://u:p@a:1/,amqp://a:1/,amqp://v:p@a:1/"));

        Assert.Contains("URI 2, 'amqp://a:1/', differs from the first, 'amqp://a:1/', in its user or password", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_EmptyList_Throws()
    {
        var error = Assert.Throws<FormatException>(() => BrokerUris.Check([]));

        Assert.Equal("must name at least one amqp:// or amqps:// URI.", error.Message);
    }

    [Theory]
    [InlineData("amqp://guest:secret@rabbit:5681/", "amqp://rabbit:5681/")]
    [InlineData("amqps://guest:secret@rabbit/prod", "amqps://rabbit:5671/prod")]
    [InlineData("amqp://rabbit", "amqp://rabbit:5672/")]
    public void Describe_Uri_LeavesOutCredentials(string uri, string expected)
    {
        Assert.Equal(expected, BrokerUris.Describe(new Uri(uri)));
    }
}
