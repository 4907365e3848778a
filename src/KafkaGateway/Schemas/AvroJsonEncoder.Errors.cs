using System.Globalization;
using System.Text;
using System.Text.Json;

namespace KafkaGateway.Schemas;

/// <summary>JSON-path bookkeeping and the error messages: every error names the path of the value it is about.</summary>
internal sealed partial class AvroJsonEncoder
{
    private PathSegment[] _path = new PathSegment[16];
    private int _pathLength;

    private void AddHint(int from, string hint)
    {
        for (var i = from; i < _errors.Count; i++)
        {
            _errors[i] = _errors[i] with { Message = $"{_errors[i].Message}; {hint}" };
        }
    }

    private void Mismatch(AvroSchemaNode node, JsonElement value, string? reason = null) =>
        Error(reason is null
            ? $"expected {Expectation(node)}, got {Describe(value)}"
            : $"expected {Expectation(node)}, got {Describe(value)} ({reason})");

    private void Error(string message)
    {
        if (_probe)
        {
            _failed = true;
            return;
        }

        if (_capped)
        {
            return;
        }

        if (_errorCount == AvroJsonCodec.MaxErrors)
        {
            _errors.Add(new AvroConversionError(_rootPath, $"... more errors; only the first {AvroJsonCodec.MaxErrors} are reported"));
            _capped = true;
            return;
        }

        _errors.Add(new AvroConversionError(FormatPath(), message));
        _errorCount++;
    }

    private static string Expectation(AvroSchemaNode node) => node.Logical switch
    {
        AvroLogicalKind.Date => "date (days since 1970-01-01 or \"yyyy-MM-dd\")",
        AvroLogicalKind.TimeMillis => "time-millis (milliseconds since midnight or \"HH:mm:ss.fff\")",
        AvroLogicalKind.TimeMicros => "time-micros (microseconds since midnight or \"HH:mm:ss.ffffff\")",
        AvroLogicalKind.TimestampMillis => "timestamp-millis (epoch milliseconds or ISO-8601 date-time with offset)",
        AvroLogicalKind.TimestampMicros => "timestamp-micros (epoch microseconds or ISO-8601 date-time with offset)",
        AvroLogicalKind.TimestampNanos => "timestamp-nanos (epoch nanoseconds or ISO-8601 date-time with offset)",
        AvroLogicalKind.LocalTimestampMillis => "local-timestamp-millis (milliseconds or ISO-8601 date-time without offset)",
        AvroLogicalKind.LocalTimestampMicros => "local-timestamp-micros (microseconds or ISO-8601 date-time without offset)",
        AvroLogicalKind.LocalTimestampNanos => "local-timestamp-nanos (nanoseconds or ISO-8601 date-time without offset)",
        AvroLogicalKind.Decimal => $"{node.Display} (number or numeric string)",
        AvroLogicalKind.Uuid => "uuid string",
        _ => node.Kind switch
        {
            AvroKind.Bytes => "bytes (base64 string)",
            AvroKind.Fixed => $"{node.Display} as base64 string",
            AvroKind.Record => $"{node.Display} (object)",
            AvroKind.Enum => $"{node.Display} symbol string",
            AvroKind.Array => "array",
            AvroKind.Map => "map (object)",
            _ => node.Display,
        },
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "string " + Truncate(value.GetRawText()),
        JsonValueKind.Number => "number " + Truncate(value.GetRawText()),
        JsonValueKind.True => "boolean true",
        JsonValueKind.False => "boolean false",
        JsonValueKind.Null => "null",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        _ => "nothing",
    };

    // Error messages echo client input; a bound keeps a hostile megabyte string out of every error.
    private static string Truncate(string text) => text.Length <= 48 ? text : string.Concat(text.AsSpan(0, 45), "...");

    private static string Quote(string text) => Truncate(JsonSerializer.Serialize(text));

    private string FormatPath()
    {
        var builder = new StringBuilder(_rootPath);
        for (var i = 0; i < _pathLength; i++)
        {
            var segment = _path[i];
            if (segment.Name is null)
            {
                builder.Append('[').Append(segment.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else if (IsPlainName(segment.Name))
            {
                builder.Append('.').Append(segment.Name);
            }
            else
            {
                builder.Append("['").Append(segment.Name.Replace("\\", "\\\\", StringComparison.Ordinal)
                    .Replace("'", "\\'", StringComparison.Ordinal)).Append("']");
            }
        }

        return builder.ToString();
    }

    private static bool IsPlainName(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-'))
            {
                return false;
            }
        }

        return true;
    }

    private void Push(PathSegment segment)
    {
        if (_pathLength == _path.Length)
        {
            Array.Resize(ref _path, _path.Length * 2);
        }

        _path[_pathLength++] = segment;
    }

    private void Pop() => _pathLength--;

    private readonly record struct PathSegment(string? Name, int Index);
}
