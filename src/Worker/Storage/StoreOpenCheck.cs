using RocksDbSharp;

namespace Statehouse.Worker.Storage;

/// <summary>
/// What <see cref="StateStore"/> checks before RocksDB opens a store directory, and how RocksDB's open errors read to the
/// worker: a held lock (<see cref="StoreLockedException"/>, a standby waits), damage (<see cref="StoreOpenException"/> with
/// the <see cref="Damaged"/> message: nothing is served, restore a backup) or anything else (<see cref="StoreOpenException"/>).
/// </summary>
internal static class StoreOpenCheck
{
    /// <summary>The column family every RocksDB store has; the schema keeps nothing in it.</summary>
    private const string DefaultFamily = "default";

    /// <summary>
    /// Whether <paramref name="path"/> holds a store to open (false: missing or empty, so a new store is created there).
    /// Throws <see cref="StoreOpenException"/> for a non-empty directory without RocksDB's CURRENT file: never written over.
    /// </summary>
    public static bool HoldsStore(string path)
    {
        var exists = Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any();
        if (exists && !File.Exists(Path.Combine(path, "CURRENT")))
        {
            throw new StoreOpenException(
                $"'{path}' is not empty but holds no RocksDB store (no CURRENT file); refusing to create a store over it. " +
                "Point Statehouse:Storage:Path at the store's directory or at an empty one.");
        }

        return exists;
    }

    /// <summary>
    /// Checks an existing store before it is opened with <paramref name="options"/>, in this order: every column family of
    /// the schema is there (when some are not, or others are, but meta records another schema version, the refusal names
    /// the versions),
    /// no other process holds the lock (<see cref="StoreLockedException"/>), and the write-ahead log
    /// holds nothing but intact records and at most one unfinished last record (<see cref="WriteAheadLogCheck"/>). Throws
    /// <see cref="StoreOpenException"/> for everything else that is wrong.
    /// </summary>
    public static void BeforeOpen(DbOptions options, string path)
    {
        CheckColumnFamilies(options, path);
        ProbeLock(path);
        CheckWriteAheadLog(path);
    }

    /// <summary>The exception to throw for <paramref name="error"/>, RocksDB's refusal to open the store at <paramref name="path"/>.</summary>
    public static Exception OpenFailed(string path, RocksDbException error)
    {
        if (IsLockHeld(error))
        {
            return Locked(path, error);
        }

        return IsDamage(error)
            ? DamageReported(path, error)
            : new StoreOpenException($"The store at '{path}' cannot be opened (damaged?): {error.Message}", error);
    }

    /// <summary>The one message for a damaged store: what is wrong, that nothing is served, and how to recover.</summary>
    public static string Damaged(string path, string damage) =>
        $"The store at '{path}' is damaged: {damage}. Starting would serve a shorter history than was acknowledged and " +
        "hand out its commit_ts values again, so the store is not opened. Recover by restoring the latest backup into an " +
        "empty directory (statehouse restore; docs/operations.md, \"Damaged store\") and keep this directory for inspection.";

    private static void CheckColumnFamilies(DbOptions options, string path)
    {
        string[] present;
        try
        {
            present = [.. RocksDb.ListColumnFamilies(options, path)];
        }
        catch (RocksDbException e) when (IsDamage(e))
        {
            throw DamageReported(path, e);
        }
        catch (RocksDbException e)
        {
            throw new StoreOpenException($"The store at '{path}' cannot be read (damaged?): {e.Message}", e);
        }

        var missing = ColumnFamilyNames.All.Except(present, StringComparer.Ordinal).ToList();
        var unknown = present.Except([.. ColumnFamilyNames.All, DefaultFamily], StringComparer.Ordinal).Any();
        if (missing.Count == 0 && !unknown)
        {
            return;
        }

        // Another set of column families is a format change (docs/storage.md, "Changing the schema"): a store whose meta
        // records another schema version is refused for its version, not taken for a damaged one. With this version, a
        // missing family is damage, and an unknown one is left to RocksDB's open to refuse.
        if (present.Contains(ColumnFamilyNames.Meta, StringComparer.Ordinal) && StoreMeta.ReadSchemaVersion(path) is { } version &&
            version != StorageFormat.SchemaVersion)
        {
            throw new StoreOpenException(StoreMeta.OtherSchemaVersion(path, version));
        }

        if (missing.Count == 0)
        {
            return;
        }

        throw new StoreOpenException(
            $"The store at '{path}' lacks column families {string.Join(", ", missing)}: it is not a Statehouse store or it is damaged. Refusing to open it.");
    }

    /// <summary>
    /// Throws <see cref="StoreLockedException"/> while another process holds the store. RocksDB takes the lock before
    /// it reads anything, and with error_if_exists an open of an existing store stops right there: a standby retrying
    /// every <c>LockRetrySeconds</c> learns that the lock is taken without reading the logs of a live store.
    /// </summary>
    private static void ProbeLock(string path)
    {
        try
        {
            using var probe = RocksDb.Open(new DbOptions().SetErrorIfExists(true), path);
        }
        catch (RocksDbException e) when (IsLockHeld(e))
        {
            throw Locked(path, e);
        }
        catch (RocksDbException)
        {
            // "exists (error_if_exists is true)": the lock was free. Anything else is reported by the real open.
        }
    }

    private static void CheckWriteAheadLog(string path)
    {
        try
        {
            WriteAheadLogCheck.Verify(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreOpenException($"The store at '{path}' cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// RocksDB's own words for a LOCK held by another process ("While lock file: …/LOCK: Resource temporarily
    /// unavailable", PosixFileSystem::LockFile) or by this one ("lock hold by current process"). Matching the bare word
    /// "lock" took a damaged table file's "block checksum mismatch" for a held lock and waited as a standby forever.
    /// </summary>
    private static bool IsLockHeld(RocksDbException e) =>
        e.Message.Contains("While lock file", StringComparison.Ordinal) ||
        e.Message.Contains("lock hold by current process", StringComparison.Ordinal);

    /// <summary>RocksDB's status codes for a store that lacks or mangles what it recorded (not a lock or a setting).</summary>
    private static bool IsDamage(RocksDbException e) =>
        e.Message.StartsWith("Corruption:", StringComparison.Ordinal) || e.Message.Contains("No such file or directory", StringComparison.Ordinal);

    private static StoreOpenException DamageReported(string path, RocksDbException e) =>
        new(Damaged(path, $"RocksDB reports \"{e.Message.Trim()}\""), e);

    private static StoreLockedException Locked(string path, RocksDbException e) =>
        new($"The store at '{path}' is in use by another process (its LOCK is held): {e.Message}", e);
}
