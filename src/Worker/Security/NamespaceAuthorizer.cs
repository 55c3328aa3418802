using Statehouse.Contracts;
using Statehouse.Worker.Commit;

namespace Statehouse.Worker.Security;

/// <summary>
/// Decides whether a broker user may write or read a namespace (see <see cref="AuthorizationOptions"/>).
/// The user is the message's AMQP user_id, which the broker has checked against the connection's user.
/// </summary>
internal sealed class NamespaceAuthorizer(AuthorizationOptions options)
{
    private const string AnyNamespace = "*";

    public bool Enabled => options.Enabled;

    /// <summary>Null when <paramref name="userId"/> may commit to <paramref name="ns"/>, else why not (UNAUTHORIZED).</summary>
    public ValidationFailure? CheckWrite(string? userId, string ns) => Check(userId, ns, write: true);

    /// <summary>Null when <paramref name="userId"/> may read <paramref name="ns"/>; null <paramref name="ns"/> = any read of worker state (health, stats).</summary>
    public ValidationFailure? CheckRead(string? userId, string? ns) => Check(userId, ns, write: false);

    private ValidationFailure? Check(string? userId, string? ns, bool write)
    {
        if (!options.Enabled)
        {
            return null;
        }

        if (string.IsNullOrEmpty(userId))
        {
            return Denied("the message has no user_id; authorization is enabled, so every request must carry the publishing user's name");
        }

        if (!options.Users.TryGetValue(userId, out var grant))
        {
            return Denied($"user '{userId}' has no access to any namespace");
        }

        if (ns is null)
        {
            return null;
        }

        var allowed = Grants(grant.Write, ns) || (!write && Grants(grant.Read, ns));
        return allowed ? null : Denied($"user '{userId}' may not {(write ? "write" : "read")} namespace '{ns}'");
    }

    private static bool Grants(List<string> namespaces, string ns) =>
        namespaces.Exists(n => n == AnyNamespace || string.Equals(n, ns, StringComparison.Ordinal));

    private static ValidationFailure Denied(string message) => new(ErrorCode.Unauthorized, message);
}
