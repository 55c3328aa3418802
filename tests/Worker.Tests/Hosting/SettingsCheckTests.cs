using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Statehouse.Worker.Hosting;

namespace Statehouse.Worker.Tests.Hosting;

/// <summary>
/// The lines a user sees for invalid settings (docs/configuration.md): each names its setting as the configuration key,
/// whichever feature folder the setting's class sits in.
/// </summary>
public sealed class SettingsCheckTests
{
    [Fact]
    public void Find_ValidSettings_ReturnsNothing()
    {
        Assert.Empty(Find(("Statehouse:Commit:MaxBatchCount", "1"), ("Statehouse:Reads:MaxPageSize", "100")));
    }

    [Fact]
    public void Find_ValuesOutOfRange_OneLinePerSettingInKeyForm()
    {
        var problems = Find(("Statehouse:Commit:MaxBatchCount", "-5"), ("Statehouse:Reads:Concurrency", "0"));

        Assert.Equal(
            [
                "The field Statehouse:Commit:MaxBatchCount must be between 1 and 10000 (got -5).",
                "The field Statehouse:Reads:Concurrency must be between 1 and 64 (got 0).",
            ],
            problems);
    }

    [Fact]
    public void Find_ValuesOfTheWrongType_AllReportedWithTheExpectedType()
    {
        var problems = Find(("Statehouse:Commit:MaxBatchCount", "abc"), ("Statehouse:Broker:DeliveryLimit", "many"),
            ("Statehouse:Storage:WaitForLock", "maybe"), ("Statehouse:Commit:InboxRetention", "a week"));

        Assert.Equal(
            [
                "Statehouse:Broker:DeliveryLimit must be a whole number (got 'many').",
                "Statehouse:Storage:WaitForLock must be true or false (got 'maybe').",
                "Statehouse:Commit:MaxBatchCount must be a whole number (got 'abc').",
                "Statehouse:Commit:InboxRetention must be a time span ([d.]hh:mm:ss, e.g. 7.00:00:00) (got 'a week').",
            ],
            problems);
    }

    [Fact]
    public void Find_KeysThatNameNoSetting_OneLinePerKeyWithTheSectionsSettings()
    {
        var problems = Find(("Statehouse:Commit:MaxBatchCont", "5"), ("Statehouse:Reads:MaxPageSize", "100"), ("Statehouse:Bogus:X", "1"),
            ("Statehouse:Authorization:Users:alice:Write:0", "tenant-1"));

        Assert.Equal(
            [
                "Statehouse:Bogus is not a setting; Statehouse has Broker, Storage, Commit, Limits, Reads, Authorization, Backup, Http, Replication, History.",
                "Statehouse:Commit:MaxBatchCont is not a setting; Statehouse:Commit has MaxBatchCount, MaxBatchBytes, Prefetch, MemoryBudgetBytes, InboxRetention.",
            ],
            problems);
    }

    [Theory]
    [InlineData("Statehouse:Commit:MaxBatchCount:Extra", "1", "Statehouse:Commit:MaxBatchCount is a value, not a section; Statehouse:Commit:MaxBatchCount:Extra names no setting.")]
    [InlineData("Statehouse:Commit", "5", "Statehouse:Commit is a section, not a value (got '5'); set its settings as Statehouse:Commit:Name=value.")]
    [InlineData("Statehouse:Authorization:Users:alice:Wrte:0", "ns1", "Statehouse:Authorization:Users:alice:Wrte is not a setting; Statehouse:Authorization:Users:alice has Write, Read.")]
    [InlineData("Statehouse:Authorization:Users:alice:Write", "ns1", "Statehouse:Authorization:Users:alice:Write is a collection, not a value (got 'ns1'); write it as Statehouse:Authorization:Users:alice:Write:0=value.")]
    [InlineData("Statehouse:Authorization:Users:alice", "ns1", "Statehouse:Authorization:Users:alice is a section, not a value (got 'ns1'); set its settings as Statehouse:Authorization:Users:alice:Name=value.")]
    [InlineData("Statehouse:Authorization:Users:alice:Write:first", "ns1", "Statehouse:Authorization:Users:alice:Write:first is not a list item; the items of Statehouse:Authorization:Users:alice:Write are Statehouse:Authorization:Users:alice:Write:0, Statehouse:Authorization:Users:alice:Write:1, ….")]
    public void Find_KeyBelowASettingThatNamesNothing_OneLineSayingWhatIsThere(string key, string value, string expected)
    {
        Assert.Equal([expected], Find((key, value)));
    }

    [Fact]
    public void Find_GrantsEmptySectionsAndAnyCase_AreSettings()
    {
        Assert.Empty(Find(("Statehouse:Authorization:Users:alice:Write:0", "ns1"), ("Statehouse:Authorization:Users:alice:Read:0", "ns2"),
            ("Statehouse:Authorization:Users:bob:Read:0", "*"), ("Statehouse:Authorization:Users:carol:Read", ""), ("Statehouse:Authorization:Users", ""),
            ("statehouse:commit:maxbatchcount", "10"), ("Statehouse:Commit:Prefetch", "20")));
    }

    [Fact]
    public void Find_UnknownKeyBesideAnInvalidValue_ReportsBoth()
    {
        var problems = Find(("Statehouse:Commit:MaxBatchCont", "5"), ("Statehouse:Reads:Concurrency", "0"));

        Assert.Equal(
            [
                "Statehouse:Commit:MaxBatchCont is not a setting; Statehouse:Commit has MaxBatchCount, MaxBatchBytes, Prefetch, MemoryBudgetBytes, InboxRetention.",
                "The field Statehouse:Reads:Concurrency must be between 1 and 64 (got 0).",
            ],
            problems);
    }

    [Theory]
    [InlineData("Statehouse:Commit:Prefetch", "10", "Statehouse:Commit:Prefetch (10) must be at least Statehouse:Commit:MaxBatchCount (256).")]
    [InlineData("Statehouse:Limits:MaxValueBytes", "8388608", "Statehouse:Limits:MaxValueBytes (8388608) must not exceed Statehouse:Limits:MaxMessageBytes (4194304).")]
    [InlineData("Statehouse:Reads:DefaultPageSize", "2000", "Statehouse:Reads:DefaultPageSize (2000) must not exceed Statehouse:Reads:MaxPageSize (1000).")]
    [InlineData("Statehouse:Http:Address", "0.0.0.0", "Statehouse:Http:Address (0.0.0.0) is not a loopback address; set Statehouse:Http:AllowNonLoopback=true to serve it anyway.")]
    [InlineData("Statehouse:Broker:QueuePrefix", "bad prefix!", "Statehouse:Broker:QueuePrefix must be 1-100 characters of A-Z a-z 0-9 . _ - (got 'bad prefix!').")]
    [InlineData("Statehouse:Reads:CatchUpWaitMilliseconds", "60001", "The field Statehouse:Reads:CatchUpWaitMilliseconds must be between 0 and 60000 (got 60001).")]
    [InlineData("Statehouse:Replication:RetentionMaxAge", "7 days", "Statehouse:Replication:RetentionMaxAge must be a number followed by one of Y, M, D, h, m, s (RabbitMQ x-max-age, e.g. 7D) (got '7 days').")]
    [InlineData("Statehouse:Replication:TakeoverTimeoutSeconds", "0", "The field Statehouse:Replication:TakeoverTimeoutSeconds must be between 1 and 3600 (got 0).")]
    public void Find_RuleBroken_NamesTheSettingsInKeyForm(string key, string value, string expected)
    {
        Assert.Equal([expected], Find((key, value)));
    }

    [Theory]
    [InlineData("amqp://guest:guest@127.0.0.1:5672/")]
    [InlineData("amqp://u:p@127.0.0.1:5681/,amqp://u:p@127.0.0.1:5682/,amqp://u:p@127.0.0.1:5683/")]
    public void Find_BrokerUriOfOneNodeOrOfACluster_ReturnsNothing(string uri)
    {
        Assert.Empty(Find(("Statehouse:Broker:Uri", uri)));
    }

    [Theory]
    [InlineData("amqp://u:p@a:5681/,amqp://u:q@b:5682/",
        "Statehouse:Broker:Uri must name the nodes of one cluster, all with the same scheme, user, password and virtual host; URI 2, 'amqp://b:5682/', differs from the first, 'amqp://a:5681/', in its user or password.")]
    [InlineData("amqp://u:p@a:5681/,http://b:5682/",
        "Statehouse:Broker:Uri must be an absolute amqp:// or amqps:// URI, or several separated by commas (the nodes of one cluster); 'http://b:5682/' is not one.")]
    [InlineData("amqp://u:p@a:5681/,",
        "Statehouse:Broker:Uri must be an absolute amqp:// or amqps:// URI, or several separated by commas (the nodes of one cluster); '' is not one.")]
    public void Find_BrokerUriListThatIsNotOneCluster_OneLineNamingTheKey(string uri, string expected)
    {
        Assert.Equal([expected], Find(("Statehouse:Broker:Uri", uri)));
    }

    [Fact]
    public void Find_MemoryBudgetBelowOneDelivery_SaysWhatToRaise()
    {
        var problem = Assert.Single(Find(("Statehouse:Commit:MemoryBudgetBytes", "2097152")));

        Assert.Equal(
            "Statehouse:Commit:MemoryBudgetBytes (2097152) cannot hold one delivery of Statehouse:Limits:MaxMessageBytes (4194304, received " +
            "into a buffer of 4194304 bytes); raise the budget to at least 4194304 or lower MaxMessageBytes.",
            problem);
    }

    [Fact]
    public void Find_HistoryRetentionOutOfRange_NamesTheDefaultAndTheNamespacesKey()
    {
        var problems = Find(
            ("Statehouse:History:Retention:Default:KeepVersions", "0"),
            ("Statehouse:History:Retention:Namespaces:agents:KeepNewerThan", "00:00:00"),
            ("Statehouse:History:Retention:Namespaces:runs:KeepVersions", "10"));

        Assert.Equal(
            [
                "The field Statehouse:History:Retention:Default:KeepVersions must be between 1 and 2147483647 (got 0).",
                "The field Statehouse:History:Retention:Namespaces:agents:KeepNewerThan must be between 00:00:01 and 36500.00:00:00 (got 00:00:00).",
            ],
            problems);
    }

    [Fact]
    public void Find_HistoryRetentionUnknownKey_NamesTheRulesSettings()
    {
        var problem = Assert.Single(Find(("Statehouse:History:Retention:Namespaces:agents:KeepVersion", "10")));

        Assert.StartsWith("Statehouse:History:Retention:Namespaces:agents:KeepVersion is not a setting", problem, StringComparison.Ordinal);
    }

    private static IReadOnlyList<string> Find(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));
        builder.AddCommitWorker();
        using var host = builder.Build();
        return SettingsCheck.Find(host.Services);
    }
}
