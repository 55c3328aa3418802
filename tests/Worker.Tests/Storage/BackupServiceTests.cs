using Statehouse.Contracts;
using Statehouse.Worker.Reads;
using Statehouse.Worker.Storage;
using Statehouse.Worker.Telemetry;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Storage;

public sealed class BackupServiceTests : IDisposable
{
    private readonly TempStore _store = new();
    private readonly string _backups = Path.Combine(Path.GetTempPath(), "statehouse-tests", "backups-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _store.Dispose();
        if (Directory.Exists(_backups))
        {
            Directory.Delete(_backups, recursive: true);
        }
    }

    [Fact]
    public async Task Create_WhileCommitsContinue_IsExactlyTheStateAsOfItsCommitTs()
    {
        var backups = new BackupService(_store.Store, new BackupOptions { Directory = _backups }, _store.Time);
        for (var i = 0; i < 100; i++)
        {
            _store.Commit(Operation.Write("agent", $"k{i % 10}", Value(i)), Operation.Write("other", "n", Value(i)));
        }

        // The commit engine is single-writer: keep committing on one task while the backup is taken on another.
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            for (var i = 100; !stop.IsCancellationRequested; i++)
            {
                _store.Commit(Operation.Write("agent", $"k{i % 10}", Value(i)), Operation.Write("other", "n", Value(i)));
            }
        });
        await Task.Delay(50);
        BackupInfo info;
        using (_store.Store.EnterRead())
        {
            info = backups.Create("during-commits");
        }

        await Task.Delay(50);
        await stop.CancelAsync();
        await writer;

        Assert.True(info.CommitTs > 100, $"backup at commit_ts {info.CommitTs}");
        Assert.True(_store.Store.LastCommitTs > info.CommitTs, "commits continued after the backup");
        Assert.True(File.Exists(Path.Combine(info.Path, BackupService.ManifestFileName)));
        using var restored = StateStore.Open(info.Path);
        var restoredReads = new ReadService(restored, new ReadServiceOptions(), new WorkerHealth(), NoAuthorization, NewCounters());
        Assert.Equal(info.CommitTs, restored.LastCommitTs);
        foreach (var (agent, key) in Enumerable.Range(0, 10).Select(i => ("agent", $"k{i}")).Append(("other", "n")))
        {
            var live = Ok(_store.Read(new ReadRequest(WireFormat.SchemaVersion, ReadKind.GetAsOf, "default", agent, key, CommitTs: info.CommitTs))).Record!;
            var backedUp = Ok(restoredReads.Handle(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Get, "default", agent, key))).Record!;
            Assert.Equal((live.Version, live.CommitTs), (backedUp.Version, backedUp.CommitTs));
            Assert.Equal(live.Value, backedUp.Value);
        }
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    public void Create_UnsafeName_IsRefused(string name)
    {
        var backups = new BackupService(_store.Store, new BackupOptions { Directory = _backups }, _store.Time);

        Assert.Throws<ArgumentException>(() => backups.Create(name));
    }
}
