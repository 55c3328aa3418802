using Statehouse.Contracts;

namespace Statehouse.Contracts.Tests;

public sealed class ErrorCodeNamesTests
{
    [Theory]
    [InlineData(ErrorCode.None, "OK")]
    [InlineData(ErrorCode.InvalidRequest, "INVALID_REQUEST")]
    [InlineData(ErrorCode.TxnExpired, "TXN_EXPIRED")]
    [InlineData(ErrorCode.Conflict, "CONFLICT")]
    [InlineData(ErrorCode.KeyNotFound, "KEY_NOT_FOUND")]
    [InlineData(ErrorCode.VersionNotFound, "VERSION_NOT_FOUND")]
    [InlineData(ErrorCode.PayloadTooLarge, "PAYLOAD_TOO_LARGE")]
    [InlineData(ErrorCode.Unauthorized, "UNAUTHORIZED")]
    [InlineData(ErrorCode.StorageError, "STORAGE_ERROR")]
    [InlineData(ErrorCode.InternalError, "INTERNAL_ERROR")]
    [InlineData(ErrorCode.NotCaughtUp, "NOT_CAUGHT_UP")]
    [InlineData(ErrorCode.HistoryPruned, "HISTORY_PRUNED")]
    public void ToWireName_DocumentedCode_ReturnsDocumentedName(ErrorCode code, string expected)
    {
        Assert.Equal(expected, code.ToWireName());
    }

    [Fact]
    public void ToWireName_UnknownCode_ReturnsUnknownWithNumber()
    {
        Assert.Equal("UNKNOWN_77", ((ErrorCode)77).ToWireName());
    }

    [Fact]
    public void ToWireName_EveryDefinedCode_HasADistinctName()
    {
        var names = Enum.GetValues<ErrorCode>().Select(c => c.ToWireName()).ToList();

        Assert.DoesNotContain(names, n => n.StartsWith("UNKNOWN_", StringComparison.Ordinal));
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData(ErrorCode.None, 0)]
    [InlineData(ErrorCode.InvalidRequest, 1)]
    [InlineData(ErrorCode.TxnExpired, 2)]
    [InlineData(ErrorCode.Conflict, 3)]
    [InlineData(ErrorCode.KeyNotFound, 4)]
    [InlineData(ErrorCode.VersionNotFound, 5)]
    [InlineData(ErrorCode.PayloadTooLarge, 6)]
    [InlineData(ErrorCode.Unauthorized, 7)]
    [InlineData(ErrorCode.StorageError, 8)]
    [InlineData(ErrorCode.InternalError, 9)]
    [InlineData(ErrorCode.NotCaughtUp, 10)]
    [InlineData(ErrorCode.HistoryPruned, 11)]
    public void ErrorCode_NumericValue_IsPinned(ErrorCode code, int wireValue)
    {
        // The number, not the name, travels in replies: renumbering breaks every deployed client.
        Assert.Equal(wireValue, (int)code);
    }

    [Fact]
    public void EnumWireValues_CommitStatusOperationKindReadKind_ArePinned()
    {
        Assert.Equal([1, 2], Enum.GetValues<CommitStatus>().Select(v => (int)v));
        Assert.Equal([1, 2, 3, 4], Enum.GetValues<OperationKind>().Select(v => (int)v));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], Enum.GetValues<ReadKind>().Select(v => (int)v));
        Assert.Equal(OperationKind.ExpectVersion, (OperationKind)3);
        Assert.Equal(OperationKind.Fork, (OperationKind)4);
        Assert.Equal(ReadKind.Replay, (ReadKind)6);
        Assert.Equal(ReadKind.Backup, (ReadKind)10);
        Assert.Equal(ReadKind.ListAgents, (ReadKind)11);
    }
}
