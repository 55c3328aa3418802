using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Hosting;
using Statehouse.Worker.Messaging;
using Statehouse.Worker.Reads;
using Statehouse.Worker.Replication;
using Statehouse.Worker.Security;
using Statehouse.Worker.Storage;
using Statehouse.Worker.Telemetry;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Hosting;

public sealed class CommitWorkerHostingExtensionsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"statehouse-hosting-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void AddCommitWorker_NoSettings_EachSectionHasItsDocumentedDefaults()
    {
        using var host = Build();

        var services = host.Services;
        Assert.Equal("amqp://guest:guest@localhost:5672/", services.GetRequiredService<BrokerOptions>().Uri);
        Assert.Equal(TopologyNames.DefaultPrefix, services.GetRequiredService<BrokerOptions>().QueuePrefix);
        Assert.Equal(20, services.GetRequiredService<BrokerOptions>().DeliveryLimit);
        Assert.Equal("./data", services.GetRequiredService<StorageOptions>().Path);
        Assert.True(services.GetRequiredService<StorageOptions>().WaitForLock);
        Assert.Equal(32L << 20, services.GetRequiredService<StorageOptions>().BlockCacheBytes);
        Assert.Equal(256, services.GetRequiredService<CommitOptions>().MaxBatchCount);
        Assert.Equal(512, services.GetRequiredService<CommitOptions>().Prefetch);
        Assert.Equal(TimeSpan.FromDays(7), services.GetRequiredService<CommitOptions>().InboxRetention);
        Assert.Equal(4 << 20, services.GetRequiredService<LimitOptions>().MaxMessageBytes);
        Assert.Equal(4, services.GetRequiredService<ReadServiceOptions>().Concurrency);
        Assert.Equal(8 << 20, services.GetRequiredService<ReadServiceOptions>().MaxPageBytes);
        Assert.False(services.GetRequiredService<AuthorizationOptions>().Enabled);
        Assert.Equal("./backups", services.GetRequiredService<BackupOptions>().Directory);
        Assert.Equal(("127.0.0.1", 9464, false), (services.GetRequiredService<HttpOptions>().Address, services.GetRequiredService<HttpOptions>().Port,
            services.GetRequiredService<HttpOptions>().Enabled));
        var replication = services.GetRequiredService<ReplicationOptions>();
        Assert.Equal((false, 20L << 30, "7D", 60, 256), (replication.Enabled, replication.RetentionMaxBytes, replication.RetentionMaxAge,
            replication.TakeoverTimeoutSeconds, replication.LogPrefetch));
    }

    [Fact]
    public void AddCommitWorker_KeysInConfigurationAndEnvironmentForm_BindTheirFeatureSections()
    {
        // The environment-variable form as docs/configuration.md gives it, under a prefix of this test's own.
        var prefix = $"STATEHOUSE_TEST_{Guid.NewGuid():N}_";
        Environment.SetEnvironmentVariable(prefix + "Statehouse__Reads__MaxPageSize", "5000");
        Environment.SetEnvironmentVariable(prefix + "Statehouse__Authorization__Users__alice__Write__0", "bank");
        try
        {
            using var host = Build(
                services: null, configuration => configuration.AddEnvironmentVariables(prefix),
                ("Statehouse:Commit:MaxBatchCount", "7"),
                ("Statehouse:Broker:QueuePrefix", "hosting-test"),
                ("Statehouse:Storage:Path", "/srv/store"),
                ("Statehouse:Backup:Directory", "/srv/backups"),
                ("Statehouse:Http:Port", "0"),
                ("Statehouse:Limits:MaxKeyBytes", "64"),
                ("Statehouse:Replication:Enabled", "true"));

            var services = host.Services;
            Assert.Equal(7, services.GetRequiredService<CommitOptions>().MaxBatchCount);
            Assert.Equal("hosting-test", services.GetRequiredService<BrokerOptions>().QueuePrefix);
            Assert.Equal(new TopologyNames("hosting-test"), services.GetRequiredService<TopologyNames>());
            Assert.Equal("/srv/store", services.GetRequiredService<StorageOptions>().Path);
            Assert.Equal("/srv/backups", services.GetRequiredService<BackupOptions>().Directory);
            Assert.Equal(0, services.GetRequiredService<HttpOptions>().Port);
            Assert.Equal(64, services.GetRequiredService<LimitOptions>().MaxKeyBytes);
            Assert.True(services.GetRequiredService<ReplicationOptions>().Enabled);
            Assert.Equal(5000, services.GetRequiredService<ReadServiceOptions>().MaxPageSize);
            Assert.Equal(["bank"], services.GetRequiredService<AuthorizationOptions>().Users["alice"].Write);
            // One instance: the section handed out alone is the one inside the validated whole.
            Assert.Same(services.GetRequiredService<IOptions<StatehouseOptions>>().Value.Commit,
                services.GetRequiredService<CommitOptions>());
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "Statehouse__Reads__MaxPageSize", null);
            Environment.SetEnvironmentVariable(prefix + "Statehouse__Authorization__Users__alice__Write__0", null);
        }
    }

    [Fact]
    public void AddCommitWorker_CalledTwice_RegistersEverythingOnce()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.AddCommitWorker();
        var registrations = builder.Services.Count;

        builder.AddCommitWorker();

        Assert.Equal(registrations, builder.Services.Count);
        Assert.Equal(2, builder.Services.Count(d => d.ServiceType == typeof(IHostedService)));
    }

    [Fact]
    public void AddCommitWorker_HostedServicesBeforeStart_ResolveWithoutTheStore()
    {
        using var host = Build(services: null, ("Statehouse:Storage:Path", _directory));

        // What the host resolves before it starts anything: the monitoring server, then the worker service.
        var hosted = host.Services.GetServices<IHostedService>().ToList();

        Assert.Equal([typeof(MonitoringServer), typeof(CommitWorkerService)], hosted.Select(s => s.GetType()));
        Assert.False(host.Services.GetRequiredService<StoreOpener>().IsOpen);
        Assert.False(Directory.Exists(_directory));
    }

    [Fact]
    public void AddCommitWorker_EveryOwnRegistrationBeforeStart_ResolvesWithoutOpeningTheStore()
    {
        IServiceCollection? registered = null;
        using var host = Build(services => registered = services, ("Statehouse:Storage:Path", _directory));

        var own = registered!.Where(d => !d.ServiceType.ContainsGenericParameters && d.ServiceType.Namespace?.StartsWith("Statehouse.", StringComparison.Ordinal) == true)
            .Select(d => d.ServiceType).Distinct().ToList();
        foreach (var type in own)
        {
            Assert.NotEmpty(host.Services.GetServices(type));
        }

        Assert.True(own.Count >= 10, $"only {own.Count} registrations of our own: {string.Join(", ", own.Select(t => t.Name))}");
        Assert.False(host.Services.GetRequiredService<StoreOpener>().IsOpen);
        Assert.False(Directory.Exists(_directory));
    }

    [Theory]
    [InlineData(typeof(StateStore))]
    [InlineData(typeof(CommitEngine))]
    [InlineData(typeof(CommitLoop))]
    [InlineData(typeof(ReadService))]
    [InlineData(typeof(BackupService))]
    [InlineData(typeof(InboxPruner))]
    [InlineData(typeof(StoreServices))]
    public void AddCommitWorker_StoreBoundService_IsNotRegisteredButItsFactoryResolvesBeforeStart(Type service)
    {
        using var host = Build(services: null, ("Statehouse:Storage:Path", _directory));

        Assert.Null(host.Services.GetService(service));
        Assert.NotNull(host.Services.GetRequiredService<StoreServiceFactory>());
        Assert.False(host.Services.GetRequiredService<StoreOpener>().IsOpen);
        Assert.False(Directory.Exists(_directory));
    }

    [Fact]
    public async Task AddCommitWorker_StoreServicesCreatedOnTheOpenStore_EachWorksOnThatStoreWithTheSettings()
    {
        var backups = Path.Combine(_directory, "backups");
        var time = new FakeTimeProvider(Start);
        using var host = Build(
            services => services.AddSingleton<TimeProvider>(time),
            ("Statehouse:Storage:Path", Path.Combine(_directory, "store")), ("Statehouse:Storage:WaitForLock", "false"),
            ("Statehouse:Backup:Directory", backups), ("Statehouse:Commit:InboxRetention", "1.12:00:00"));
        var opener = host.Services.GetRequiredService<StoreOpener>();
        var factory = host.Services.GetRequiredService<StoreServiceFactory>();

        var store = await opener.OpenAsync(CancellationToken.None);
        var built = factory.Create(store);
        var committed = built.Engine.Apply([Request(Envelope(Operation.Write("agent", "k", Value(1))))]).Outcomes[0].Reply;
        var read = Ok(built.Reads.Handle(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Get, "default", "agent", "k")));
        var backup = Ok(built.Reads.Handle(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Backup, "default", Key: "b1")));
        time.Advance(TimeSpan.FromDays(3));

        Assert.Equal(1, committed.CommitTs);
        Assert.Equal(1, opener.Store.LastCommitTs);
        Assert.Equal((true, 1L), (read.Record!.Exists, read.Record.CommitTs));
        // The read service's backups are the built ones, writing to the configured directory.
        Assert.Equal(1, backup.Backup!.CommitTs);
        Assert.StartsWith(backups, backup.Backup.Path, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(backup.Backup.Path, BackupService.ManifestFileName)));
        // The pruner works on this store with the configured retention (36 hours, on the injected clock).
        Assert.Equal(1, built.Pruner.PruneOnce());
        // The engine has the same retention: a deadline two days ahead is beyond it.
        var far = EnvelopeWithId("far", Operation.Write("agent", "k", Value(2))) with
        {
            DeadlineUnixMs = time.GetUtcNow().AddDays(2).ToUnixTimeMilliseconds(),
        };
        var refused = built.Engine.Apply([Request(far)]).Outcomes[0].Reply;
        Assert.Equal(ErrorCode.InvalidRequest, refused.ErrorCode);
        Assert.Contains("1.12:00:00", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.NotNull(built.Loop);
        Assert.NotSame(built.Engine, factory.Create(store).Engine);
    }

    /// <summary>A host with the worker registered, its settings from <paramref name="settings"/> only (no appsettings.json).</summary>
    private static IHost Build(
        Action<IServiceCollection>? services = null, params (string Key, string Value)[] settings) =>
        Build(services, configure: null, settings);

    private static IHost Build(
        Action<IServiceCollection>? services, Action<IConfigurationBuilder>? configure, params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));
        configure?.Invoke(builder.Configuration);
        services?.Invoke(builder.Services);
        builder.AddCommitWorker();
        return builder.Build();
    }
}
