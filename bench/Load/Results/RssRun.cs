using Statehouse.Bench.Load;

namespace Statehouse.Bench.Results;

/// <summary>
/// The memory check: the worker's resident set sampled every second while a counted commit run goes through it.
/// <see cref="Flat"/>: the last tenth of the run stays within 10 % (and 16 MB) of the second tenth, the first tenth
/// being start-up and warm-up.
/// </summary>
internal sealed record RssRun(
    DateTimeOffset StartedAt,
    MachineInfo Machine,
    LoadShape Shape,
    long Count,
    long Transactions,
    long Errors,
    double Seconds,
    double TxPerSecond,
    LatencySummary Latency,
    long StartRssBytes,
    long PeakRssBytes,
    long EndRssBytes,
    long EarlyRssBytes,
    long LateRssBytes,
    double SlopeBytesPer100kTx,
    long StoreBytes,
    bool Flat,
    IReadOnlyList<RssSample> Samples);

/// <summary>One sample: seconds since the load started, transactions completed by then, resident set.</summary>
internal sealed record RssSample(double Seconds, long Transactions, long RssBytes);
