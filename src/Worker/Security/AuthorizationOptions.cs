namespace Statehouse.Worker.Security;

/// <summary>
/// Optional per-namespace authorization by the AMQP <c>user_id</c> property, which RabbitMQ validates against the
/// connection's user, bound from <c>Statehouse:Authorization</c>. Configured as
/// <c>Statehouse:Authorization:Users:&lt;user&gt;:Write:0=&lt;namespace&gt;</c> (and <c>Read</c>); <c>*</c> grants every
/// namespace; Write implies Read. A refused request is answered UNAUTHORIZED.
/// </summary>
internal sealed class AuthorizationOptions
{
    /// <summary>When false (default) every message is accepted whatever its user_id.</summary>
    public bool Enabled { get; set; }

    /// <summary>Broker user name → the namespaces it may write and read.</summary>
    public Dictionary<string, NamespaceGrant> Users { get; set; } = new(StringComparer.Ordinal);
}
