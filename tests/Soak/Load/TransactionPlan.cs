using Statehouse.Soak.Journal;

namespace Statehouse.Soak.Load;

/// <summary>
/// One transaction to run: 2-3 writes or deletes on distinct records of one or two agents, every write carrying the
/// same marker (txn id and sequence), and whether to read the first record and expect its version.
/// </summary>
internal sealed record TransactionPlan(string TxnId, IReadOnlyList<JournalOperation> Operations, bool ExpectFirst)
{
    public static TransactionPlan Create(Random random, int client, int sequence, int agents)
    {
        var txnId = $"c{client}-{sequence}";
        var marker = $"{txnId}#{sequence}";
        var first = random.Next(agents);
        int[] chosen = random.Next(2) == 0 ? [first] : [first, (first + 1 + random.Next(agents - 1)) % agents];
        var count = 2 + random.Next(2);
        var operations = new List<JournalOperation>(count);
        while (operations.Count < count)
        {
            var agent = Workload.AgentName(chosen[operations.Count % chosen.Length]);
            var key = Workload.KeyName(random.Next(Workload.KeysPerAgent));
            if (operations.Exists(o => o.Agent == agent && o.Key == key))
            {
                continue;
            }

            var delete = random.NextDouble() < Workload.DeleteShare;
            operations.Add(new JournalOperation(agent, key, delete, delete ? null : marker, 0));
        }

        return new TransactionPlan(txnId, operations, random.NextDouble() < Workload.ExpectShare);
    }
}
