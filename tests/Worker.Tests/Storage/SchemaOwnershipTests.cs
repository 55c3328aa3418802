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
        var worker = Path.Combine(BuildOutput.RepositoryRoot(), "src", "Worker");
        var schema = s_schemaFiles.Select(file => Path.Combine(worker, "Storage", file)).ToHashSet(StringComparer.Ordinal);

        var uses = new List<string>();
        foreach (var file in Directory.EnumerateFiles(worker, "*.cs", SearchOption.AllDirectories).Where(f => !schema.Contains(f)).Order(StringComparer.Ordinal))
        {
            if (IsBuildOutput(worker, file))
            {
                continue;
            }

            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (SchemaInternals().Match(lines[i]) is { Success: true } use)
                {
                    uses.Add($"{Path.GetRelativePath(worker, file)}:{i + 1}: {use.Value} in \"{lines[i].Trim()}\"");
                }
            }
        }

        Assert.True(uses.Count == 0,
            "Only the schema files of src/Worker/Storage (docs/storage.md, \"Storage layout\") may name KeyCodec, ColumnFamilyNames, " +
            "StoreHandles or RocksDbSharp; go through StoreBatch, StoreReader or StateStore instead:\n" + string.Join('\n', uses));
    }

    [Fact]
    public void WorkerSources_OutsideStoreIterator_OpenNoRocksDbIterator()
    {
        // RocksDB ends an iteration alike at the end of the data and at a read error; only StoreIterator tells them apart.
        var worker = Path.Combine(BuildOutput.RepositoryRoot(), "src", "Worker");
        var allowed = Path.Combine(worker, "Storage", "StoreIterator.cs");

        var uses = new List<string>();
        foreach (var file in Directory.EnumerateFiles(worker, "*.cs", SearchOption.AllDirectories).Where(f => f != allowed && !IsBuildOutput(worker, f)).Order(StringComparer.Ordinal))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].Contains("NewIterator(", StringComparison.Ordinal))
                {
                    uses.Add($"{Path.GetRelativePath(worker, file)}:{i + 1}: \"{lines[i].Trim()}\"");
                }
            }
        }

        Assert.True(uses.Count == 0,
            "Open RocksDB iterators through StoreIterator.Open (docs/storage.md, \"Reading\"): a bare iterator ends a scan on a " +
            "read error as if the data ended there:\n" + string.Join('\n', uses));
    }

    [Fact]
    public void SchemaFiles_EachListed_ExistsInStorage()
    {
        var storage = Path.Combine(BuildOutput.RepositoryRoot(), "src", "Worker", "Storage");

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

    private static bool IsBuildOutput(string worker, string file)
    {
        var first = Path.GetRelativePath(worker, file).Split(Path.DirectorySeparatorChar)[0];
        return first is "bin" or "obj";
    }

    [GeneratedRegex(@"\b(KeyCodec|ColumnFamilyNames|StoreHandles|RocksDbSharp)\b|\.Handles\b")]
    private static partial Regex SchemaInternals();
}
