using Statehouse.Client;

namespace Statehouse.Testcontainers.Tests.Readme;

/// <summary>The fixture of the module's README, verbatim: one broker and worker for a test class, disposed after it.</summary>
public sealed class StatehouseFixture : IAsyncLifetime
{
    public StatehouseContainer Statehouse { get; } = new StatehouseBuilder(StatehouseImages.Worker)
        .WithWorkerSetting("Statehouse:Broker:QueuePrefix", "planner-tests")
        .Build();

    public StatehouseClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        try
        {
            await Statehouse.StartAsync();
            Client = await StatehouseClient.ConnectAsync(Statehouse.GetClientOptions());
        }
        catch
        {
            // No Ryuk to clean up after us: remove what was started before failing.
            await Statehouse.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (Client is not null)
        {
            await Client.DisposeAsync();
        }

        await Statehouse.DisposeAsync();
    }
}
