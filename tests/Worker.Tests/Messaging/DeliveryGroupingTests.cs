using Statehouse.Worker.Messaging;

namespace Statehouse.Worker.Tests.Messaging;

public sealed class DeliveryGroupingTests
{
    [Fact]
    public void TryAdd_CountLimitReached_RefusesAndIsFull()
    {
        var grouping = new DeliveryGrouping(maxCount: 2, maxBytes: 1000);
        grouping.Start();

        Assert.True(grouping.TryAdd(10));
        Assert.True(grouping.TryAdd(10));

        Assert.True(grouping.IsFull);
        Assert.False(grouping.TryAdd(1));
        Assert.Equal((2, 20L), (grouping.Count, grouping.Bytes));
    }

    [Fact]
    public void TryAdd_BytesBeyondLimit_RefusedUnlessGroupIsEmpty()
    {
        var grouping = new DeliveryGrouping(maxCount: 10, maxBytes: 100);
        grouping.Start();

        Assert.True(grouping.TryAdd(60));
        Assert.False(grouping.TryAdd(41));
        Assert.True(grouping.TryAdd(40));
        grouping.Start();
        Assert.True(grouping.TryAdd(500));
        Assert.False(grouping.TryAdd(1));
        Assert.Equal((1, 500L), (grouping.Count, grouping.Bytes));
    }

    [Fact]
    public void Start_Isolate_TakesOneDeliveryThenTheFullCountAgain()
    {
        var grouping = new DeliveryGrouping(maxCount: 3, maxBytes: 100);

        grouping.Start(isolate: true);
        Assert.True(grouping.TryAdd(1));
        Assert.False(grouping.TryAdd(1));
        grouping.Start();
        Assert.True(grouping.TryAdd(1) && grouping.TryAdd(1) && grouping.TryAdd(1));
        Assert.True(grouping.IsFull);
    }

    [Fact]
    public void Constructor_LimitBelowOne_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeliveryGrouping(0, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeliveryGrouping(1, 0));
    }
}
