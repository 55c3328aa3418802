using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Statehouse.Cli.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Cli.Tests.Commands;

/// <summary>
/// <c>reseed</c> on real store directories: refused while a worker holds the store, else the store moved aside whole
/// (nothing deleted), with a backup restored in its place on request.
/// </summary>
public sealed partial class ReseedTests(BrokerFixture broker, ITestOutputHelper output) : CliTest(broker, output)
{
    private string BackupDirectory => DataDirectory + "-backups";

    protected override IEnumerable<string> WorkerSettings => [$"--Statehouse:Backup:Directory={BackupDirectory}"];

    [Fact]
    public async Task Reseed_WhileTheWorkerHoldsTheStore_ExitsFiveAndChangesNothing()
    {
        (await RunAsync("put", "agent", "k", "1")).ExpectExit(0);
        var before = Contents(DataDirectory);

        var result = (await RunAsync("reseed", "--store", DataDirectory)).ExpectExit(5);

        Assert.Contains($"The store at '{DataDirectory}' is in use", result.Stderr);
        Assert.Empty(Aside());
        Assert.Equal(before.Keys, Contents(DataDirectory).Keys);
        Assert.Equal(1, (long?)(await RunAsync("get", "agent", "k", "--json")).ExpectExit(0).Json()["value"]);
    }

    [Fact]
    public async Task Reseed_FromBackup_MovesTheStoreAsideWholeAndRestoresTheBackup()
    {
        (await RunAsync("put", "agent", "k", "1")).ExpectExit(0);
        var backup = (await RunAsync("backup", "b1", "--json")).ExpectExit(0).Json();
        (await RunAsync("put", "agent", "k", "2")).ExpectExit(0);
        await StopWorkerAsync();
        var before = Contents(DataDirectory);

        var reseed = (await RunAsync("reseed", "--store", DataDirectory, "--from-backup", (string)backup["path"]!, "--json")).ExpectExit(0).Json();

        var aside = Assert.Single(Aside());
        Assert.Equal(aside, (string?)reseed["moved_to"]);
        Assert.Matches(AsideName(), Path.GetFileName(aside));
        Assert.Equal(before, Contents(aside));
        Assert.Equal((long)backup["commit_ts"]!, (long?)reseed["commit_ts"]);
        Assert.Equal((string?)backup["path"], (string?)reseed["restored_from"]);
        Assert.Contains("Statehouse:Replication:Enabled=true", (string?)reseed["next"], StringComparison.Ordinal);

        // The restored store is the backup's: a worker on it serves the state as of the backup.
        await StartWorkerAsync(DataDirectory);
        Assert.Equal(1, (long?)(await RunAsync("get", "agent", "k", "--json")).ExpectExit(0).Json()["value"]);
    }

    [Fact]
    public async Task Reseed_WithoutBackup_LeavesNoStoreAtThePath()
    {
        (await RunAsync("put", "agent", "k", "1")).ExpectExit(0);
        await StopWorkerAsync();
        var before = Contents(DataDirectory);

        var result = (await RunAsync("reseed", "--store", DataDirectory)).ExpectExit(0);

        Assert.False(Directory.Exists(DataDirectory));
        Assert.Equal(before, Contents(Assert.Single(Aside())));
        Assert.Contains("it catches up from the log", result.Stdout);
    }

    [Fact]
    public async Task Reseed_BadInput_ExitsTwoAndMovesNothing()
    {
        await StopWorkerAsync();
        var before = Contents(DataDirectory);
        var notABackup = Directory.CreateDirectory(DataDirectory + "-not-a-backup").FullName;
        try
        {
            var badBackup = (await RunAsync("reseed", "--store", DataDirectory, "--from-backup", notABackup)).ExpectExit(2);
            Assert.Contains("is not a Statehouse backup", badBackup.Stderr);
            var notAStore = (await RunAsync("reseed", "--store", notABackup)).ExpectExit(2);
            Assert.Contains("holds no store", notAStore.Stderr);
            var missing = (await RunAsync("reseed", "--store", DataDirectory + "-missing")).ExpectExit(2);
            Assert.Contains("does not exist", missing.Stderr);
            (await RunAsync("reseed")).ExpectExit(2);

            Assert.Empty(Aside());
            Assert.Equal(before, Contents(DataDirectory));
        }
        finally
        {
            Directory.Delete(notABackup);
        }
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var directory in Aside().Append(BackupDirectory).Where(Directory.Exists))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private async Task StopWorkerAsync()
    {
        await Worker.TerminateAsync();
        await Worker.WaitForExitAsync(Patience);
    }

    /// <summary>The directories the store was moved to.</summary>
    private string[] Aside() =>
        Directory.GetDirectories(Path.GetDirectoryName(DataDirectory)!, Path.GetFileName(DataDirectory) + ".diverged-*");

    /// <summary>Every file of <paramref name="directory"/> with a hash of its bytes (the LOCK file is empty either way).</summary>
    private static SortedDictionary<string, string> Contents(string directory) =>
        new(Directory.GetFiles(directory, "*", SearchOption.AllDirectories).ToDictionary(
            file => Path.GetRelativePath(directory, file),
            file => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)))), StringComparer.Ordinal);

    [GeneratedRegex(@"\.diverged-\d{8}T\d{6}Z$")]
    private static partial Regex AsideName();
}
