namespace Statehouse.Testcontainers;

/// <summary>
/// Builds a <see cref="StatehouseContainer"/>: a RabbitMQ container and a Statehouse worker container on a network of
/// their own. Each <c>With…</c> returns a new builder, so a configured builder can be shared.
/// </summary>
/// <example>
/// <code>
/// await using var statehouse = new StatehouseBuilder().Build();
/// await statehouse.StartAsync();
/// await using var client = await StatehouseClient.ConnectAsync(statehouse.GetClientOptions());
/// </code>
/// </example>
public sealed class StatehouseBuilder
{
    private readonly string _rabbitMqImage;
    private readonly string _workerImage;
    private readonly IReadOnlyDictionary<string, string> _workerSettings;

    /// <summary>A builder with the images of <see cref="StatehouseImages"/> and the worker's default settings.</summary>
    public StatehouseBuilder()
        : this(StatehouseImages.RabbitMq, StatehouseImages.Worker, new Dictionary<string, string>())
    {
    }

    private StatehouseBuilder(string rabbitMqImage, string workerImage, IReadOnlyDictionary<string, string> workerSettings)
    {
        _rabbitMqImage = rabbitMqImage;
        _workerImage = workerImage;
        _workerSettings = workerSettings;
    }

    /// <summary>The RabbitMQ image (an image name with its tag, e.g. <c>rabbitmq:4.1-management</c>).</summary>
    /// <exception cref="ArgumentException"><paramref name="image"/> is empty.</exception>
    public StatehouseBuilder WithRabbitMqImage(string image)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        return new StatehouseBuilder(image, _workerImage, _workerSettings);
    }

    /// <summary>The worker image (an image name with its tag, e.g. <c>statehouse-worker:local</c>).</summary>
    /// <exception cref="ArgumentException"><paramref name="image"/> is empty.</exception>
    public StatehouseBuilder WithWorkerImage(string image)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        return new StatehouseBuilder(_rabbitMqImage, image, _workerSettings);
    }

    /// <summary>
    /// A worker setting by its configuration key (<c>Statehouse:Commit:MaxBatchCount</c>), passed to the worker as an
    /// environment variable (<c>Statehouse__Commit__MaxBatchCount</c>); a later call with the same key wins. The broker
    /// URI and the store path are the container's own and cannot be set here.
    /// </summary>
    /// <exception cref="ArgumentException">An empty key, or one of the keys the container sets itself.</exception>
    public StatehouseBuilder WithWorkerSetting(string key, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(value);
        var variable = key.Replace(":", "__", StringComparison.Ordinal);
        if (StatehouseContainer.OwnSettings.Contains(variable, StringComparer.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{key}' is set by the container itself.", nameof(key));
        }

        var settings = new Dictionary<string, string>(_workerSettings) { [variable] = value };
        return new StatehouseBuilder(_rabbitMqImage, _workerImage, settings);
    }

    /// <summary>The container pair, not started yet.</summary>
    public StatehouseContainer Build() => new(_rabbitMqImage, _workerImage, _workerSettings);
}
