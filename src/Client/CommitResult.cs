using Statehouse.Contracts;

namespace Statehouse.Client;

/// <summary>A committed transaction: its global <see cref="CommitTs"/> and the new version of every record it wrote or deleted.</summary>
public sealed record CommitResult(string TxnId, long CommitTs, IReadOnlyList<RecordVersion> Versions)
{
    /// <summary>The new version of one record the transaction wrote or deleted.</summary>
    /// <exception cref="KeyNotFoundException">The transaction did not touch that record.</exception>
    public long VersionOf(string agentId, string key)
    {
        foreach (var version in Versions)
        {
            if (version.AgentId == agentId && version.Key == key)
            {
                return version.Version;
            }
        }

        throw new KeyNotFoundException($"Transaction {TxnId} did not write or delete '{key}' of agent '{agentId}'.");
    }
}
