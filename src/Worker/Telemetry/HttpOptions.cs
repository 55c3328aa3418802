using System.ComponentModel.DataAnnotations;

namespace Statehouse.Worker.Telemetry;

/// <summary>
/// The HTTP endpoint for operators: <c>/metrics</c> (Prometheus text) and <c>/health</c> (JSON), bound from
/// <c>Statehouse:Http</c> (docs/configuration.md). Off by default, so that several workers on one machine (tests, a
/// standby) never fight over a port; without authentication, so loopback only unless <see cref="AllowNonLoopback"/>
/// says otherwise (else the worker stops at start, naming the key).
/// </summary>
internal sealed class HttpOptions
{
    public bool Enabled { get; set; }

    /// <summary>IP address to listen on.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 takes any free port (the worker logs the one it got).</summary>
    [Range(0, 65_535)]
    public int Port { get; set; } = 9464;

    /// <summary>Allows an <see cref="Address"/> other than loopback (e.g. 0.0.0.0 in a container).</summary>
    public bool AllowNonLoopback { get; set; }
}
