using System.Text;
using System.Text.RegularExpressions;

namespace KafkaGateway.IntegrationTests.Deployment;

/// <summary>One <c>curl</c> call found in a README code block: its HTTP method and the URL path it requests.</summary>
internal sealed record CurlExample(string Method, string Path, string Line);

/// <summary>Extracts the curl calls of README.md's fenced code blocks, including ones inside <c>$( ... )</c>.</summary>
internal static partial class ReadmeCurlExamples
{
    private static readonly string[] s_bodyOptions = ["-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--json", "-F", "--form"];

    // Options whose value is the next token (so it is not mistaken for the URL).
    private static readonly string[] s_optionsWithValue =
    [
        "-X", "--request", "-H", "--header", "-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--json",
        "-F", "--form", "-o", "--output", "-u", "--user", "--cacert", "--cert", "--key", "--cert-type", "--key-type",
        "-w", "--write-out", "-T", "--upload-file", "-m", "--max-time", "--connect-timeout", "-A", "--user-agent", "-e", "--referer",
        "--resolve", "--pass", "-b", "--cookie", "-c", "--cookie-jar", "--retry", "--proxy", "-x",
    ];

    public static IReadOnlyList<CurlExample> Parse(string markdown)
    {
        var examples = new List<CurlExample>();
        foreach (var line in CodeBlockLines(markdown))
        {
            foreach (Match call in CurlCall().Matches(line))
            {
                if (Parse(call.Groups["args"].Value, line) is { } example)
                {
                    examples.Add(example);
                }
            }
        }

        return examples;
    }

    private static CurlExample? Parse(string arguments, string line)
    {
        var tokens = Tokenize(arguments);
        string? method = null;
        string? url = null;
        var hasBody = false;
        var upload = false;
        var head = false;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token is "-X" or "--request" && i + 1 < tokens.Count)
            {
                method = tokens[i + 1].ToUpperInvariant();
            }
            else if (token.StartsWith("-X", StringComparison.Ordinal) && token.Length > 2)
            {
                method = token[2..].ToUpperInvariant();
            }

            hasBody |= s_bodyOptions.Contains(token, StringComparer.Ordinal);
            upload |= token is "-T" or "--upload-file";
            head |= token is "-I" or "--head";
            if (s_optionsWithValue.Contains(token, StringComparer.Ordinal))
            {
                i++;
                continue;
            }

            if (url is null && Regex.IsMatch(token, "^https?://", RegexOptions.IgnoreCase))
            {
                url = token;
            }
        }

        if (url is null)
        {
            return null;
        }

        method ??= head ? "HEAD" : upload ? "PUT" : hasBody ? "POST" : "GET";
        // Shell variables in the URL ($TOPIC) stand for one path segment.
        var uri = new Uri(Regex.Replace(url, @"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?", "x"));
        return new CurlExample(method, Uri.UnescapeDataString(uri.AbsolutePath), line.Trim());
    }

    /// <summary>The lines of the fenced code blocks, backslash continuations joined into one line.</summary>
    public static IEnumerable<string> CodeBlockLines(string markdown)
    {
        var inBlock = false;
        var pending = new StringBuilder();
        foreach (var raw in markdown.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inBlock = !inBlock;
                continue;
            }

            if (!inBlock)
            {
                continue;
            }

            // Join backslash continuations into one logical command line.
            if (line.EndsWith('\\'))
            {
                pending.Append(line[..^1]).Append(' ');
                continue;
            }

            pending.Append(line);
            yield return pending.ToString();
            pending.Clear();
        }
    }

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        char? quote = null;
        var inToken = false;
        foreach (var c in text)
        {
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inToken = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inToken)
                {
                    tokens.Add(current.ToString());
                    current.Clear();
                    inToken = false;
                }
            }
            else
            {
                current.Append(c);
                inToken = true;
            }
        }

        if (inToken)
        {
            tokens.Add(current.ToString());
        }

        return tokens;
    }

    // "curl" as a command word, then its arguments up to the end of the command (pipe, ), ;, &&, ||), quotes respected.
    [GeneratedRegex("""(?:^|[\s;|&(`])curl\s+(?<args>(?:'[^']*'|"[^"]*"|[^'"|;&)`])*)""")]
    private static partial Regex CurlCall();
}
