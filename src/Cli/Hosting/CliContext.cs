using Statehouse.Cli.Broker;
using Statehouse.Cli.Output;
using Statehouse.Cli.Values;
using Statehouse.Client;
using Statehouse.Contracts;

namespace Statehouse.Cli.Hosting;

/// <summary>
/// What a command works with: the resolved settings, the output, and connections opened on first use (the Statehouse
/// client for requests to the worker, a plain AMQP connection for the follower and the dead-letter queue).
/// </summary>
internal sealed class CliContext : IAsyncDisposable
{
    private StatehouseClient? _client;
    private AmqpSession? _amqp;

    public CliContext(CliSettings settings, CliOutput output)
    {
        Settings = settings;
        Output = output;
        Names = new TopologyNames(settings.QueuePrefix);
    }

    public CliSettings Settings { get; }

    public CliOutput Output { get; }

    public TopologyNames Names { get; }

    public string Namespace => Settings.Namespace;

    /// <summary>
    /// The Statehouse client; each request waits up to <c>--timeout</c> (two attempts of half of it). Its record reads
    /// show at least the state after <paramref name="minCommitTs"/> (<c>--min-commit-ts</c>) when given.
    /// </summary>
    public async Task<StatehouseClient> ClientAsync(CancellationToken ct, long? minCommitTs = null)
    {
        var client = await ConnectAsync(ct).ConfigureAwait(false);
        client.ObserveCommitTs(minCommitTs ?? 0);
        return client;
    }

    private async Task<StatehouseClient> ConnectAsync(CancellationToken ct)
    {
        if (_client is not null)
        {
            return _client;
        }

        var attempt = Settings.Timeout / 2;
        var options = new StatehouseClientOptions
        {
            Uris = [.. Settings.Amqp],
            QueuePrefix = Settings.QueuePrefix,
            Namespace = Settings.Namespace,
            CommitTimeout = attempt,
            MaxCommitAttempts = 2,
            ReadTimeout = attempt,
            MaxReadAttempts = 2,
            ClientName = $"statehouse-cli@{Environment.MachineName}:{Environment.ProcessId}",
            ValueSerializerOptions = JsonValues.ReadOptions,
        };

        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            // The client names its own settings; the user wrote the CLI's options.
            var option = e.ParamName switch
            {
                nameof(options.Uri) or nameof(options.Uris) => "--amqp",
                nameof(options.QueuePrefix) => "--prefix",
                nameof(options.Namespace) => "--namespace",
                _ => "--timeout",
            };
            var problem = e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
            throw CliException.Usage(e.ParamName is { } name && problem.StartsWith(name + " ", StringComparison.Ordinal)
                ? option + problem[name.Length..]
                : problem);
        }

        using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        connectTimeout.CancelAfter(Settings.Timeout);
        try
        {
            _client = await StatehouseClient.ConnectAsync(options, connectTimeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw CliException.Unavailable($"Could not connect to the broker at {Settings.Endpoint} within {Seconds(Settings.Timeout)}.");
        }

        return _client;
    }

    /// <summary>A plain AMQP connection to the broker (for queues and exchanges the client library does not expose).</summary>
    public async Task<AmqpSession> AmqpAsync(CancellationToken ct) =>
        _amqp ??= await AmqpSession.OpenAsync(Settings, ct).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }

        if (_amqp is not null)
        {
            await _amqp.DisposeAsync().ConfigureAwait(false);
        }
    }

    public static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s";
}
