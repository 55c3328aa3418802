namespace Statehouse.Contracts;

/// <summary>Names of AMQP headers the worker sets.</summary>
public static class MessageHeaders
{
    /// <summary>On a dead-lettered message: why it can never be applied.</summary>
    public const string Error = "x-statehouse-error";

    /// <summary>On a dead-lettered message: the error code name (INVALID_REQUEST, ...).</summary>
    public const string ErrorCode = "x-statehouse-error-code";

    /// <summary>On a message: which contract it carries ("commit", "read", "commit-reply", "read-reply").</summary>
    public const string MessageType = "x-statehouse-type";
}
