using System.Globalization;
using System.Security;
using System.Text;
using Statehouse.Bench.Results;

namespace Statehouse.Bench.Report;

/// <summary>The chart of a run: throughput bars and p99 latency bars per mode, side by side, as a standalone SVG.</summary>
internal static class SvgChart
{
    private const int Width = 980;
    private const int PanelWidth = 470;
    private const int LabelWidth = 170;
    private const int BarArea = 220;
    private const int RowHeight = 30;
    private const int Top = 92;

    public static string Render(BenchRun run)
    {
        var modes = run.Modes;
        var height = Top + (modes.Count * RowHeight) + 46;
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"13\">\n"));
        svg.Append(Invariant($"<rect width=\"{Width}\" height=\"{height}\" fill=\"#ffffff\"/>\n"));
        svg.Append(Invariant($"<text x=\"20\" y=\"28\" font-size=\"17\" font-weight=\"bold\">Statehouse load benchmark — C={run.Shape.Clients}, I={run.Shape.InFlight}, O={run.Shape.Operations}, V={run.Shape.ValueBytes} B, {run.DurationSeconds:0} s per mode</text>\n"));
        svg.Append(Invariant($"<text x=\"20\" y=\"48\" fill=\"#555\">{Escape($"{run.Machine.Cores} cores, {run.Machine.CpuModel}; {run.StartedAt:yyyy-MM-dd HH:mm} UTC")}</text>\n"));

        Panel(svg, 0, "Throughput (committed tx/s, higher is better)", modes, m => m.TxPerSecond, Format.Rate);
        Panel(svg, PanelWidth + 20, "p99 latency (ms, lower is better)", modes, m => m.Latency.P99Ms, Format.Ms);

        svg.Append(Invariant($"<text x=\"20\" y=\"{height - 14}\" fill=\"#555\" font-size=\"12\">echo = broker ceiling (same queue, no storage); *-half = open loop at half the group-commit maximum, latency from the scheduled start.</text>\n"));
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Panel(StringBuilder svg, int x0, string title, IReadOnlyList<ModeResult> modes, Func<ModeResult, double> value, Func<double, string> label)
    {
        svg.Append(Invariant($"<text x=\"{x0 + 20}\" y=\"{Top - 12}\" font-weight=\"bold\">{Escape(title)}</text>\n"));
        var max = modes.Count == 0 ? 1 : Math.Max(modes.Max(value), 1e-9);
        for (var i = 0; i < modes.Count; i++)
        {
            var m = modes[i];
            var y = Top + (i * RowHeight);
            var length = Math.Max(1, value(m) / max * BarArea);
            svg.Append(Invariant($"<text x=\"{x0 + 20}\" y=\"{y + 19}\">{Escape(m.Mode)}</text>\n"));
            svg.Append(Invariant($"<rect x=\"{x0 + LabelWidth}\" y=\"{y + 5}\" width=\"{length:0.0}\" height=\"{RowHeight - 10}\" fill=\"{Colour(m.Mode)}\" rx=\"2\"/>\n"));
            svg.Append(Invariant($"<text x=\"{x0 + LabelWidth + length + 6:0.0}\" y=\"{y + 19}\">{Escape(label(value(m)))}</text>\n"));
        }

        svg.Append(Invariant($"<line x1=\"{x0 + LabelWidth}\" y1=\"{Top}\" x2=\"{x0 + LabelWidth}\" y2=\"{Top + (modes.Count * RowHeight)}\" stroke=\"#999\"/>\n"));
    }

    private static string Colour(string mode) => mode switch
    {
        ModeNames.Echo => "#7f8c9a",
        ModeNames.EchoHalf => "#b8c2cc",
        ModeNames.Commit => "#2e8b57",
        ModeNames.CommitHalf => "#8fd1a8",
        ModeNames.CommitBatch1 => "#e08e2b",
        ModeNames.Postgres => "#33658a",
        _ => "#999999",
    };

    private static string Escape(string text) => SecurityElement.Escape(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
