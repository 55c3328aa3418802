using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Security;
using static Statehouse.Worker.Tests.TempStore;

namespace Statehouse.Worker.Tests.Security;

public class NamespaceAuthorizerTests
{
    private static readonly AuthorizationOptions s_options = new()
    {
        Enabled = true,
        Users =
        {
            ["alice"] = new NamespaceGrant { Write = ["bank"], Read = ["audit"] },
            ["root"] = new NamespaceGrant { Write = ["*"] },
        },
    };

    private readonly NamespaceAuthorizer _authorizer = new(s_options);

    [Theory]
    [InlineData("alice", "bank", true, true)]
    [InlineData("alice", "audit", false, true)]
    [InlineData("alice", "other", false, false)]
    [InlineData("root", "anything", true, true)]
    [InlineData("mallory", "bank", false, false)]
    [InlineData(null, "bank", false, false)]
    public void Check_Grants_WriteImpliesRead(string? user, string ns, bool write, bool read)
    {
        Assert.Equal(write, _authorizer.CheckWrite(user, ns) is null);
        Assert.Equal(read, _authorizer.CheckRead(user, ns) is null);
        Assert.Equal(ErrorCode.Unauthorized, (_authorizer.CheckWrite(user, ns) ?? new ValidationFailure(ErrorCode.Unauthorized, "")).Code);
    }

    [Fact]
    public void Check_Disabled_AllowsEverything()
    {
        var open = new NamespaceAuthorizer(new AuthorizationOptions());

        Assert.Null(open.CheckWrite(null, "bank"));
        Assert.Null(open.CheckRead(null, "bank"));
    }

    [Fact]
    public void Apply_UserWithoutWriteGrant_RejectsUnauthorizedWritesNothingAndRecordsNothing()
    {
        using var store = new TempStore(authorizer: _authorizer);
        var envelope = EnvelopeWithId("t-1", Operation.Write("acct", "A", Value(1))) with { Namespace = "bank" };

        var denied = store.Engine.Apply([new CommitRequest(WireFormat.Serialize(envelope), "t-1", "mallory")]).Outcomes[0];
        var anonymous = store.Engine.Apply([new CommitRequest(WireFormat.Serialize(envelope), "t-1", null)]).Outcomes[0];
        var allowed = store.Engine.Apply([new CommitRequest(WireFormat.Serialize(envelope), "t-1", "alice")]).Outcomes[0];

        Assert.Equal(ErrorCode.Unauthorized, denied.Reply.ErrorCode);
        Assert.Equal(ErrorCode.Unauthorized, anonymous.Reply.ErrorCode);
        Assert.NotNull(denied.DeadLetterReason);
        Assert.Equal(CommitStatus.Committed, allowed.Reply.Status);
        Assert.False(allowed.Duplicate);
        Assert.Equal(1, allowed.Reply.CommitTs);
    }

    [Fact]
    public void Read_OtherNamespace_IsUnauthorized()
    {
        using var store = new TempStore(authorizer: _authorizer);

        var reply = store.Reads.Handle(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Get, "secret", "a", "k"), "alice");
        var health = store.Reads.Handle(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Health, "secret"), "alice");
        var anonymousHealth = store.Reads.Handle(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Health, "secret"), null);

        Assert.Equal(ErrorCode.Unauthorized, reply.ErrorCode);
        Assert.Equal(ErrorCode.None, health.ErrorCode);
        Assert.Equal(ErrorCode.Unauthorized, anonymousHealth.ErrorCode);
    }
}
