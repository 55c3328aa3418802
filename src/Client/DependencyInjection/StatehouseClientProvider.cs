namespace Statehouse.Client.DependencyInjection;

/// <summary>
/// Hands out one shared <see cref="StatehouseClient"/>, connecting on first use (a connection cannot be opened inside a
/// DI constructor without blocking). A failed connect is retried by the next call. Disposing the provider disposes the client.
/// </summary>
public sealed class StatehouseClientProvider : IAsyncDisposable, IDisposable
{
    private readonly StatehouseClientOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private StatehouseClient? _client;
    private bool _disposed;

    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public StatehouseClientProvider(StatehouseClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Clone();
    }

    /// <summary>The shared client, connected now if this is the first call.</summary>
    public async ValueTask<StatehouseClient> GetClientAsync(CancellationToken ct = default)
    {
        if (Volatile.Read(ref _client) is { } client)
        {
            return client;
        }

        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_client is null)
            {
                Volatile.Write(ref _client, await StatehouseClient.ConnectAsync(_options, ct).ConfigureAwait(false));
            }

            return _client!;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_client is { } client)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>For containers disposed synchronously; blocks until the connection is closed.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
