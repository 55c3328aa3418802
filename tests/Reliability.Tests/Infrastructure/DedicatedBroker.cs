using System.Net;
using System.Net.Sockets;

namespace Statehouse.Reliability.Tests.Infrastructure;

/// <summary>Starts a broker of a test's own: a local node where Debian's rabbitmq-server is installed, else a container.</summary>
internal static class DedicatedBroker
{
    public static async Task<IDedicatedBroker> StartAsync(CancellationToken ct) => LocalRabbitCtl.IsInstalled
        ? await LocalRabbitNode.StartNewAsync(ct)
        : await ContainerRabbitNode.StartNewAsync(FreePort(), ct);

    /// <summary>A TCP port on loopback that nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
