using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Reads;

/// <summary>Bad read requests get an INVALID_REQUEST reply and never stop the worker from serving reads.</summary>
public sealed class BadReadRequestTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    private static readonly (string Name, byte[] Body)[] s_badRequests =
    [
        ("garbage", [0xC1, 0x00, 0xFF]),
        ("nil", [0xC0]),
        ("unknown schema version", WireFormat.Serialize(new ReadRequest(99, ReadKind.Get, "default", "agent", "k"))),
        ("unknown kind", WireFormat.Serialize(new ReadRequest(WireFormat.SchemaVersion, (ReadKind)42, "default", "agent", "k"))),
        ("get without agent", WireFormat.Serialize(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Get, "default", "", "k"))),
        ("get without key", WireFormat.Serialize(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Get, "default", "agent", ""))),
        ("null namespace", WireFormat.Serialize(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Get, null!, "agent", "k"))),
        // A replay without agent is the namespace-wide replay (FollowTests); a listing without agent stays invalid.
        ("list keys without agent", WireFormat.Serialize(new ReadRequest(WireFormat.SchemaVersion, ReadKind.ListKeys, "default"))),
        ("replay of an inverted range", WireFormat.Serialize(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Replay, "default", StartTs: 9, EndTs: 3))),
    ];

    [Fact]
    public async Task Read_EachBadRequest_RepliesInvalidRequestAndReadsContinue()
    {
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx => tx.Write("agent", "k", "v"));
        var raw = await Scope.CreateRawClientAsync();
        var failures = new List<string>();

        foreach (var (name, body) in s_badRequests)
        {
            try
            {
                var reply = await raw.ReadRawAsync(Scope.Names, body, TimeSpan.FromSeconds(10));
                if (reply.ErrorCode != ErrorCode.InvalidRequest)
                {
                    failures.Add($"{name}: replied {reply.ErrorCode.ToWireName()} ({reply.ErrorMessage})");
                }
            }
            catch (TimeoutException e)
            {
                failures.Add($"{name}: {e.Message}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.Equal("v", (await client.GetStateAsync<string>("agent", "k", ct: Ct)).Value);
        Assert.False(Scope.Worker.HasExited);
    }
}
