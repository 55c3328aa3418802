using Statehouse.Contracts;
using Xunit.Abstractions;

namespace Statehouse.Integration.Tests.Crash;

/// <summary>
/// The worker is a real child process killed with SIGKILL: no shutdown code runs, nothing in flight is acked or
/// flushed. The three crash points of the guarantee: before commit (nothing visible), with a message published but
/// not yet applied (applied exactly once after restart), after commit returned (durable).
/// </summary>
public sealed class CrashRecoveryTests(BrokerFixture broker, ITestOutputHelper output) : IntegrationTest(broker, output)
{
    [Fact]
    public async Task Kill_TransactionStagedButNotCommitted_NothingVisibleAfterRestart()
    {
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx => tx.Write("agent", "before", "committed"));

        var staged = client.BeginTransaction();
        staged.Write("agent", "k1", "staged").Write("agent", "k2", "staged").Write("other", "k3", "staged");
        await Scope.Worker.KillAsync();
        await staged.DisposeAsync();
        await Scope.StartWorkerAsync();

        foreach (var (agent, key) in new[] { ("agent", "k1"), ("agent", "k2"), ("other", "k3") })
        {
            Assert.False((await client.GetStateAsync<string>(agent, key, ct: Ct)).Exists, $"{agent}/{key} is visible");
        }

        Assert.Equal("committed", (await client.GetStateAsync<string>("agent", "before", ct: Ct)).Value);
        Assert.Equal(1, (await client.HealthAsync(Ct)).LastCommitTs);
        Assert.Empty(await client.ReplayAsync("other", ct: Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task Kill_MessagePublishedWhileWorkerDown_AppliedExactlyOnceAfterRestart()
    {
        // What this asserts: a confirmed, persistent commit message is not lost when no worker is running; after the
        // restart it is applied once (even though it was published twice, as a client resend would) and answered.
        var client = await StartWorkerAndClientAsync();
        await CommitAsync(client, tx => tx.Write("agent", "k1", "v1"));
        await Scope.Worker.KillAsync();

        var raw = await Scope.CreateRawClientAsync();
        var envelope = Envelopes.Write("while-down", ("agent", "k1", "v2"), ("agent", "k2", "new"));
        await raw.PublishCommitAsync(Scope.Names, envelope);
        await raw.PublishCommitAsync(Scope.Names, envelope);
        var queued = await raw.MessageCountAsync(Scope.Names.CommitQueue);
        await Scope.StartWorkerAsync();
        var first = await raw.NextCommitReplyAsync(envelope.TxnId);
        var second = await raw.NextCommitReplyAsync(envelope.TxnId);

        // 2, or 3 when the kill beat the first commit's ack out of the worker (its reply had gone): the broker then
        // redelivers that one too, and the worker must answer it from the inbox without applying it again.
        Assert.InRange(queued, 2u, 3u);
        Assert.Equal(CommitStatus.Committed, first.Status);
        Assert.Equal(2, first.CommitTs);
        Assert.Equivalent(first, second, strict: true);
        var k1 = await client.GetStateAsync<string>("agent", "k1", ct: Ct);
        Assert.Equal(("v2", 2L, 2L), (k1.Value, k1.Version, k1.CommitTs));
        Assert.Equal("new", (await client.GetStateAsync<string>("agent", "k2", ct: Ct)).Value);
        Assert.Equal(2, (await client.HealthAsync(Ct)).LastCommitTs);
        Assert.Equal(2, (await client.ReplayAsync("agent", ct: Ct).ToListAsync(Ct)).Count);
    }

    [Fact]
    public async Task Kill_RightAfterCommitReturned_CommitsDurableAfterRestart()
    {
        var client = await StartWorkerAndClientAsync();
        var results = new List<Client.CommitResult>();
        for (var i = 0; i < 5; i++)
        {
            results.Add(await CommitAsync(client, tx => tx.Write("agent", $"k{i}", $"v{i}").Write("agent", "counter", i)));
        }

        // No pause: the kill lands right after the last reply, before the worker could do anything "later".
        await Scope.KillAndRestartWorkerAsync();

        for (var i = 0; i < 5; i++)
        {
            var state = await client.GetStateAsync<string>("agent", $"k{i}", ct: Ct);
            Assert.Equal(($"v{i}", 1L, results[i].CommitTs), (state.Value, state.Version, state.CommitTs));
        }

        var counter = await client.GetStateAsync<int>("agent", "counter", ct: Ct);
        Assert.Equal((4, 5L, 5L), (counter.Value, counter.Version, counter.CommitTs));
        Assert.Equal(results.Select(r => r.TxnId), (await client.ReplayAsync("agent", ct: Ct).ToListAsync(Ct)).Select(e => e.TxnId));
        Assert.Equal(5, (await client.HealthAsync(Ct)).LastCommitTs);
        var next = await CommitAsync(client, tx => tx.Write("agent", "counter", 5));
        Assert.Equal((6L, 6L), (next.CommitTs, next.VersionOf("agent", "counter")));
    }

    [Fact]
    public async Task Stop_Sigterm_ExitsCleanlyAndStateSurvivesRestart()
    {
        var client = await StartWorkerAndClientAsync();
        var committed = await CommitAsync(client, tx => tx.Write("agent", "k", "v"));

        var exitCode = await Scope.Worker.StopAsync();
        await Scope.StartWorkerAsync();

        Assert.Equal(0, exitCode);
        var state = await client.GetStateAsync<string>("agent", "k", ct: Ct);
        Assert.Equal(("v", committed.CommitTs), (state.Value, state.CommitTs));
        Assert.Equal(2, (await CommitAsync(client, tx => tx.Write("agent", "k", "w"))).CommitTs);
    }
}
