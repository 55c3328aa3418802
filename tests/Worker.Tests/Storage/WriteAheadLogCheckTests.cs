using Statehouse.Contracts;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Tests.Storage;

/// <summary>
/// A real store on disk with 100 commits in its write-ahead log (closed without a flush, as after a crash), damaged on
/// purpose and opened again: damage anywhere in a synced record is refused, naming the log; an unfinished record at
/// the end of the log (the write in flight at a crash) is dropped and every commit before it recovers.
/// The worker-process versions of these trials, with SIGKILL, are in Reliability.Tests (DamagedStoreTests).
/// </summary>
public sealed class WriteAheadLogCheckTests : IDisposable
{
    private const int Commits = 100;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "statehouse-tests", Guid.NewGuid().ToString("N"));
    private readonly string _pristine;

    public WriteAheadLogCheckTests()
    {
        _pristine = Path.Combine(_root, "pristine");
        using var temp = new TempStore();
        for (var i = 1; i <= Commits; i++)
        {
            temp.Commit(Operation.Write("agent", $"k{i}", TempStore.Value($"value {i}")));
        }

        // Closing does not flush: the commits are in the log only, as after a crash.
        temp.Store.Dispose();
        Copy(temp.Directory, _pristine);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <remarks>
    /// The record in the middle of the log lies in an earlier 32 KiB block than the end of the file; the late one lies
    /// in the last block, where RocksDB takes a record whose length runs past the end of the file for an unfinished write.
    /// </remarks>
    [Theory]
    [InlineData("random", "middle")]
    [InlineData("0xff", "middle")]
    [InlineData("zeros", "middle")]
    [InlineData("random", "late")]
    [InlineData("0xff", "late")]
    [InlineData("zeros", "late")]
    public void Open_WalOverwrittenAnywhereInASyncedRecord_RefusesNamingTheLog(string pattern, string record)
    {
        var log = WalFile.Newest(_pristine);
        var records = WalFile.Records(log);
        Assert.True(records.Count >= Commits, $"{records.Count} records in {log}");
        var (offset, length) = records[record == "middle" ? records.Count / 2 : records.Count - 3];
        var garbage = pattern switch
        {
            "random" => RandomBytes(16),
            "0xff" => Enumerable.Repeat((byte)0xff, 16).ToArray(),
            _ => new byte[16],
        };

        // Every 16-byte window that overlaps the record: its header (checksum, length, type) and its payload.
        var cameUpShort = new List<string>();
        for (var start = offset - 15; start < offset + length; start++)
        {
            var store = Path.Combine(_root, $"at-{start}");
            Copy(_pristine, store);
            WalFile.Overwrite(WalFile.Newest(store), start, garbage);
            try
            {
                using var opened = StateStore.Open(store);
                cameUpShort.Add($"bytes {start}..{start + 15}: opened with last commit_ts {opened.LastCommitTs}");
            }
            catch (StoreOpenException e)
            {
                Assert.Contains(Path.GetFileName(log), e.Message, StringComparison.Ordinal);
                Assert.Contains("statehouse restore", e.Message, StringComparison.Ordinal);
            }

            Directory.Delete(store, recursive: true);
        }

        Assert.True(cameUpShort.Count == 0, $"{record} record at {offset} ({length} bytes) of {new FileInfo(log).Length}, {pattern} overwrites that were not refused:\n{string.Join('\n', cameUpShort)}");
    }

    [Fact]
    public void Open_WalEndsInUnfinishedRecord_RecoversEveryCommit()
    {
        var (_, length) = WalFile.Records(WalFile.Newest(_pristine))[^1];

        // Cut inside the header (checksum, length, type) and inside the payload.
        foreach (var kept in new[] { 1, 4, 6, 7, 8, length / 2, length - 1 })
        {
            var store = Path.Combine(_root, $"kept-{kept}");
            Copy(_pristine, store);
            WalFile.AppendUnfinishedRecord(WalFile.Newest(store), kept);

            using (var opened = StateStore.Open(store))
            {
                Assert.Equal(Commits, opened.LastCommitTs);
            }

            Directory.Delete(store, recursive: true);
        }
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(9).NextBytes(bytes);
        return bytes;
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from).Where(f => Path.GetFileName(f) != "LOCK"))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
