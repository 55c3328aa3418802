using System.Text.RegularExpressions;
using Statehouse.Testing.Processes;

namespace Statehouse.Worker.Tests.Storage;

/// <summary>
/// The schema has one owner (docs/storage.md): only the schema files of <c>src/Worker/Storage</c> name the key encoding
/// (<c>KeyCodec</c>), the column families (<c>ColumnFamilyNames</c>), the open database (<c>StoreHandles</c>, a store's
/// <c>.Handles</c>) or RocksDB's API (<c>RocksDbSharp</c>). Read from the worker's sources, comments included.
/// </summary>
public sealed partial class SchemaOwnershipTests
{
    /// <summary>
    /// The files of <c>src/Worker/Storage</c> allowed to name the schema's internals, each for a reason: the schema itself
    /// (KeyCodec, ColumnFamilyNames, RecordKey, StoredRecordWriter), its one writer and one reader (StoreBatch;
    /// StoreReader with HistoryReader, their iterators through StoreIterator), the open database (StoreHandles) and what opens it, checks it before, and keeps
    /// its meta records (StateStore, StoreOpenCheck, StoreMeta), and the standby's secondary instance (StoreSecondary,
    /// which opens the same column families read-only). Everything else, in Storage/ too, goes through these.
    /// </summary>
    private static readonly string[] s_schemaFiles =
    [
        "ColumnFamilyNames.cs", "HistoryReader.cs", "KeyCodec.cs", "RecordKey.cs", "StateStore.cs", "StoreBatch.cs",
        "StoreHandles.cs", "StoreIterator.cs", "StoreMeta.cs", "StoreOpenCheck.cs", "StoreReader.cs", "StoreSecondary.cs",
        "StoredRecordWriter.cs",
    ];

    [Fact]
    public void WorkerSources_OutsideTheSchemaFiles_NameNoKeyCodecColumnFamilyOrRocksDb()
    {
        var schema = s_schemaFiles.Select(file => Path.Combine(Worker, "Storage", file)).ToHashSet(StringComparer.Ordinal);

        var uses = FindInWorkerSources(file => !schema.Contains(file), line => SchemaInternals().Match(line) is { Success: true } use ? use.Value : null);

        Assert.True(uses.Count == 0,
            "Only the schema files of src/Worker/Storage (docs/storage.md, \"Storage layout\") may name KeyCodec, ColumnFamilyNames, " +
            "StoreHandles or RocksDbSharp; go through StoreBatch, StoreReader or StateStore instead:\n" + string.Join('\n', uses));
    }

    [Fact]
    public void WorkerSources_OutsideStoreIterator_OpenNoRocksDbIterator()
    {
        // RocksDB ends an iteration alike at the end of the data and at a read error; only StoreIterator tells them apart.
        var allowed = Path.Combine(Worker, "Storage", "StoreIterator.cs");

        var uses = FindInWorkerSources(file => file != allowed, line => line.Contains("NewIterator(", StringComparison.Ordinal) ? "NewIterator(" : null);

        Assert.True(uses.Count == 0,
            "Open RocksDB iterators through StoreIterator.Open (docs/storage.md, \"Reading\"): a bare iterator ends a scan on a " +
            "read error as if the data ended there:\n" + string.Join('\n', uses));
    }

    [Fact]
    public void SchemaFiles_EachListed_ExistsInStorage()
    {
        var storage = Path.Combine(Worker, "Storage");

        Assert.All(s_schemaFiles, file => Assert.True(File.Exists(Path.Combine(storage, file)), $"{file} is listed as a schema file but is not in {storage}"));
    }

    [Theory]
    [InlineData("var key = KeyCodec.StateKey(ns, agent, key);", "KeyCodec")]
    [InlineData("db.GetColumnFamily(ColumnFamilyNames.State)", "ColumnFamilyNames")]
    [InlineData("catch (RocksDbSharp.RocksDbException e)", "RocksDbSharp")]
    [InlineData("using RocksDbSharp;", "RocksDbSharp")]
    [InlineData("var db = store.Handles.Db;", ".Handles")]
    [InlineData("StoreHandles handles", "StoreHandles")]
    public void SchemaInternals_ALineThatUsesThem_Matches(string line, string expected) =>
        Assert.Equal(expected, SchemaInternals().Match(line).Value);

    [Theory]
    [InlineData("// reads RocksDB snapshots")]
    [InlineData("using var reader = StoreReader.OpenSnapshot(store);")]
    [InlineData("MyKeyCodecs x;")]
    public void SchemaInternals_ALineThatDoesNot_DoesNotMatch(string line) =>
        Assert.DoesNotMatch(SchemaInternals(), line);

    private static string Worker { get; } = Path.Combine(BuildOutput.RepositoryRoot(), "src", "Worker");

    /// <summary>
    /// Every line of the worker's sources (not its build output) in the files <paramref name="scanned"/> accepts where
    /// <paramref name="use"/> finds something, as <c>path:line: what in "line"</c>, in path order.
    /// </summary>
    private static List<string> FindInWorkerSources(Func<string, bool> scanned, Func<string, string?> use)
    {
        var uses = new List<string>();
        var files = Directory.EnumerateFiles(Worker, "*.cs", SearchOption.AllDirectories)
            .Where(file => scanned(file) && Path.GetRelativePath(Worker, file).Split(Path.DirectorySeparatorChar)[0] is not ("bin" or "obj"));
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (use(lines[i]) is { } found)
                {
                    uses.Add($"{Path.GetRelativePath(Worker, file)}:{i + 1}: {found} in \"{lines[i].Trim()}\"");
                }
            }
        }

        return uses;
    }

    [GeneratedRegex(@"\b(KeyCodec|ColumnFamilyNames|StoreHandles|RocksDbSharp)\b|\.Handles\b")]
    private static partial Regex SchemaInternals();
}
