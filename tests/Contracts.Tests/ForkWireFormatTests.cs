using Statehouse.Contracts;

namespace Statehouse.Contracts.Tests;

/// <summary>
/// Pins the bytes of a fork operation and of the provenance note (<see cref="ForkNote"/>). The fork reuses the five
/// fields of <see cref="Operation"/>, so every other operation keeps the bytes <see cref="WireFormatGoldenBytesTests"/> pins.
/// </summary>
public sealed class ForkWireFormatTests
{
    // Array of 5: kind 4, target "run-2", source "run-1", value nil, commit_ts 42.
    private const string ForkHex = "95" + "04" + "A572756E2D32" + "A572756E2D31" + "C0" + "2A";

    // Map of 4: source_agent, namespace, commit_ts, txn_id.
    private const string NoteHex = "84"
        + "AC736F757263655F6167656E74" + "A572756E2D31"
        + "A96E616D657370616365" + "A764656661756C74"
        + "A9636F6D6D69745F7473" + "2A"
        + "A674786E5F6964" + "A474786E31";

    [Fact]
    public void Serialize_ForkOperation_MatchesPinnedBytes()
    {
        Assert.Equal(ForkHex, Convert.ToHexString(WireFormat.Serialize(Operation.Fork("run-2", "run-1", 42))));
    }

    [Fact]
    public void Deserialize_PinnedForkBytes_ReturnsTheFork()
    {
        var operation = WireFormat.Deserialize<Operation>(Convert.FromHexString(ForkHex));

        Assert.Equal((OperationKind.Fork, "run-2", "run-1", 42L), (operation.Kind, operation.AgentId, operation.Key, operation.ExpectedVersion));
        Assert.Null(operation.Value);
    }

    [Fact]
    public void Serialize_ForkNote_IsAMapWithSnakeCaseNames()
    {
        var note = new ForkNote("run-1", "default", 42, "txn1");

        Assert.Equal(NoteHex, Convert.ToHexString(WireFormat.Serialize(note)));
        Assert.Equal(note, WireFormat.Deserialize<ForkNote>(Convert.FromHexString(NoteHex)));
    }
}
