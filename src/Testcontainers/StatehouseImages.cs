namespace Statehouse.Testcontainers;

/// <summary>
/// The images a <see cref="StatehouseBuilder"/> starts unless told otherwise: the official RabbitMQ image and the
/// worker image this repository builds, each overridden by an environment variable (the same settings as the compose
/// files), so a machine without a registry can point them at local images.
/// </summary>
public static class StatehouseImages
{
    /// <summary>Overrides <see cref="DefaultRabbitMq"/>.</summary>
    public const string RabbitMqVariable = "STATEHOUSE_RABBITMQ_IMAGE";

    /// <summary>Overrides <see cref="DefaultWorker"/>.</summary>
    public const string WorkerVariable = "STATEHOUSE_WORKER_IMAGE";

    /// <summary>The official RabbitMQ image, with the management plugin (RabbitMQ 4.1).</summary>
    public const string DefaultRabbitMq = "rabbitmq:4.1-management";

    /// <summary>The tag <c>docker compose build</c> gives the worker of this repository.</summary>
    public const string DefaultWorker = "statehouse-worker:local";

    /// <summary><see cref="RabbitMqVariable"/> when set and not blank, else <see cref="DefaultRabbitMq"/>.</summary>
    public static string RabbitMq => FromEnvironment(RabbitMqVariable, DefaultRabbitMq);

    /// <summary><see cref="WorkerVariable"/> when set and not blank, else <see cref="DefaultWorker"/>.</summary>
    public static string Worker => FromEnvironment(WorkerVariable, DefaultWorker);

    private static string FromEnvironment(string variable, string fallback) =>
        Environment.GetEnvironmentVariable(variable) is { } image && !string.IsNullOrWhiteSpace(image) ? image.Trim() : fallback;
}
