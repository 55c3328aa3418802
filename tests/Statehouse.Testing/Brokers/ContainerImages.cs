namespace Statehouse.Testing.Brokers;

/// <summary>
/// The images the tests start with Testcontainers. Settings, like the compose files': <c>STATEHOUSE_RABBITMQ_IMAGE</c>
/// overrides the official RabbitMQ image, so a machine without a registry can point it at the local stand-in that
/// <c>scripts/images.sh</c> builds (it prints the line to export).
/// </summary>
public static class ContainerImages
{
    public const string RabbitMqVariable = "STATEHOUSE_RABBITMQ_IMAGE";

    public const string DefaultRabbitMq = "rabbitmq:4.1-management";

    /// <summary>
    /// The label a run of scripts/test.sh puts on every container its tests start, with the value of
    /// <see cref="SessionVariable"/>: the script checks by it that the run left nothing behind.
    /// </summary>
    public const string SessionLabel = "org.statehouse.test-session";

    public const string SessionVariable = "STATEHOUSE_TEST_SESSION";

    /// <summary><see cref="SessionLabel"/> = <see cref="SessionVariable"/> when that is set, else no label.</summary>
    public static IReadOnlyDictionary<string, string> Labels =>
        Environment.GetEnvironmentVariable(SessionVariable) is { Length: > 0 } session
            ? new Dictionary<string, string> { [SessionLabel] = session }
            : new Dictionary<string, string>();

    /// <summary><c>STATEHOUSE_RABBITMQ_IMAGE</c> when set and not blank, else <see cref="DefaultRabbitMq"/>.</summary>
    public static string RabbitMq =>
        Environment.GetEnvironmentVariable(RabbitMqVariable) is { } image && !string.IsNullOrWhiteSpace(image)
            ? image.Trim()
            : DefaultRabbitMq;
}
