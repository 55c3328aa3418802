using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Statehouse.Testing.Processes;

namespace Statehouse.Testing.Brokers;

/// <summary>
/// The local 3-node RabbitMQ cluster of <c>scripts/cluster.sh</c> for a test collection (xunit's
/// <c>ICollectionFixture</c>): the URIs in <c>STATEHOUSE_TEST_CLUSTER</c> (the comma-separated line <c>start</c>
/// prints), the node behind each (node 1 is the first URI), the script's per-node faults (<see cref="KillNodeAsync"/>,
/// <see cref="RestartNodeAsync"/>), and what the broker says about a queue: which node leads it, which connection is
/// its single active consumer. Without the variable, or when the nodes do not all run in one cluster, every test of
/// the collection fails with <see cref="NoClusterMessage"/>; none is skipped.
/// </summary>
public sealed partial class ClusterFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "STATEHOUSE_TEST_CLUSTER";

    public const string NoClusterMessage =
        "No RabbitMQ cluster: start one with `scripts/cluster.sh start` and set STATEHOUSE_TEST_CLUSTER to the line it " +
        "prints (amqp://guest:guest@127.0.0.1:5681/,amqp://guest:guest@127.0.0.1:5682/,amqp://guest:guest@127.0.0.1:5683/)";

    /// <summary>How long a start, restart or status of the script may take (a fresh start is ~20 s, slower under load).</summary>
    private static readonly TimeSpan s_scriptTimeout = TimeSpan.FromMinutes(5);

    private readonly HashSet<int> _killed = [];
    private IConnection? _connection;
    private IReadOnlyList<Uri> _uris = [];
    private IReadOnlyList<string> _nodes = [];

    /// <summary>The AMQP URI of each node: index 0 is node 1.</summary>
    public IReadOnlyList<Uri> Uris => _uris.Count > 0 ? _uris : throw new InvalidOperationException("The cluster fixture is not initialized.");

    /// <summary>The URIs as one comma-separated list, the form <c>Statehouse:Broker:Uri</c> takes for a cluster.</summary>
    public string UriList => string.Join(',', Uris.Select(u => u.ToString()));

    /// <summary>The Erlang node name of each node (e.g. <c>shc1@localhost</c>): index 0 is node 1.</summary>
    public IReadOnlyList<string> NodeNames => _nodes;

    /// <summary>A connection to the cluster (any node that answers) for raw AMQP and clean-up; each user opens its own channel.</summary>
    public IConnection Connection => _connection ?? throw new InvalidOperationException("The cluster fixture is not initialized.");

    /// <summary>The script this fixture drives: <c>scripts/cluster.sh</c> of this checkout.</summary>
    public static string Script => Path.Combine(BuildOutput.RepositoryRoot(), "scripts", "cluster.sh");

    /// <summary>The 1-based node number of an Erlang node name, e.g. 2 for <c>shc2@localhost</c>.</summary>
    /// <exception cref="ArgumentException">Not a node of this cluster.</exception>
    public int NodeNumber(string nodeName)
    {
        var index = _nodes.ToList().IndexOf(nodeName);
        return index >= 0 ? index + 1 : throw new ArgumentException($"'{nodeName}' is not a node of this cluster ({string.Join(", ", _nodes)}).", nameof(nodeName));
    }

    public async Task InitializeAsync()
    {
        var list = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(list))
        {
            throw new InvalidOperationException($"{EnvironmentVariable} is not set. {NoClusterMessage}");
        }

        var uris = new List<Uri>();
        foreach (var item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            uris.Add(Uri.TryCreate(item, UriKind.Absolute, out var uri)
                ? uri
                : throw new InvalidOperationException($"{EnvironmentVariable} holds '{item}', not an absolute AMQP URI. {NoClusterMessage}"));
        }

        if (uris.Count != 3)
        {
            throw new InvalidOperationException($"{EnvironmentVariable} names {uris.Count} URIs; the replication tests need the three nodes. {NoClusterMessage}");
        }

        _uris = uris;
        _nodes = await ReadNodeNamesAsync(uris, CancellationToken.None);
        _connection = await ConnectAsync("statehouse-cluster-tests", CancellationToken.None);
    }

    /// <summary>
    /// Opens a connection to the first node of <see cref="Uris"/> that answers (RabbitMQ.Client tries the endpoints in order).
    /// </summary>
    /// <exception cref="InvalidOperationException">No node answers.</exception>
    public async Task<IConnection> ConnectAsync(string clientName, CancellationToken ct)
    {
        var first = Uris[0];
        var factory = new ConnectionFactory
        {
            Uri = first,
            ClientProvidedName = clientName,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = false,
        };
        try
        {
            return await factory.CreateConnectionAsync(Uris.Select(u => new AmqpTcpEndpoint(u.Host, u.Port)).ToList(), ct);
        }
        catch (BrokerUnreachableException e)
        {
            throw new InvalidOperationException($"No node of {TestBroker.Redact(first)}… answers ({e.GetBaseException().Message}). {NoClusterMessage}", e);
        }
    }

    /// <summary>
    /// <c>scripts/cluster.sh status</c>, and <c>start</c> when not all three nodes run in one cluster: for a test that
    /// must begin on a whole cluster after an earlier one may have left a node down.
    /// </summary>
    public async Task EnsureAllRunningAsync(CancellationToken ct)
    {
        var (status, _) = await RunScriptAsync(["status"], ct);
        if (status != 0)
        {
            await RunScriptCheckedAsync(["start"], ct);
        }
    }

    /// <summary><c>scripts/cluster.sh kill N</c>: SIGKILLs node <paramref name="node"/>'s Erlang VM and returns once it is gone.</summary>
    public async Task KillNodeAsync(int node, CancellationToken ct)
    {
        lock (_killed)
        {
            _killed.Add(node);
        }

        await RunScriptCheckedAsync(["kill", CheckNode(node)], ct);
    }

    /// <summary><c>scripts/cluster.sh restart N</c>: starts node <paramref name="node"/> again and returns once it runs in the cluster.</summary>
    public async Task RestartNodeAsync(int node, CancellationToken ct)
    {
        await RunScriptCheckedAsync(["restart", CheckNode(node)], ct);
        lock (_killed)
        {
            _killed.Remove(node);
        }
    }

    /// <summary>
    /// Restarts every node <see cref="KillNodeAsync"/> killed and <see cref="RestartNodeAsync"/> did not bring back (a
    /// test that failed in between): for clean-up, which must reach every node. Does nothing when none is down.
    /// </summary>
    public async Task RestartKilledNodesAsync(CancellationToken ct)
    {
        int[] down;
        lock (_killed)
        {
            down = [.. _killed];
        }

        foreach (var node in down)
        {
            await RestartNodeAsync(node, ct);
        }
    }

    /// <summary>
    /// What the broker says about <paramref name="queue"/> (quorum queue or stream), asked through the first node of
    /// <paramref name="askVia"/> (1-based node numbers; default every node) that answers: its leader, members and the
    /// members online. Null when no node knows the queue.
    /// </summary>
    /// <exception cref="InvalidOperationException">No node answered rabbitmqctl.</exception>
    public async Task<QueueReplicas?> QueueReplicasAsync(string queue, CancellationToken ct, params int[] askVia)
    {
        var output = await CtlAnyAsync(["list_queues", "name", "type", "leader", "members", "online", "--formatter", "json"], askVia, ct);
        foreach (var row in RabbitCtlJson.ParseRows(output))
        {
            if (row.GetProperty("name").GetString() == queue)
            {
                return new QueueReplicas(
                    queue,
                    row.GetProperty("type").GetString() ?? "",
                    NodeNumber(row.GetProperty("leader").GetString() ?? ""),
                    [.. Strings(row, "members").Select(NodeNumber)],
                    [.. Strings(row, "online").Select(NodeNumber)]);
            }
        }

        return null;
    }

    /// <summary>
    /// The node that leads <paramref name="queue"/>, waiting (at most <paramref name="timeout"/>) until the broker
    /// names one that is not in <paramref name="notOn"/> (e.g. after the old leader's node was killed).
    /// </summary>
    /// <exception cref="TimeoutException">No such leader within <paramref name="timeout"/>.</exception>
    public async Task<int> WaitForLeaderAsync(string queue, TimeSpan timeout, CancellationToken ct, params int[] notOn)
    {
        var askVia = Enumerable.Range(1, 3).Except(notOn).ToArray();
        var deadline = DateTimeOffset.UtcNow + timeout;
        QueueReplicas? last = null;
        while (true)
        {
            try
            {
                last = await QueueReplicasAsync(queue, ct, askVia);
                if (last is not null && !notOn.Contains(last.Leader))
                {
                    return last.Leader;
                }
            }
            catch (InvalidOperationException) when (DateTimeOffset.UtcNow < deadline)
            {
                // A node that is still electing may refuse the listing; ask again.
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new TimeoutException($"The broker named no leader of {queue} outside node(s) {string.Join(", ", notOn)} within {timeout.TotalSeconds} s (last: {last?.ToString() ?? "queue unknown"}).");
            }

            // Leader elections have no event to wait on from outside the broker: poll, bounded by the deadline.
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
    }

    /// <summary>
    /// The client-provided name of the connection whose consumer is the single active consumer of
    /// <paramref name="queue"/> (the worker names its connection <c>statehouse-worker HOST PID</c>), or null when none is
    /// active. Asked through the first node of <paramref name="askVia"/> that answers (default every node).
    /// </summary>
    public async Task<string?> ActiveConsumerAsync(string queue, CancellationToken ct, params int[] askVia)
    {
        var consumers = RabbitCtlJson.ParseRows(await CtlAnyAsync(["list_consumers", "queue_name", "channel_pid", "active", "--formatter", "json"], askVia, ct));
        var channel = consumers
            .Where(c => c.GetProperty("queue_name").GetString() == queue && c.GetProperty("active").ValueKind == JsonValueKind.True)
            .Select(c => c.GetProperty("channel_pid").GetString())
            .FirstOrDefault();
        if (channel is null)
        {
            return null;
        }

        var channels = RabbitCtlJson.ParseRows(await CtlAnyAsync(["list_channels", "pid", "connection", "--formatter", "json"], askVia, ct));
        var connection = channels.Where(c => c.GetProperty("pid").GetString() == channel).Select(c => c.GetProperty("connection").GetString()).FirstOrDefault();
        if (connection is null)
        {
            return null;
        }

        var connections = RabbitCtlJson.ParseRows(await CtlAnyAsync(["list_connections", "pid", "client_properties", "--formatter", "json"], askVia, ct));
        var properties = connections.Where(c => c.GetProperty("pid").GetString() == connection).Select(c => c.GetProperty("client_properties")).FirstOrDefault();
        return properties.ValueKind == JsonValueKind.Undefined ? null : RabbitCtlJson.ConnectionName(properties);
    }

    /// <summary>
    /// For a failure message when a test's load stalls: every queue whose name starts with <paramref name="prefix"/>
    /// (type, leader, members online, messages ready and unacked, consumers) and every channel of the connections named
    /// <c>statehouse-worker …</c> (publisher confirms on, messages unconfirmed, deliveries unacked, consumers), as the
    /// first node that answers sees them. Never throws: what cannot be read is said in the text.
    /// </summary>
    public async Task<string> DescribeAsync(string prefix, CancellationToken ct)
    {
        var text = new System.Text.StringBuilder();
        try
        {
            foreach (var row in RabbitCtlJson.ParseRows(await CtlAnyAsync(
                ["list_queues", "name", "type", "leader", "online", "messages_ready", "messages_unacknowledged", "consumers", "--formatter", "json"], [], ct)))
            {
                if (row.GetProperty("name").GetString() is { } name && name.StartsWith(prefix, StringComparison.Ordinal))
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"queue {name} ({row.GetProperty("type")}): leader {row.GetProperty("leader")}, online [{string.Join(", ", Strings(row, "online"))}], " +
                        $"ready {row.GetProperty("messages_ready")}, unacked {row.GetProperty("messages_unacknowledged")}, consumers {row.GetProperty("consumers")}");
                }
            }

            var names = RabbitCtlJson.ParseRows(await CtlAnyAsync(["list_connections", "pid", "client_properties", "--formatter", "json"], [], ct))
                .ToDictionary(c => c.GetProperty("pid").GetString() ?? "", c => RabbitCtlJson.ConnectionName(c.GetProperty("client_properties")) ?? "?");
            foreach (var row in RabbitCtlJson.ParseRows(await CtlAnyAsync(
                ["list_channels", "connection", "number", "confirm", "messages_unconfirmed", "messages_unacknowledged", "consumer_count", "--formatter", "json"], [], ct)))
            {
                if (names.TryGetValue(row.GetProperty("connection").GetString() ?? "", out var connection) && connection.StartsWith("statehouse-worker", StringComparison.Ordinal))
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"channel {row.GetProperty("number")} of '{connection}': confirm {row.GetProperty("confirm")}, " +
                        $"unconfirmed {row.GetProperty("messages_unconfirmed")}, unacked {row.GetProperty("messages_unacknowledged")}, consumers {row.GetProperty("consumer_count")}");
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or JsonException or KeyNotFoundException)
        {
            text.AppendLine($"(the broker could not be described: {e.Message})");
        }

        return text.ToString();
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            try
            {
                await _connection.CloseAsync();
            }
            catch (AlreadyClosedException)
            {
                // Gone with the broker.
            }

            _connection.Dispose();
        }
    }

    /// <summary>The node names in the order of <paramref name="uris"/>, from <c>cluster.sh status</c> (which must say all three run in one cluster).</summary>
    private static async Task<IReadOnlyList<string>> ReadNodeNamesAsync(IReadOnlyList<Uri> uris, CancellationToken ct)
    {
        var (code, output) = await RunScriptAsync(["status"], ct);
        if (code != 0)
        {
            throw new InvalidOperationException($"`scripts/cluster.sh status` says the three nodes do not all run in one cluster:\n{output.Trim()}\n{NoClusterMessage}");
        }

        var byPort = new Dictionary<int, string>();
        foreach (Match line in StatusLine().Matches(output))
        {
            byPort[int.Parse(line.Groups["port"].Value, CultureInfo.InvariantCulture)] = line.Groups["node"].Value;
        }

        return [.. uris.Select(uri => byPort.TryGetValue(uri.Port, out var node)
            ? node
            : throw new InvalidOperationException($"`scripts/cluster.sh status` lists no node on port {uri.Port} of {EnvironmentVariable}:\n{output.Trim()}\n{NoClusterMessage}"))];
    }

    private static async Task<(int Code, string Output)> RunScriptAsync(IReadOnlyList<string> arguments, CancellationToken ct) =>
        await CommandLine.RunAsync(Script, arguments, s_scriptTimeout, ct);

    private static async Task RunScriptCheckedAsync(IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var (code, output) = await RunScriptAsync(arguments, ct);
        if (code != 0)
        {
            throw new InvalidOperationException($"scripts/cluster.sh {string.Join(' ', arguments)} failed (exit {code}):\n{output.Trim()}");
        }
    }

    private static string CheckNode(int node) =>
        node is >= 1 and <= 3 ? node.ToString(CultureInfo.InvariantCulture) : throw new ArgumentOutOfRangeException(nameof(node), node, "A node is 1, 2 or 3.");

    /// <summary>rabbitmqctl through the first of <paramref name="askVia"/> (default all nodes) that answers.</summary>
    private async Task<string> CtlAnyAsync(IReadOnlyList<string> arguments, int[] askVia, CancellationToken ct)
    {
        var failures = new List<string>();
        foreach (var node in askVia.Length > 0 ? askVia : [1, 2, 3])
        {
            try
            {
                return await LocalRabbitCtl.RunAsync(_nodes[node - 1], ["-q", "-t", "60", .. arguments], ct);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                failures.Add(e.Message);
            }
        }

        throw new InvalidOperationException($"No node answered rabbitmqctl {string.Join(' ', arguments)}: {string.Join(" | ", failures)}");
    }

    private static IEnumerable<string> Strings(JsonElement row, string property) =>
        row.TryGetProperty(property, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Select(e => e.GetString() ?? "")
            : [];

    [GeneratedRegex(@"^up:\s+(?<node>\S+@\S+)\s+amqp://\S*?:(?<port>\d+)/", RegexOptions.Multiline)]
    private static partial Regex StatusLine();
}
