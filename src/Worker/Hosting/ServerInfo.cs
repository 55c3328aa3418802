using System.Reflection;

namespace Statehouse.Worker.Hosting;

internal static class ServerInfo
{
    public static string Version { get; } =
        typeof(ServerInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
