using Statehouse.Cli.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Statehouse.Cli.Tests.Commands;

public sealed class BackupRestoreTests(BrokerFixture broker, ITestOutputHelper output) : CliTest(broker, output)
{
    private string BackupDirectory => DataDirectory + "-backups";

    protected override IEnumerable<string> WorkerSettings => [$"--Statehouse:Backup:Directory={BackupDirectory}"];

    [Fact]
    public async Task Backup_WhileCommitsRun_RestoresExactlyTheStateAtItsCommitTs()
    {
        for (var i = 0; i < 3; i++)
        {
            (await RunAsync("put", "agent", $"k{i}", $"{i}")).ExpectExit(0);
        }

        // Commits keep coming while the backup is taken.
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var i = 3; !stop.IsCancellationRequested; i++)
            {
                await RunAsync("put", "agent", $"k{i % 5}", $"{i}");
            }
        });
        var backup = (await RunAsync("backup", "nightly", "--json")).ExpectExit(0).Json();
        (await RunAsync("put", "agent", "after", "\"after the backup\"")).ExpectExit(0);
        await stop.CancelAsync();
        await writer;

        var backupTs = (long)backup["commit_ts"]!;
        var path = (string)backup["path"]!;
        Assert.Equal(Path.Combine(BackupDirectory, "nightly"), path);
        Assert.True(backupTs >= 3, $"backup at commit_ts {backupTs}");
        var expected = new Dictionary<string, string?>();
        for (var i = 0; i < 5; i++)
        {
            var asOf = (await RunAsync("get", "agent", $"k{i}", "--as-of", backupTs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json")).Json();
            expected[$"k{i}"] = asOf["value"]?.ToJsonString();
        }

        // A backup copied by hand from a store directory carries that store's acknowledged watermark, which is above
        // the backup's commit_ts; restore must leave it behind or the restored store is refused.
        var staleWatermark = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(staleWatermark, backupTs + 1000);
        File.WriteAllBytes(Path.Combine(path, "STATEHOUSE-ACKED"), staleWatermark);
        var restoredPath = DataDirectory + "-restored";
        var restore = (await RunAsync("restore", path, restoredPath, "--json")).ExpectExit(0).Json();
        Assert.False(File.Exists(Path.Combine(restoredPath, "STATEHOUSE-ACKED")));
        Assert.Equal(backupTs, (long)restore["commit_ts"]!);
        (await RunAsync("restore", path, restoredPath)).ExpectExit(2);

        await Worker.TerminateAsync();
        await StartWorkerAsync(restoredPath);

        var health = (await RunAsync("health", "--json")).ExpectExit(0).Json();
        Assert.Equal(backupTs, (long)health["last_commit_ts"]!);
        for (var i = 0; i < 5; i++)
        {
            var restored = (await RunAsync("get", "agent", $"k{i}", "--json")).Json();
            Assert.Equal(expected[$"k{i}"], restored["value"]?.ToJsonString());
        }

        (await RunAsync("get", "agent", "after")).ExpectExit(1);
        Directory.Delete(BackupDirectory, recursive: true);
        Directory.Delete(restoredPath, recursive: true);
    }
}
