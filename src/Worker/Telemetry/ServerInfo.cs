using System.Reflection;

namespace Statehouse.Worker.Telemetry;

/// <summary>The worker's version: its assembly's informational version, as health replies and the meter report it.</summary>
internal static class ServerInfo
{
    public static string Version { get; } =
        typeof(ServerInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
