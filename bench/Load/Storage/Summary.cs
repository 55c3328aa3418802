using System.Globalization;

namespace Statehouse.Bench.Storage;

/// <summary>Median and spread of repeated measurements (nearest-rank percentiles: every figure is an observed value).</summary>
internal sealed record Summary(double Median, double Min, double Max, int Count)
{
    public static Summary Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("no measurements to summarize", nameof(values));
        }

        var sorted = values.Order().ToArray();
        return new Summary(Percentile(sorted, 50), sorted[0], sorted[^1], sorted.Length);
    }

    /// <summary>The nearest-rank percentile of ascending <paramref name="sorted"/> values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent)
    {
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    /// <summary><c>median (min–max)</c>, each figure written with <paramref name="format"/>.</summary>
    public string Format(string format)
    {
        string F(double value) => value.ToString(format, CultureInfo.InvariantCulture);
        return $"{F(Median)} ({F(Min)}–{F(Max)})";
    }
}
