namespace Statehouse.Contracts;

/// <summary>
/// The broker's address as the worker (<c>Statehouse:Broker:Uri</c>), the client and the CLI (<c>--amqp</c>) take it:
/// one AMQP URI, or the URIs of the nodes of one RabbitMQ cluster separated by commas, e.g.
/// <c>amqp://u:p@10.0.0.1:5672/,amqp://u:p@10.0.0.2:5672/</c>. A connection is made to one of them; the nodes differ
/// only in host and port, so every URI must have the same scheme (<c>amqp</c> or <c>amqps</c>), user, password and
/// virtual host. The problems are reported as <see cref="FormatException"/>s whose message completes a sentence that
/// starts with the setting's name ("Statehouse:Broker:Uri " + message) and never shows a password of a valid URI.
/// </summary>
public static class BrokerUris
{
    /// <summary>
    /// The URIs of <paramref name="text"/>, split at commas and trimmed, in the order given, checked by <see cref="Check"/>.
    /// </summary>
    /// <exception cref="FormatException">An item is not an absolute amqp:// or amqps:// URI, or the items disagree.</exception>
    public static IReadOnlyList<Uri> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var uris = new List<Uri>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(item, UriKind.Absolute, out var uri) || !IsAmqp(uri))
            {
                throw new FormatException(
                    $"must be an absolute amqp:// or amqps:// URI, or several separated by commas (the nodes of one cluster); '{item}' is not one.");
            }

            uris.Add(uri);
        }

        Check(uris);
        return uris;
    }

    /// <summary>
    /// Checks that <paramref name="uris"/> is not empty, that each is an absolute amqp:// or amqps:// URI, and that all
    /// have the first one's scheme, user, password and virtual host.
    /// </summary>
    /// <exception cref="FormatException">Naming the first URI that breaks a rule (without its credentials).</exception>
    public static void Check(IReadOnlyList<Uri> uris)
    {
        ArgumentNullException.ThrowIfNull(uris);
        if (uris.Count == 0)
        {
            throw new FormatException("must name at least one amqp:// or amqps:// URI.");
        }

        foreach (var uri in uris)
        {
            if (uri is null || !IsAmqp(uri))
            {
                throw new FormatException($"must hold absolute amqp:// or amqps:// URIs only; '{uri?.OriginalString}' is not one.");
            }
        }

        var first = uris[0];
        for (var i = 1; i < uris.Count; i++)
        {
            var uri = uris[i];
            var difference =
                !string.Equals(uri.Scheme, first.Scheme, StringComparison.OrdinalIgnoreCase) ? "scheme" :
                !string.Equals(uri.UserInfo, first.UserInfo, StringComparison.Ordinal) ? "user or password" :
                !string.Equals(VirtualHost(uri), VirtualHost(first), StringComparison.Ordinal) ? "virtual host" :
                null;
            if (difference is not null)
            {
                throw new FormatException(
                    $"must name the nodes of one cluster, all with the same scheme, user, password and virtual host; " +
                    $"URI {i + 1}, '{Describe(uri)}', differs from the first, '{Describe(first)}', in its {difference}.");
            }
        }
    }

    /// <summary>The URI without user name and password, for messages and logs: <c>amqp://host:port/vhost</c>.</summary>
    public static string Describe(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri)
        {
            return "(invalid URI)";
        }

        var port = uri.Port > 0 ? uri.Port : string.Equals(uri.Scheme, "amqps", StringComparison.OrdinalIgnoreCase) ? 5671 : 5672;
        return $"{uri.Scheme}://{uri.Host}:{port}{uri.AbsolutePath}";
    }

    /// <summary>Every URI without credentials, separated by commas.</summary>
    public static string Describe(IEnumerable<Uri> uris) => string.Join(",", uris.Select(Describe));

    private static bool IsAmqp(Uri uri) => uri.IsAbsoluteUri && uri.Scheme is "amqp" or "amqps";

    /// <summary>The virtual host the RabbitMQ client takes from the path: none or <c>/</c> is the default <c>/</c>.</summary>
    private static string VirtualHost(Uri uri) =>
        uri.AbsolutePath is "" or "/" ? "/" : Uri.UnescapeDataString(uri.AbsolutePath[1..]);
}
