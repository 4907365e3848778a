using System.Globalization;
using System.Net;
using System.Text;

namespace KafkaGateway.Bench.Reporting;

/// <summary>One line of a chart: a value (and optional min-max whisker) per category.</summary>
internal sealed record ChartSeries(string Name, IReadOnlyList<Spread> Points, bool Dashed = false);

/// <summary>
/// A small SVG line chart over categories (batch sizes, loads, subscriber counts), with min-max whiskers and an
/// optional logarithmic y axis. Enough for the benchmark's plots without a plotting package.
/// </summary>
internal static class SvgChart
{
    private static readonly string[] s_colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"];

    public static string Line(string title, string xLabel, string yLabel, IReadOnlyList<string> categories, IReadOnlyList<ChartSeries> series, bool logY = false)
    {
        const double Width = 720, Height = 420, Left = 90, Right = 200, Top = 40, Bottom = 60;
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        var values = series.SelectMany(s => s.Points).SelectMany(p => new[] { p.Min, p.Max, p.Median })
            .Where(v => !double.IsNaN(v) && (!logY || v > 0)).ToArray();
        var max = values.Length == 0 ? 1 : values.Max();
        var min = values.Length == 0 ? 0 : values.Min();
        double lo, hi;
        if (logY)
        {
            lo = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(min, 1e-9))));
            hi = Math.Pow(10, Math.Ceiling(Math.Log10(Math.Max(max, lo * 10))));
        }
        else
        {
            lo = 0;
            hi = NiceCeiling(max * 1.05);
        }

        double Y(double v) => logY
            ? Top + plotHeight - ((Math.Log10(Math.Max(v, lo)) - Math.Log10(lo)) / (Math.Log10(hi) - Math.Log10(lo)) * plotHeight)
            : Top + plotHeight - ((v - lo) / (hi - lo) * plotHeight);
        // Categories sit in the middle of equal slots, clear of the y axis.
        double X(int i) => Left + ((i + 0.5) * plotWidth / Math.Max(1, categories.Count));

        var svg = new StringBuilder();
        Append(svg, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">");
        Append(svg, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>");
        Append(svg, $"<text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Escape(title)}</text>");

        var ticks = logY
            ? Enumerable.Range(0, (int)Math.Round(Math.Log10(hi / lo)) + 1).Select(k => lo * Math.Pow(10, k)).ToArray()
            : Enumerable.Range(0, 6).Select(k => lo + ((hi - lo) * k / 5)).ToArray();
        foreach (var tick in ticks)
        {
            var y = Y(tick);
            Append(svg, $"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Left + plotWidth}\" y2=\"{y:F1}\" stroke=\"#ddd\"/>");
            Append(svg, $"<text x=\"{Left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{Escape(Short(tick))}</text>");
        }

        for (var i = 0; i < categories.Count; i++)
        {
            Append(svg, $"<text x=\"{X(i):F1}\" y=\"{Top + plotHeight + 18}\" text-anchor=\"middle\">{Escape(categories[i])}</text>");
        }

        Append(svg, $"<line x1=\"{Left}\" y1=\"{Top + plotHeight}\" x2=\"{Left + plotWidth}\" y2=\"{Top + plotHeight}\" stroke=\"black\"/>");
        Append(svg, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + plotHeight}\" stroke=\"black\"/>");
        Append(svg, $"<text x=\"{Left + (plotWidth / 2)}\" y=\"{Height - 18}\" text-anchor=\"middle\">{Escape(xLabel)}</text>");
        Append(svg, $"<text transform=\"translate(22 {Top + (plotHeight / 2)}) rotate(-90)\" text-anchor=\"middle\">{Escape(yLabel + (logY ? " (log scale)" : ""))}</text>");

        for (var s = 0; s < series.Count; s++)
        {
            var color = s_colors[s % s_colors.Length];
            var dash = series[s].Dashed ? " stroke-dasharray=\"6 4\"" : "";
            var points = series[s].Points;
            var path = new StringBuilder();
            for (var i = 0; i < points.Count && i < categories.Count; i++)
            {
                if (double.IsNaN(points[i].Median))
                {
                    continue;
                }

                path.Append(path.Length == 0 ? "M" : " L").Append(CultureInfo.InvariantCulture, $"{X(i):F1} {Y(points[i].Median):F1}");
                if (points[i].Max > points[i].Min)
                {
                    Append(svg, $"<line x1=\"{X(i):F1}\" y1=\"{Y(points[i].Min):F1}\" x2=\"{X(i):F1}\" y2=\"{Y(points[i].Max):F1}\" stroke=\"{color}\" stroke-width=\"1.5\"/>");
                    foreach (var v in new[] { points[i].Min, points[i].Max })
                    {
                        Append(svg, $"<line x1=\"{X(i) - 5:F1}\" y1=\"{Y(v):F1}\" x2=\"{X(i) + 5:F1}\" y2=\"{Y(v):F1}\" stroke=\"{color}\" stroke-width=\"1.5\"/>");
                    }
                }

                Append(svg, $"<circle cx=\"{X(i):F1}\" cy=\"{Y(points[i].Median):F1}\" r=\"3.5\" fill=\"{color}\"/>");
            }

            Append(svg, $"<path d=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>");
            var legendY = Top + 10 + (s * 20);
            Append(svg, $"<line x1=\"{Left + plotWidth + 15}\" y1=\"{legendY}\" x2=\"{Left + plotWidth + 40}\" y2=\"{legendY}\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>");
            Append(svg, $"<text x=\"{Left + plotWidth + 45}\" y=\"{legendY + 4}\">{Escape(series[s].Name)}</text>");
        }

        Append(svg, $"<text x=\"{Left}\" y=\"{Height - 4}\" font-size=\"10\" fill=\"#666\">{Escape("points: median of rounds; whiskers: min–max")}</text>");
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static void Append(StringBuilder svg, FormattableString line) => svg.AppendLine(line.ToString(CultureInfo.InvariantCulture));

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    private static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Short(double value) => value switch
    {
        >= 1_000_000 => (value / 1_000_000).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 1_000 => (value / 1_000).ToString("0.##", CultureInfo.InvariantCulture) + "k",
        >= 1 => value.ToString("0.##", CultureInfo.InvariantCulture),
        _ => value.ToString("0.###", CultureInfo.InvariantCulture),
    };
}
