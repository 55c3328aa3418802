using Statehouse.Contracts;
using Statehouse.Worker.Hosting;
using Statehouse.Worker.Storage;

namespace Statehouse.Worker.Reads;

/// <summary>Serves read requests from storage snapshots; thread-safe (STUB: being implemented).</summary>
internal sealed class ReadService(StateStore store, ReadOptions options, WorkerHealth health)
{
    /// <summary>Decodes a request body and answers it; never throws (errors become error replies).</summary>
    public ReadReply Handle(ReadOnlyMemory<byte> body) => throw new NotImplementedException($"{store}{options}{health}{body.Length}");

    public ReadReply Handle(ReadRequest request) => throw new NotImplementedException(request.ToString());
}
