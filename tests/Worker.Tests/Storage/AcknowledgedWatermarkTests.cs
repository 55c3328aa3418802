using System.Buffers.Binary;
using Statehouse.Contracts;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Tests.Storage;

public sealed class AcknowledgedWatermarkTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "statehouse-tests", Guid.NewGuid().ToString("N"));

    private string WatermarkPath => Path.Combine(_directory, AcknowledgedWatermark.FileName);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Write_SyncedCommits_WatermarkNeverAheadOfStoreAndEqualAfterDispose()
    {
        using (var store = StateStore.Open(_directory))
        {
            for (var commitTs = 1L; commitTs <= 200; commitTs++)
            {
                Commit(store, commitTs);
                var written = AcknowledgedWatermark.Read(_directory);
                Assert.True(written is null || written <= store.LastCommitTs, $"watermark {written} ahead of last commit_ts {store.LastCommitTs}");
            }
        }

        Assert.Equal(200, AcknowledgedWatermark.Read(_directory));
    }

    [Fact]
    public void Open_WatermarkAboveLastCommitTs_RefusesNamingBothFigures()
    {
        using (var store = StateStore.Open(_directory))
        {
            Commit(store, 1);
            Commit(store, 2);
        }

        WriteWatermark(9);

        var error = Assert.Throws<StoreOpenException>(() => StateStore.Open(_directory));

        Assert.Contains("commit_ts 9", error.Message, StringComparison.Ordinal);
        Assert.Contains("commit_ts 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
        Assert.Contains("statehouse restore", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WatermarkMissing_OpensAndWritesIt()
    {
        using (var store = StateStore.Open(_directory))
        {
            Commit(store, 1);
            Commit(store, 2);
        }

        File.Delete(WatermarkPath);

        using (var store = StateStore.Open(_directory))
        {
            Assert.Equal(2, store.LastCommitTs);
        }

        Assert.Equal(2, AcknowledgedWatermark.Read(_directory));
    }

    [Fact]
    public void Open_WatermarkEqualToLastCommitTs_Opens()
    {
        using (var store = StateStore.Open(_directory))
        {
            Commit(store, 1);
        }

        using var reopened = StateStore.Open(_directory);

        Assert.Equal(1, reopened.LastCommitTs);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(9)]
    public void Open_WatermarkNotEightBytes_RefusesAsDamaged(int length)
    {
        StateStore.Open(_directory).Dispose();
        File.WriteAllBytes(WatermarkPath, new byte[length]);

        var error = Assert.Throws<StoreOpenException>(() => StateStore.Open(_directory));

        Assert.Contains(AcknowledgedWatermark.FileName, error.Message, StringComparison.Ordinal);
        Assert.Contains($"{length} bytes instead of 8", error.Message, StringComparison.Ordinal);
        Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_OfStoreWithWatermark_DoesNotHoldIt()
    {
        var checkpoint = Path.Combine(_directory + "-checkpoint");
        try
        {
            using (var store = StateStore.Open(_directory))
            {
                Commit(store, 1);
                using var lease = store.EnterRead();
                store.Checkpoint(checkpoint);
            }

            Assert.True(File.Exists(WatermarkPath));
            Assert.False(File.Exists(Path.Combine(checkpoint, AcknowledgedWatermark.FileName)));
        }
        finally
        {
            if (Directory.Exists(checkpoint))
            {
                Directory.Delete(checkpoint, recursive: true);
            }
        }
    }

    /// <summary>One synced commit: a log entry and the last commit_ts, as the commit loop writes them.</summary>
    private static void Commit(StateStore store, long commitTs)
    {
        using var batch = new StoreBatch(store);
        batch.AppendLog(commitTs, new LogEntry($"txn-{commitTs}", "default", [new LoggedOperation("agent", "k", OperationKind.Write, commitTs)]));
        batch.WriteSynced(commitTs);
    }

    private void WriteWatermark(long commitTs)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, commitTs);
        File.WriteAllBytes(WatermarkPath, bytes);
    }
}
