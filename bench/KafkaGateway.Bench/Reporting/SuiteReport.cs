using System.Globalization;
using System.Text;

namespace KafkaGateway.Bench.Reporting;

/// <summary>What a suite hands back: its markdown section, its target checks and its plots (file name to SVG).</summary>
internal sealed class SuiteReport(string name)
{
    public string Name { get; } = name;

    public StringBuilder Markdown { get; } = new();

    public List<string> Checks { get; } = [];

    public Dictionary<string, string> Plots { get; } = new(StringComparer.Ordinal);

    public void Line(FormattableString text) => Markdown.AppendLine(text.ToString(CultureInfo.InvariantCulture));

    public void Line(string text = "") => Markdown.AppendLine(text);

    /// <summary>Records a target as a PASS/MISS line, printed at once and kept for results.md.</summary>
    public void Check(bool pass, FormattableString description)
    {
        var line = (pass ? "PASS " : "MISS ") + description.ToString(CultureInfo.InvariantCulture);
        Console.WriteLine(line);
        Checks.Add(line);
    }
}
