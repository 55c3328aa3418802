namespace Statehouse.Bench.Load;

/// <summary>
/// The same load for every mode: <see cref="Clients"/> connections, <see cref="InFlight"/> transactions in flight on
/// each, <see cref="Operations"/> writes of <see cref="ValueBytes"/>-byte values per transaction. Each in-flight slot
/// writes its own agent's keys, cycling over <see cref="KeysPerAgent"/> keys, so slots never contend for a record.
/// </summary>
internal sealed record LoadShape(int Clients, int InFlight, int Operations, int ValueBytes, int KeysPerAgent)
{
    public int Slots => Clients * InFlight;

    public string AgentOf(int slot) => "agent-" + slot.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The key index of operation <paramref name="operation"/> of a slot's <paramref name="sequence"/>-th transaction.</summary>
    public int KeyIndex(long sequence, int operation) => (int)(((sequence * Operations) + operation) % KeysPerAgent);

    public static string KeyName(int index) => "key-" + index.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
}
