using System.Globalization;

namespace Statehouse.Bench.Storage;

/// <summary>A store to build for the replay benchmark: this many transactions spread over this many agents.</summary>
internal readonly record struct StoreShape(int Transactions, int Agents)
{
    public int EventsPerAgent => Transactions / Agents;

    public string Name => string.Create(CultureInfo.InvariantCulture, $"replay-{Transactions}tx-{Agents}agents");

    /// <summary>Parses <c>transactions:agents</c>, e.g. <c>1000000:1000</c>.</summary>
    public static StoreShape Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 2)
        {
            throw new FormatException($"--stores wants transactions:agents pairs, got '{text}'");
        }

        var shape = new StoreShape(
            StorageCommand.Whole("--stores transactions", parts[0], 1, 100_000_000),
            StorageCommand.Whole("--stores agents", parts[1], 1, 10_000_000));
        return shape.Transactions < shape.Agents
            ? throw new FormatException($"--stores '{text}': fewer transactions than agents leaves agents without events")
            : shape;
    }
}
