using MessagePack;
using Microsoft.Extensions.Time.Testing;
using Statehouse.Contracts;
using Statehouse.Worker.Commit;
using Statehouse.Worker.Reads;
using Statehouse.Worker.Security;
using Statehouse.Worker.Storage;
using Statehouse.Worker.Telemetry;

namespace Statehouse.Worker.Tests;

/// <summary>A real RocksDB store in a fresh temporary directory, with an engine and a read service over it.</summary>
internal sealed class TempStore : IDisposable
{
    /// <param name="authorizer">Default: <see cref="NoAuthorization"/>.</param>
    public TempStore(LimitOptions? limits = null, NamespaceAuthorizer? authorizer = null)
    {
        Directory = Path.Combine(Path.GetTempPath(), "statehouse-tests", Guid.NewGuid().ToString("N"));
        Limits = limits ?? new LimitOptions();
        Store = StateStore.Open(Directory);
        authorizer ??= NoAuthorization;
        Engine = new CommitEngine(Store, Limits, Time, authorizer);
        Reads = new ReadService(
            Store, new ReadServiceOptions { DefaultPageSize = 100, MaxPageSize = 1000 }, new WorkerHealth(), authorizer, NewCounters());
    }

    /// <summary>What a worker without <c>Statehouse:Authorization</c> settings has: authorization off, every user accepted.</summary>
    public static NamespaceAuthorizer NoAuthorization { get; } = new(new AuthorizationOptions());

    public string Directory { get; }

    public LimitOptions Limits { get; }

    /// <summary>Where <see cref="Time"/> starts.</summary>
    public static DateTimeOffset Start { get; } = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    public FakeTimeProvider Time { get; } = new(Start);

    public StateStore Store { get; private set; }

    public CommitEngine Engine { get; private set; }

    public ReadService Reads { get; private set; }

    /// <summary>Closes and reopens the store, as a restarted worker would.</summary>
    public void Reopen()
    {
        Store.Dispose();
        Store = StateStore.Open(Directory);
        Engine = new CommitEngine(Store, Limits, Time, NoAuthorization);
        Reads = new ReadService(Store, new ReadServiceOptions(), new WorkerHealth(), NoAuthorization, NewCounters());
    }

    /// <summary>
    /// Damages the store on disk where it holds <paramref name="stored"/> (at least 16 incompressible bytes of a committed
    /// value): reopens once, so RocksDB's recovery moves the log into table files, closes, flips those bytes in every table
    /// file that holds them, and opens the store again. Reads of those blocks then fail RocksDB's block checksum.
    /// </summary>
    public void DamageTableFilesHolding(byte[] stored)
    {
        Reopen();
        Store.Dispose();
        var damaged = 0;
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*.sst"))
        {
            var bytes = File.ReadAllBytes(file);
            var at = bytes.AsSpan().IndexOf(stored);
            if (at >= 0)
            {
                for (var i = at; i < at + stored.Length; i++)
                {
                    bytes[i] ^= 0xFF;
                }

                File.WriteAllBytes(file, bytes);
                damaged++;
            }
        }

        Assert.True(damaged > 0, $"no table file in {Directory} holds the value: the damage would test nothing");
        Reopen();
    }

    /// <summary>Fresh worker totals, started now on the system clock.</summary>
    public static WorkerCounters NewCounters() => new(TimeProvider.System);

    public static byte[] Value<T>(T value) => MessagePackSerializer.Serialize(value);

    public static CommitEnvelope Envelope(params Operation[] operations) =>
        EnvelopeWithId(Guid.NewGuid().ToString("N"), operations);

    /// <summary>An envelope with a deadline one day after <see cref="Start"/> (within the default inbox retention).</summary>
    public static CommitEnvelope EnvelopeWithId(string txnId, params Operation[] operations) =>
        new(WireFormat.SchemaVersion, txnId, "default", operations, Start.AddDays(1).ToUnixTimeMilliseconds());

    public static CommitRequest Request(CommitEnvelope envelope) => new(WireFormat.Serialize(envelope), envelope.TxnId);

    public CommitGroupResult Apply(params CommitEnvelope[] envelopes) => Engine.Apply([.. envelopes.Select(Request)]);

    public CommitReply Commit(params Operation[] operations) => Apply(Envelope(operations)).Outcomes[0].Reply;

    public StateRecord Get(string agent, string key, string ns = "default") =>
        Ok(Reads.Handle(new ReadRequest(WireFormat.SchemaVersion, ReadKind.Get, ns, agent, key))).Record!;

    public ReadReply Read(ReadRequest request) => Reads.Handle(request);

    public static ReadReply Ok(ReadReply reply)
    {
        Assert.True(reply.ErrorCode == ErrorCode.None, $"read failed: {reply.ErrorCode} {reply.ErrorMessage}");
        return reply;
    }

    public void Dispose()
    {
        Store.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory must not fail a test.
        }
    }
}
