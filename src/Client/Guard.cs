namespace Statehouse.Client;

/// <summary>Argument checks shared by the client and its transactions.</summary>
internal static class Guard
{
    /// <summary>A record is named by a non-empty agent id and key (the worker enforces the length limits).</summary>
    public static void Record(string agentId, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        ArgumentException.ThrowIfNullOrEmpty(key);
    }
}
