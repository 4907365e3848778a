using System.Runtime.InteropServices;
using System.Text.Json;

namespace KafkaGateway.Producing;

/// <summary>
/// Finds JSON strings and member names that are not valid Unicode: invalid UTF-8 bytes (System.Text.Json parses them
/// without complaint and the Avro encoder would copy them into Kafka) and <c>\u</c> escapes that leave a surrogate
/// unpaired (no UTF-8 encoding exists for them). Works on the raw bytes, so valid text costs no string allocation.
/// </summary>
internal static class UnicodeCheck
{
    // The path stack, reused by the records a thread reads one after another.
    [ThreadStatic]
    private static List<Segment>? t_segments;

    /// <summary>Adds an error for every invalid string or member name inside <paramref name="element"/>; true when there was one.</summary>
    public static bool Walk(JsonElement element, int? index, string path, List<ProduceError> errors)
    {
        // Every string and member name lies verbatim within the element's raw bytes: when those are valid UTF-8 and
        // hold no \u escape (the only way to spell a lone surrogate), every text inside is valid. One vectorised pass
        // instead of the walk (which visited every value of every record: ~4 % of the 100-record produce profile).
        if (element.ValueKind == JsonValueKind.Undefined)
        {
            return false;
        }

        var raw = JsonMarshal.GetRawUtf8Value(element);
        if (raw.IndexOf("\\u"u8) < 0 && System.Text.Unicode.Utf8.IsValid(raw))
        {
            return false;
        }

        // Paths are built only for problems.
        var before = errors.Count;
        var segments = t_segments ??= new List<Segment>(16);
        segments.Clear();
        Walk(element, index, path, segments, errors);
        return errors.Count > before;
    }

    /// <summary>Whether the JSON string <paramref name="element"/> is valid Unicode.</summary>
    public static bool IsValid(JsonElement element) =>
        element.ValueKind != JsonValueKind.String || IsValidToken(JsonMarshal.GetRawUtf8Value(element));

    /// <summary>Whether the member name of <paramref name="property"/> is valid Unicode.</summary>
    public static bool IsValidName(JsonProperty property) => IsValidToken(JsonMarshal.GetRawUtf8PropertyName(property));

    private static void Walk(JsonElement element, int? index, string root, List<Segment> segments, List<ProduceError> errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                if (!IsValid(element))
                {
                    errors.Add(new ProduceError(index, Path(root, segments), Problem(JsonMarshal.GetRawUtf8Value(element))));
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    segments.Add(new Segment(property, 0));
                    if (!IsValidName(property))
                    {
                        errors.Add(new ProduceError(index, Path(root, segments), "member name: " + Problem(JsonMarshal.GetRawUtf8PropertyName(property))));
                    }

                    Walk(property.Value, index, root, segments, errors);
                    segments.RemoveAt(segments.Count - 1);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    segments.Add(new Segment(null, i++));
                    Walk(item, index, root, segments, errors);
                    segments.RemoveAt(segments.Count - 1);
                }

                break;
            default:
                break;
        }
    }

    private static string Path(string root, List<Segment> segments) =>
        root + string.Concat(segments.Select(s => s.Property is { } p ? (IsValidName(p) ? "." + p.Name : ".<invalid name>") : $"[{s.Index}]"));

    /// <summary>One step of the path to the current value: a member, or an array index.</summary>
    private readonly record struct Segment(JsonProperty? Property, int Index);

    private static string Problem(ReadOnlySpan<byte> raw) =>
        System.Text.Unicode.Utf8.IsValid(raw)
            ? "not valid Unicode: a \\u escape leaves a surrogate unpaired (UTF-16 surrogates must come as high + low pairs)"
            : "not valid UTF-8 (the bytes sent are no Unicode text)";

    /// <summary>Raw token bytes (quoted string value or unquoted member name, still escaped).</summary>
    private static bool IsValidToken(ReadOnlySpan<byte> raw)
    {
        if (raw.Length >= 2 && raw[0] == (byte)'"')
        {
            raw = raw[1..^1];
        }

        if (!System.Text.Unicode.Utf8.IsValid(raw))
        {
            return false;
        }

        var escape = raw.IndexOf((byte)'\\');
        if (escape < 0)
        {
            return true;
        }

        // The parser checked the escape syntax; only surrogate pairing is left to check.
        var i = escape;
        while (i < raw.Length)
        {
            if (raw[i] != (byte)'\\')
            {
                i++;
                continue;
            }

            if (raw[i + 1] != (byte)'u')
            {
                i += 2;
                continue;
            }

            var unit = Hex4(raw.Slice(i + 2, 4));
            i += 6;
            if (char.IsLowSurrogate((char)unit))
            {
                return false;
            }

            if (char.IsHighSurrogate((char)unit))
            {
                if (i + 6 > raw.Length || raw[i] != (byte)'\\' || raw[i + 1] != (byte)'u' || !char.IsLowSurrogate((char)Hex4(raw.Slice(i + 2, 4))))
                {
                    return false;
                }

                i += 6;
            }
        }

        return true;
    }

    private static int Hex4(ReadOnlySpan<byte> hex)
    {
        var value = 0;
        foreach (var b in hex)
        {
            value = (value << 4) | (b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10);
        }

        return value;
    }
}
