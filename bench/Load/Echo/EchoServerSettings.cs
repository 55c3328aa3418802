namespace Statehouse.Bench.Echo;

/// <summary>What the echo server consumes and how: the worker's prefetch and group limit, so that it sees the same flow.</summary>
internal sealed record EchoServerSettings(Uri Uri, string Prefix, int Prefetch, int MaxBatchCount, bool Announce);
