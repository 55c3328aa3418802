using System.Diagnostics;
using System.Text;
using RabbitMQ.Client;

namespace Statehouse.Reliability.Tests.Infrastructure;

/// <summary>
/// A RabbitMQ node of its own (Debian's rabbitmq-server) for one test: its own node name, AMQP and distribution ports
/// on 127.0.0.1 only, and data and logs in a temporary directory that outlives a stop, so a restart is a real broker
/// restart with durable queues and persistent messages recovered from disk.
/// </summary>
internal sealed class LocalRabbitNode : IDedicatedBroker
{
    private static readonly TimeSpan s_bootTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan s_exitTimeout = TimeSpan.FromSeconds(90);

    private readonly string _directory;
    private readonly int _amqpPort;
    private readonly int _distPort;
    private readonly StringBuilder _output = new();
    private readonly Lock _outputLock = new();
    private Process? _server;

    private LocalRabbitNode()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        NodeName = $"rtest-{id}@localhost";
        _directory = Path.Combine(Path.GetTempPath(), "statehouse-rtest", id);
        (_amqpPort, _distPort) = (DedicatedBroker.FreePort(), DedicatedBroker.FreePort());
    }

    public string NodeName { get; }

    public Uri Uri => new($"amqp://guest:guest@127.0.0.1:{_amqpPort}/");

    public string Description => $"local node {NodeName} on 127.0.0.1:{_amqpPort}";

    public static async Task<LocalRabbitNode> StartNewAsync(CancellationToken ct)
    {
        var node = new LocalRabbitNode();
        Directory.CreateDirectory(Path.Combine(node._directory, "mnesia"));
        Directory.CreateDirectory(Path.Combine(node._directory, "log"));
        // An empty plugin list of its own: a system-wide one could open listeners beyond loopback.
        await File.WriteAllTextAsync(Path.Combine(node._directory, "enabled_plugins"), "[].\n", ct);
        try
        {
            await node.StartAsync(ct);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }

        return node;
    }

    public async Task StartAsync(CancellationToken ct)
    {
        if (_server is { HasExited: false })
        {
            throw new InvalidOperationException($"{Description} is already running.");
        }

        _server?.Dispose();
        var start = new ProcessStartInfo(Path.Combine(LocalRabbitCtl.BinDirectory, "rabbitmq-server"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["RABBITMQ_NODENAME"] = NodeName;
        start.Environment["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        start.Environment["RABBITMQ_NODE_PORT"] = _amqpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["RABBITMQ_DIST_PORT"] = _distPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["RABBITMQ_MNESIA_BASE"] = Path.Combine(_directory, "mnesia");
        start.Environment["RABBITMQ_LOG_BASE"] = Path.Combine(_directory, "log");
        start.Environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_directory, "enabled_plugins");
        start.Environment["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}";
        start.Environment["ERL_EPMD_ADDRESS"] = "127.0.0.1";

        var server = new Process { StartInfo = start };
        server.OutputDataReceived += (_, e) => Append(e.Data);
        server.ErrorDataReceived += (_, e) => Append(e.Data);
        server.Start();
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        _server = server;
        await WaitForAmqpAsync(server, ct);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        var server = _server ?? throw new InvalidOperationException($"{Description} was never started.");
        await CtlAsync(["stop"], ct);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(s_exitTimeout);
        await server.WaitForExitAsync(limit.Token);
    }

    public Task<string> CtlAsync(IReadOnlyList<string> arguments, CancellationToken ct) => LocalRabbitCtl.RunAsync(NodeName, arguments, ct);

    public async ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false } server)
        {
            try
            {
                await StopAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException)
            {
                // Only the node this class started (by its own process handle), never anything by name.
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
            }
        }

        _server?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temporary directory.
        }
    }

    /// <summary>What the node printed (its console log), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_outputLock)
            {
                return _output.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_outputLock)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// <summary>Returns once the node accepts an AMQP connection: its listeners start last, after queues are recovered.</summary>
    private async Task WaitForAmqpAsync(Process server, CancellationToken ct)
    {
        var factory = new ConnectionFactory { Uri = Uri, RequestedConnectionTimeout = TimeSpan.FromSeconds(5), AutomaticRecoveryEnabled = false };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (server.HasExited)
            {
                throw new InvalidOperationException($"{Description} exited during start (code {server.ExitCode}). Its output:\n{Output}");
            }

            try
            {
                await using var connection = await factory.CreateConnectionAsync(ct);
                await connection.CloseAsync(ct);
                return;
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException or TimeoutException)
            {
                if (deadline.Elapsed > s_bootTimeout)
                {
                    throw new TimeoutException($"{Description} did not accept AMQP within {s_bootTimeout.TotalSeconds} s. Its output:\n{Output}", e);
                }
            }

            // No event announces a node's listeners: poll, briefly.
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }
    }
}
