using System.Net;
using System.Net.Sockets;

namespace Statehouse.Testing.Brokers;

/// <summary>Broker addresses nobody answers at, to put beside a live node in a list of cluster nodes.</summary>
public static class DeadNodes
{
    /// <summary>A loopback port the system just handed out and nobody listens on any more: a connect is refused.</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary><paramref name="live"/> with a closed port: the same scheme, user, password and virtual host, no broker.</summary>
    public static Uri Beside(Uri live) => new UriBuilder(live) { Port = ClosedPort() }.Uri;
}
