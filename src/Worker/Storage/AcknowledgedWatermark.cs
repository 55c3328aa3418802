using System.Buffers.Binary;
using System.Threading.Channels;

namespace Statehouse.Worker.Storage;

/// <summary>
/// The store's acknowledged watermark: the file <see cref="FileName"/> in the store directory holds a commit_ts that
/// was already synced in RocksDB, as 8 bytes big-endian. A log or table file cut short at its end looks exactly like
/// an unfinished write from inside RocksDB; this record outside of them is how an open learns that the store once held
/// more than it holds now (see docs/guarantees.md, "Damaged store").
/// <para>
/// The file is written by one background task per open store, never on the commit path: <see cref="Advance"/> only
/// records the newest synced commit_ts and wakes the task, which writes it when it is above the file's value (a temp
/// file, fsynced, renamed over the old one, so the file is always either the old or the new 8 bytes). The file thus
/// trails the acknowledged history by about one fsync, and never leads it, so it cannot cause a false refusal.
/// </para>
/// </summary>
internal sealed class AcknowledgedWatermark : IDisposable
{
    /// <summary>The watermark's file name in the store directory. Not part of a RocksDB checkpoint, so backups never carry it.</summary>
    public const string FileName = "STATEHOUSE-ACKED";

    private const int Length = 8;

    private readonly string _path;
    private readonly string _tempPath;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Task _writer;
    private long _synced;
    private long _written;

    /// <param name="storePath">The store directory.</param>
    /// <param name="written">The value the file holds now (-1 when there is no file).</param>
    private AcknowledgedWatermark(string storePath, long written)
    {
        _path = Path.Combine(storePath, FileName);
        _tempPath = _path + ".tmp";
        _written = written;
        _synced = written;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The commit_ts the file holds (written and fsynced), or -1 while there is no file.</summary>
    public long Written => Volatile.Read(ref _written);

    /// <summary>
    /// Reads the watermark of the store at <paramref name="storePath"/>: null when there is no file (a store from before
    /// watermarks, or a restored backup). Throws <see cref="StoreOpenException"/> when the file cannot be read or does not
    /// hold exactly 8 bytes (it is only ever replaced whole, so that is damage).
    /// </summary>
    public static long? Read(string storePath)
    {
        var path = Path.Combine(storePath, FileName);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreOpenException(StoreOpenCheck.Damaged(storePath, $"its acknowledged watermark {FileName} cannot be read ({e.Message})"), e);
        }

        if (bytes.Length != Length)
        {
            throw new StoreOpenException(StoreOpenCheck.Damaged(storePath,
                $"its acknowledged watermark {FileName} holds {bytes.Length} bytes instead of {Length}"));
        }

        return BinaryPrimitives.ReadInt64BigEndian(bytes);
    }

    /// <summary>
    /// Refuses a store that ends below the commit_ts its watermark file records as synced: acknowledged commits are gone
    /// (a log or table file cut short or deleted, which RocksDB cannot tell from an unfinished write). Returns the file's
    /// value (null when there is none, see <see cref="Read"/>); throws <see cref="StoreOpenException"/> with the damaged
    /// store's message otherwise.
    /// </summary>
    /// <param name="storePath">The store directory.</param>
    /// <param name="lastCommitTs">The last commit_ts of the store as RocksDB opened it.</param>
    public static long? Check(string storePath, long lastCommitTs)
    {
        var acknowledged = Read(storePath);
        if (acknowledged > lastCommitTs)
        {
            throw new StoreOpenException(StoreOpenCheck.Damaged(storePath,
                $"its acknowledged watermark ({FileName}) records commit_ts {acknowledged} as acknowledged but the store " +
                $"ends at commit_ts {lastCommitTs}: acknowledged commits are missing because a write-ahead log or table file is missing or cut short"));
        }

        return acknowledged;
    }

    /// <summary>Starts the background writer for the store at <paramref name="storePath"/>, whose file holds <paramref name="written"/> (null: no file).</summary>
    public static AcknowledgedWatermark Start(string storePath, long? written) => new(storePath, written ?? -1);

    /// <summary>
    /// Records that every commit up to <paramref name="syncedCommitTs"/> is synced in RocksDB and wakes the writer.
    /// Never blocks. Called by the commit loop after a synced write returned.
    /// </summary>
    public void Advance(long syncedCommitTs)
    {
        Volatile.Write(ref _synced, syncedCommitTs);
        _wake.Writer.TryWrite(true);
    }

    /// <summary>Stops the writer after it wrote the last synced commit_ts.</summary>
    public void Dispose()
    {
        if (_wake.Writer.TryComplete())
        {
            _writer.GetAwaiter().GetResult();
        }
    }

    private async Task WriteLoopAsync()
    {
        await foreach (var _ in _wake.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            WriteIfBehind();
        }

        WriteIfBehind();
    }

    private void WriteIfBehind()
    {
        var synced = Volatile.Read(ref _synced);
        if (synced <= _written)
        {
            return;
        }

        var bytes = new byte[Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, synced);
        try
        {
            using (var stream = new FileStream(_tempPath, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(_tempPath, _path, overwrite: true);
            Volatile.Write(ref _written, synced);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full or failing disk: the file keeps its older value, which only narrows the check; the next commit retries.
        }
    }
}
