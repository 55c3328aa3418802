using Statehouse.Contracts;

namespace Statehouse.Worker.Commit;

/// <summary>Why an envelope cannot be applied: the code to reply with and a message naming the offending field.</summary>
internal sealed record ValidationFailure(ErrorCode Code, string Message);
