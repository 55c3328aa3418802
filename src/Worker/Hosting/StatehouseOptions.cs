using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Hosting;

/// <summary>Every worker setting, bound from the <c>Statehouse</c> configuration section.</summary>
public sealed class StatehouseOptions
{
    public const string SectionName = "Statehouse";

    [Required, ValidateObjectMembers]
    public BrokerOptions Broker { get; set; } = new();

    [Required, ValidateObjectMembers]
    public StorageOptions Storage { get; set; } = new();

    [Required, ValidateObjectMembers]
    public CommitOptions Commit { get; set; } = new();

    [Required, ValidateObjectMembers]
    public LimitOptions Limits { get; set; } = new();

    [Required, ValidateObjectMembers]
    public ReadOptions Reads { get; set; } = new();

    [Required, ValidateObjectMembers]
    public AuthorizationOptions Authorization { get; set; } = new();

    [Required, ValidateObjectMembers]
    public BackupOptions Backup { get; set; } = new();

    [Required, ValidateObjectMembers]
    public HttpOptions Http { get; set; } = new();
}

public sealed class BackupOptions
{
    /// <summary>Directory under which online backups (RocksDB checkpoints) are written, one sub-directory each.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Directory { get; set; } = "./backups";
}

/// <summary>
/// The HTTP endpoint for operators: <c>/metrics</c> (Prometheus text) and <c>/health</c> (JSON). Off by default, so that
/// several workers on one machine (tests, a standby) never fight over a port; without authentication, so loopback only
/// unless <see cref="AllowNonLoopback"/> says otherwise.
/// </summary>
public sealed class HttpOptions
{
    public bool Enabled { get; set; }

    /// <summary>IP address to listen on.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 takes any free port (the worker logs the one it got).</summary>
    [Range(0, 65_535)]
    public int Port { get; set; } = 9464;

    /// <summary>Allows an <see cref="Address"/> other than loopback (e.g. 0.0.0.0 in a container).</summary>
    public bool AllowNonLoopback { get; set; }
}

/// <summary>
/// Optional per-namespace authorization by the AMQP <c>user_id</c> property, which RabbitMQ validates against the
/// connection's user. Configured as <c>Statehouse:Authorization:Users:&lt;user&gt;:Write:0=&lt;namespace&gt;</c> (and <c>Read</c>);
/// <c>*</c> grants every namespace; Write implies Read.
/// </summary>
public sealed class AuthorizationOptions
{
    /// <summary>When false (default) every message is accepted whatever its user_id.</summary>
    public bool Enabled { get; set; }

    /// <summary>Broker user name → the namespaces it may write and read.</summary>
    public Dictionary<string, NamespaceGrant> Users { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The namespaces one broker user may write (commit to) and read.</summary>
public sealed class NamespaceGrant
{
    public List<string> Write { get; set; } = [];

    public List<string> Read { get; set; } = [];
}

public sealed class BrokerOptions
{
    /// <summary>AMQP URI of the broker.</summary>
    [Required]
    public Uri Uri { get; set; } = new("amqp://guest:guest@localhost:5672/");

    /// <summary>Prefix of every queue and exchange name (see <c>TopologyNames</c>).</summary>
    [Required, RegularExpression("^[A-Za-z0-9._-]{1,100}$", ErrorMessage = "{0} must be 1-100 characters of A-Z a-z 0-9 . _ -")]
    public string QueuePrefix { get; set; } = Contracts.TopologyNames.DefaultPrefix;

    /// <summary>Deliveries of one message before the broker dead-letters it (quorum queue <c>x-delivery-limit</c>).</summary>
    [Range(1, 1000)]
    public int DeliveryLimit { get; set; } = 20;

    /// <summary>Seconds between attempts to reach the broker after a failure.</summary>
    [Range(0.1, 300)]
    public double ReconnectDelaySeconds { get; set; } = 2;

    /// <summary>Seconds between polls of the commit queue's ready-message count (a metric); 0 = never poll.</summary>
    [Range(0, 3600)]
    public double QueueProbeSeconds { get; set; } = 5;
}

public sealed class StorageOptions
{
    /// <summary>Directory of the RocksDB store. Created on first start when empty or missing.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Path { get; set; } = "./data";

    /// <summary>
    /// When another worker holds the store (its lock), wait as a hot standby and take over when it is released,
    /// instead of exiting. The standby does not connect to the broker before it has the store.
    /// </summary>
    public bool WaitForLock { get; set; } = true;

    /// <summary>Seconds between a standby's attempts to take the store's lock (bounds the takeover time).</summary>
    [Range(0.01, 60)]
    public double LockRetrySeconds { get; set; } = 0.2;

    /// <summary>
    /// RocksDB's block cache, shared by all column families; it also holds the table files' index and filter blocks.
    /// </summary>
    [Range(1L << 20, 1L << 40)]
    public long BlockCacheBytes { get; set; } = StoreMemory.Default.BlockCacheBytes;

    /// <summary>All RocksDB memtables together (one column family's is a quarter); the write-ahead log is capped at twice it.</summary>
    [Range(4L << 20, 1L << 40)]
    public long WriteBufferBytes { get; set; } = StoreMemory.Default.WriteBufferBytes;
}

public sealed class CommitOptions
{
    /// <summary>Most transactions in one synced write. 1 = one fsync per message.</summary>
    [Range(1, 10_000)]
    public int MaxBatchCount { get; set; } = 256;

    /// <summary>Most envelope bytes in one synced write (a single larger envelope still forms a batch of its own).</summary>
    [Range(1, 1L << 30)]
    public long MaxBatchBytes { get; set; } = 16L << 20;

    /// <summary>
    /// Unacknowledged deliveries the broker may push ahead (AMQP prefetch). At least MaxBatchCount. The worker lowers it
    /// until Prefetch × MaxMessageBytes (rounded up to a power of two) fits <see cref="MemoryBudgetBytes"/>.
    /// </summary>
    [Range(1, 65_535)]
    public int Prefetch { get; set; } = 512;

    /// <summary>
    /// Bytes of commit deliveries the worker may hold delivered and not yet written, whatever their sizes: the prefetch
    /// is lowered to budget ÷ MaxMessageBytes (rounded up to a power of two). Must hold at least one delivery.
    /// </summary>
    [Range(1L << 20, 1L << 40)]
    public long MemoryBudgetBytes { get; set; } = 256L << 20;

    /// <summary>Default of <see cref="InboxRetention"/>.</summary>
    public static readonly TimeSpan DefaultInboxRetention = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a txn_id's reply is kept for duplicate detection, at least (an entry also stays until its transaction's
    /// deadline has passed). Also the furthest ahead an envelope's deadline may lie: an envelope without a deadline, or
    /// with one further ahead, is refused with INVALID_REQUEST, so no resend can outlive its txn_id's entry.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan InboxRetention { get; set; } = DefaultInboxRetention;
}

public sealed class LimitOptions
{
    [Range(1, 1024)]
    public int MaxNamespaceBytes { get; set; } = 128;

    [Range(1, 1024)]
    public int MaxAgentIdBytes { get; set; } = 256;

    [Range(1, 64 * 1024)]
    public int MaxKeyBytes { get; set; } = 1024;

    [Range(1, 64L << 20)]
    public int MaxValueBytes { get; set; } = 1 << 20;

    [Range(1, 100_000)]
    public int MaxOperations { get; set; } = 1000;

    [Range(1, 256)]
    public int MaxTxnIdBytes { get; set; } = 128;

    /// <summary>
    /// Largest message body accepted at all, bytes (larger ones are rejected with PAYLOAD_TOO_LARGE before decoding).
    /// Clients check the same limit before they publish. It also sets the commit prefetch (see
    /// <see cref="CommitOptions.MemoryBudgetBytes"/>): the 4 MiB default gives a prefetch of 64 within the 256 MiB budget,
    /// enough for group commit; a larger limit lowers it (16 MiB: 16, about two thirds of the small-transaction throughput).
    /// </summary>
    [Range(1024, 512L << 20)]
    public int MaxMessageBytes { get; set; } = 4 << 20;
}

public sealed class ReadOptions
{
    /// <summary>Read requests served at once.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 4;

    /// <summary>Page size when a request asks for none.</summary>
    [Range(1, 10_000)]
    public int DefaultPageSize { get; set; } = 100;

    /// <summary>Largest page a request may ask for.</summary>
    [Range(1, 100_000)]
    public int MaxPageSize { get; set; } = 1000;

    /// <summary>
    /// Value bytes after which a scan or replay page ends early (it still holds at least one record), so a reply stays
    /// far below the broker's message size limit (16 MiB by default on RabbitMQ 4) and the client's.
    /// </summary>
    [Range(1024, 256L << 20)]
    public int MaxPageBytes { get; set; } = 8 << 20;
}
