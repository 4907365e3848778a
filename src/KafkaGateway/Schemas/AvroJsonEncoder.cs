using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace KafkaGateway.Schemas;

/// <summary>
/// One encoding pass of a JSON value against the compiled schema tree. Holds only per-call state (buffer, path,
/// errors), so a codec can run any number of these concurrently over the same immutable tree.
/// </summary>
internal sealed class AvroJsonEncoder
{
    // One encoder per thread is reused (records of a batch are encoded one after another); a nested use on the same
    // thread simply builds its own.
    [ThreadStatic]
    private static AvroJsonEncoder? t_cached;

    private static readonly List<AvroConversionError> s_noErrors = [];

    private List<AvroConversionError> _errors = s_noErrors;
    private string _rootPath = "$";
    private bool _defaultMode;
    private byte[] _buffer = [];
    private int _length;
    private int _errorCount;
    private bool _capped;
    private bool _probe;
    private bool _failed;
    private PathSegment[] _path = new PathSegment[16];
    private int _pathLength;
    private int _depth;

    private static AvroJsonEncoder Rent(List<AvroConversionError> errors, string rootPath, bool defaultMode)
    {
        var encoder = t_cached ?? new AvroJsonEncoder();
        t_cached = null;
        encoder._errors = errors;
        encoder._rootPath = rootPath;
        encoder._defaultMode = defaultMode;
        encoder._buffer = ArrayPool<byte>.Shared.Rent(256);
        encoder._length = 0;
        encoder._errorCount = 0;
        encoder._capped = false;
        encoder._probe = false;
        encoder._failed = false;
        encoder._pathLength = 0;
        encoder._depth = 0;
        return encoder;
    }

    /// <summary>Stop walking: a probe already failed, or the error list is full.</summary>
    private bool ShouldStop => _probe ? _failed : _capped;

    public static bool Encode(
        AvroSchemaNode root, JsonElement value, IBufferWriter<byte> output, List<AvroConversionError> errors, string rootPath)
    {
        var encoder = Rent(errors, rootPath, defaultMode: false);
        try
        {
            encoder.Write(root, value);
            if (encoder._errorCount > 0 || encoder._capped)
            {
                return false;
            }

            // Copied only when valid, so the caller never sees half a record.
            output.Write(encoder._buffer.AsSpan(0, encoder._length));
            return true;
        }
        finally
        {
            encoder.Release();
        }
    }

    /// <summary>
    /// Encodes a schema default, which uses the Avro JSON encoding rather than natural JSON: bytes and fixed are
    /// ISO-8859-1 strings and a union default is always for the first branch.
    /// </summary>
    public static byte[]? EncodeDefault(AvroSchemaNode node, JsonElement value, List<AvroConversionError> errors)
    {
        var encoder = Rent(errors, "default", defaultMode: true);
        try
        {
            encoder.Write(node, value);
            return encoder._errorCount > 0 || encoder._capped ? null : encoder._buffer.AsSpan(0, encoder._length).ToArray();
        }
        finally
        {
            encoder.Release();
        }
    }

    private void Release()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _errors = s_noErrors;
        Array.Clear(_path, 0, _pathLength);
        t_cached = this;
    }

    private void Write(AvroSchemaNode node, JsonElement value)
    {
        switch (node.Kind)
        {
            case AvroKind.Null:
                if (value.ValueKind != JsonValueKind.Null)
                {
                    Mismatch(node, value);
                }

                break;
            case AvroKind.Boolean:
                if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    WriteByte(value.ValueKind == JsonValueKind.True ? (byte)1 : (byte)0);
                }
                else
                {
                    Mismatch(node, value);
                }

                break;
            case AvroKind.Int:
            case AvroKind.Long:
                WriteIntegral(node, value);
                break;
            case AvroKind.Float:
            case AvroKind.Double:
                WriteFloatingPoint(node, value);
                break;
            case AvroKind.Bytes:
            case AvroKind.Fixed:
                WriteBinary(node, value);
                break;
            case AvroKind.String:
                WriteString(node, value);
                break;
            case AvroKind.Record:
                WriteRecord(node, value);
                break;
            case AvroKind.Enum:
                WriteEnum(node, value);
                break;
            case AvroKind.Array:
                WriteArray(node, value);
                break;
            case AvroKind.Map:
                WriteMap(node, value);
                break;
            case AvroKind.Union:
                WriteUnion(node, value);
                break;
            default:
                throw new InvalidOperationException($"Unhandled Avro kind {node.Kind}.");
        }
    }

    private void WriteIntegral(AvroSchemaNode node, JsonElement value)
    {
        var isInt = node.Kind == AvroKind.Int;
        if (value.ValueKind == JsonValueKind.String && node.Logical != AvroLogicalKind.None)
        {
            WriteTemporalText(node, value);
            return;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            Mismatch(node, value);
            return;
        }

        var rangeName = isInt ? "out of int32 range" : "out of int64 range";
        if (!value.TryGetInt64(out var number))
        {
            // Not a plain int64 literal: 1.0 and 1e3 are integers and accepted; 1.5 and 1e30 are not.
            var status = DecimalText.TryParse(value.GetRawText(), out var unscaled, out var scale);
            if (status != DecimalTextStatus.Ok || scale < -20)
            {
                Mismatch(node, value, rangeName);
                return;
            }

            if (!DecimalText.TryRescale(unscaled, scale, 0, out var integer))
            {
                Mismatch(node, value, "not an integer");
                return;
            }

            if (integer < long.MinValue || integer > long.MaxValue)
            {
                Mismatch(node, value, rangeName);
                return;
            }

            number = (long)integer;
        }

        if (isInt && number is < int.MinValue or > int.MaxValue)
        {
            Mismatch(node, value, rangeName);
            return;
        }

        WriteVarLong(number);
    }

    private void WriteTemporalText(AvroSchemaNode node, JsonElement value)
    {
        var text = value.GetString()!;
        switch (node.Logical)
        {
            case AvroLogicalKind.Date:
                if (IsoTemporalText.TryParseDate(text, out var epochDay))
                {
                    WriteVarLong(epochDay);
                }
                else
                {
                    Mismatch(node, value);
                }

                return;
            case AvroLogicalKind.TimeMillis:
            case AvroLogicalKind.TimeMicros:
            {
                var unit = node.Logical == AvroLogicalKind.TimeMillis ? 1_000_000 : 1_000;
                if (!IsoTemporalText.TryParseTime(text, out var nanosOfDay))
                {
                    Mismatch(node, value);
                }
                else if (nanosOfDay % unit != 0)
                {
                    Mismatch(node, value, PrecisionReason(unit));
                }
                else
                {
                    WriteVarLong(nanosOfDay / unit);
                }

                return;
            }

            case AvroLogicalKind.TimestampMillis:
            case AvroLogicalKind.TimestampMicros:
            case AvroLogicalKind.TimestampNanos:
            case AvroLogicalKind.LocalTimestampMillis:
            case AvroLogicalKind.LocalTimestampMicros:
            case AvroLogicalKind.LocalTimestampNanos:
                WriteTimestampText(node, value, text);
                return;
            default:
                Mismatch(node, value);
                return;
        }
    }

    private void WriteTimestampText(AvroSchemaNode node, JsonElement value, string text)
    {
        var local = node.Logical is AvroLogicalKind.LocalTimestampMillis or AvroLogicalKind.LocalTimestampMicros
            or AvroLogicalKind.LocalTimestampNanos;
        var unit = node.Logical switch
        {
            AvroLogicalKind.TimestampMillis or AvroLogicalKind.LocalTimestampMillis => 1_000_000,
            AvroLogicalKind.TimestampMicros or AvroLogicalKind.LocalTimestampMicros => 1_000,
            _ => 1,
        };
        if (!IsoTemporalText.TryParseDateTime(text, out var epochSecond, out var nanos, out var hasOffset))
        {
            Mismatch(node, value);
            return;
        }

        if (local && hasOffset)
        {
            Mismatch(node, value, "a local timestamp takes no offset");
            return;
        }

        if (!local && !hasOffset)
        {
            // Without an offset the instant is ambiguous; guessing a zone would silently shift the data.
            Mismatch(node, value, "offset or Z required");
            return;
        }

        if (nanos % unit != 0)
        {
            Mismatch(node, value, PrecisionReason(unit));
            return;
        }

        var total = ((Int128)epochSecond * (1_000_000_000 / unit)) + (nanos / unit);
        if (total < long.MinValue || total > long.MaxValue)
        {
            Mismatch(node, value, "out of int64 range");
            return;
        }

        WriteVarLong((long)total);
    }

    private static string PrecisionReason(int unitNanos) => unitNanos switch
    {
        1_000_000 => "more precision than milliseconds",
        1_000 => "more precision than microseconds",
        _ => "more precision than the type holds",
    };

    private void WriteFloatingPoint(AvroSchemaNode node, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            Mismatch(node, value);
            return;
        }

        var isFloat = node.Kind == AvroKind.Float;
        if (!value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            Mismatch(node, value, isFloat ? "out of float range" : "out of double range");
            return;
        }

        if (isFloat)
        {
            var single = (float)number;
            if (!float.IsFinite(single))
            {
                Mismatch(node, value, "out of float range");
                return;
            }

            BinaryPrimitives.WriteSingleLittleEndian(GetSpan(4), single);
            _length += 4;
        }
        else
        {
            BinaryPrimitives.WriteDoubleLittleEndian(GetSpan(8), number);
            _length += 8;
        }
    }

    private void WriteBinary(AvroSchemaNode node, JsonElement value)
    {
        var isFixed = node.Kind == AvroKind.Fixed;
        if (node.IsDecimal && !(_defaultMode && value.ValueKind == JsonValueKind.String))
        {
            WriteDecimal(node, value);
            return;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Mismatch(node, value);
            return;
        }

        var text = value.GetString()!;
        if (node.Logical == AvroLogicalKind.Uuid && !_defaultMode)
        {
            if (!Guid.TryParseExact(text, "D", out var guid))
            {
                Mismatch(node, value, "not a valid UUID");
                return;
            }

            // RFC 4122 byte order, as Java's UUID conversion writes it.
            guid.TryWriteBytes(GetSpan(16), bigEndian: true, out _);
            _length += 16;
            return;
        }

        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(16, text.Length));
        try
        {
            int count;
            if (_defaultMode)
            {
                // Schema defaults for bytes/fixed are strings whose code points 0-255 are the bytes.
                count = text.Length;
                for (var i = 0; i < text.Length; i++)
                {
                    if (text[i] > 0xFF)
                    {
                        Mismatch(node, value, "default bytes must be code points 0-255");
                        return;
                    }

                    rented[i] = (byte)text[i];
                }
            }
            else if (!Convert.TryFromBase64String(text, rented, out count))
            {
                Mismatch(node, value, "not valid base64");
                return;
            }

            if (isFixed)
            {
                if (count != node.Size)
                {
                    Mismatch(node, value, $"{count} bytes, expected exactly {node.Size}");
                    return;
                }
            }
            else
            {
                WriteVarLong(count);
            }

            WriteRaw(rented.AsSpan(0, count));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void WriteDecimal(AvroSchemaNode node, JsonElement value)
    {
        string text;
        if (value.ValueKind == JsonValueKind.Number)
        {
            text = value.GetRawText();
        }
        else if (value.ValueKind == JsonValueKind.String)
        {
            text = value.GetString()!;
        }
        else
        {
            Mismatch(node, value);
            return;
        }

        var precisionReason = $"more than {node.Precision} significant digits";
        var status = DecimalText.TryParse(text, out var unscaled, out var scale);
        if (status == DecimalTextStatus.Invalid)
        {
            Mismatch(node, value, "not a decimal number");
            return;
        }

        // A huge upward rescale can only exceed the precision; refuse it before computing 10^n.
        if (status == DecimalTextStatus.OutOfRange || (!unscaled.IsZero && node.Scale - scale > node.Precision))
        {
            Mismatch(node, value, precisionReason);
            return;
        }

        if (!DecimalText.TryRescale(unscaled, scale, node.Scale, out var scaled))
        {
            Mismatch(node, value, $"more than {node.Scale} fractional digits");
            return;
        }

        if (DecimalText.CountDigits(scaled) > node.Precision)
        {
            Mismatch(node, value, precisionReason);
            return;
        }

        // Minimal two's-complement big-endian, as Java's BigInteger.toByteArray() produces.
        var byteCount = scaled.GetByteCount(isUnsigned: false);
        if (node.Kind == AvroKind.Fixed)
        {
            if (byteCount > node.Size)
            {
                Mismatch(node, value, $"does not fit in {node.Size} bytes");
                return;
            }

            var span = GetSpan(node.Size);
            span[..(node.Size - byteCount)].Fill(scaled.Sign < 0 ? (byte)0xFF : (byte)0);
            scaled.TryWriteBytes(span[(node.Size - byteCount)..node.Size], out _, isUnsigned: false, isBigEndian: true);
            _length += node.Size;
        }
        else
        {
            WriteVarLong(byteCount);
            scaled.TryWriteBytes(GetSpan(byteCount), out _, isUnsigned: false, isBigEndian: true);
            _length += byteCount;
        }
    }

    private void WriteString(AvroSchemaNode node, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            Mismatch(node, value);
            return;
        }

        if (node.Logical == AvroLogicalKind.Uuid && !Guid.TryParseExact(value.GetString(), "D", out _))
        {
            Mismatch(node, value, "not a valid UUID");
            return;
        }

        // Fast path: an unescaped JSON string is already the UTF-8 Avro wants, so copy it without a string.
        var raw = JsonMarshal.GetRawUtf8Value(value);
        if (raw.Length >= 2 && raw[0] == (byte)'"' && raw.IndexOf((byte)'\\') < 0)
        {
            var content = raw[1..^1];
            WriteVarLong(content.Length);
            WriteRaw(content);
            return;
        }

        WriteUtf8(value.GetString()!);
    }

    private void WriteUtf8(string text)
    {
        var byteCount = Encoding.UTF8.GetByteCount(text);
        WriteVarLong(byteCount);
        Encoding.UTF8.GetBytes(text, GetSpan(byteCount));
        _length += byteCount;
    }

    private void WriteRecord(AvroSchemaNode node, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            Mismatch(node, value);
            return;
        }

        if (!EnterContainer())
        {
            return;
        }

        var matched = 0;
        foreach (var field in node.Fields)
        {
            if (value.TryGetProperty(field.Utf8Name, out var fieldValue))
            {
                matched++;
                Push(new PathSegment(field.Name, -1));
                var errorsBefore = _errors.Count;
                Write(field.Node, fieldValue);
                if (field.LogicalTypeHint is { } hint && _errors.Count > errorsBefore)
                {
                    AddHint(errorsBefore, hint);
                }

                Pop();
            }
            else if (field.DefaultBytes is not null)
            {
                WriteRaw(field.DefaultBytes);
            }
            else if (_defaultMode && field.DefaultJson is { } defaultJson)
            {
                Push(new PathSegment(field.Name, -1));
                Write(field.Node, defaultJson);
                Pop();
            }
            else
            {
                Push(new PathSegment(field.Name, -1));
                Error(field.DefaultError is null
                    ? $"required field missing ({field.Node.Display})"
                    : $"required field missing ({field.Node.Display}); the schema default is unusable: {field.DefaultError}");
                Pop();
            }

            if (ShouldStop)
            {
                break;
            }
        }

        if (!ShouldStop && CountProperties(value) != matched)
        {
            ReportUnexpectedProperties(node, value);
        }

        _depth--;
    }

    private void ReportUnexpectedProperties(AvroSchemaNode node, JsonElement value)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            var known = Array.Exists(node.Fields, f => f.Name == property.Name);
            Push(new PathSegment(property.Name, -1));
            if (!known)
            {
                Error($"unknown field (schema {node.TypeName} has fields {string.Join(", ", node.Fields.Select(f => f.Name))})");
            }
            else if (!seen.Add(property.Name))
            {
                Error("duplicate field");
            }

            Pop();
            if (ShouldStop)
            {
                return;
            }
        }
    }

    private static int CountProperties(JsonElement value)
    {
        var count = 0;
        foreach (var _ in value.EnumerateObject())
        {
            count++;
        }

        return count;
    }

    private void WriteEnum(AvroSchemaNode node, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            Mismatch(node, value);
            return;
        }

        var symbol = value.GetString()!;
        var index = Array.IndexOf(node.Symbols, symbol);
        if (index < 0)
        {
            // Enum defaults are a reader-side (schema resolution) rule; a writer must not substitute them.
            Error($"unknown symbol {Quote(symbol)} for {node.Display} (allowed: {ListSymbols(node.Symbols)})");
            return;
        }

        WriteVarLong(index);
    }

    private static string ListSymbols(string[] symbols) =>
        symbols.Length <= 20 ? string.Join(", ", symbols) : string.Join(", ", symbols.Take(20)) + $", ... ({symbols.Length} in all)";

    private void WriteArray(AvroSchemaNode node, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            Mismatch(node, value);
            return;
        }

        if (!EnterContainer())
        {
            return;
        }

        var count = value.GetArrayLength();
        if (count > 0)
        {
            // One block holding every item, then the zero-count terminator.
            WriteVarLong(count);
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                Push(new PathSegment(null, index++));
                Write(node.Items!, item);
                Pop();
                if (ShouldStop)
                {
                    break;
                }
            }
        }

        WriteByte(0);
        _depth--;
    }

    private void WriteMap(AvroSchemaNode node, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            Mismatch(node, value);
            return;
        }

        if (!EnterContainer())
        {
            return;
        }

        var count = CountProperties(value);
        if (count > 0)
        {
            WriteVarLong(count);
            foreach (var property in value.EnumerateObject())
            {
                var key = property.Name;
                WriteUtf8(key);
                Push(new PathSegment(key, -1));
                Write(node.Items!, property.Value);
                Pop();
                if (ShouldStop)
                {
                    break;
                }
            }
        }

        WriteByte(0);
        _depth--;
    }

    private void WriteUnion(AvroSchemaNode node, JsonElement value)
    {
        if (_defaultMode)
        {
            WriteVarLong(0);
            Write(node.Branches[0], value);
            return;
        }

        var wrappedIndex = -1;
        var wrappedName = string.Empty;
        JsonElement wrappedValue = default;
        if (value.ValueKind == JsonValueKind.Object && TryGetSingleProperty(value, out var single)
            && node.BranchByName!.TryGetValue(single.Name, out var byName))
        {
            wrappedIndex = byName;
            wrappedName = single.Name;
            wrappedValue = single.Value;
            Push(new PathSegment(wrappedName, -1));
            var accepted = TryProbe(wrappedIndex, node.Branches[wrappedIndex], wrappedValue);
            Pop();
            if (accepted)
            {
                return;
            }
        }

        var candidates = node.CandidatesByJsonKind[(int)value.ValueKind];
        if (candidates.Length == 1 && wrappedIndex < 0)
        {
            // Only one branch can take this kind of JSON value: report its own, more precise errors.
            WriteVarLong(candidates[0]);
            Write(node.Branches[candidates[0]], value);
            return;
        }

        foreach (var candidate in candidates)
        {
            if (TryProbe(candidate, node.Branches[candidate], value))
            {
                return;
            }
        }

        if (wrappedIndex >= 0)
        {
            WriteVarLong(wrappedIndex);
            Push(new PathSegment(wrappedName, -1));
            Write(node.Branches[wrappedIndex], wrappedValue);
            Pop();
            return;
        }

        Mismatch(node, value);
    }

    private static bool TryGetSingleProperty(JsonElement value, out JsonProperty property)
    {
        property = default;
        var count = 0;
        foreach (var candidate in value.EnumerateObject())
        {
            if (++count > 1)
            {
                return false;
            }

            property = candidate;
        }

        return count == 1;
    }

    /// <summary>
    /// Encodes the value as the given branch without reporting errors; keeps the bytes when it fits and rolls the
    /// buffer back when it does not, so the winning branch is never encoded twice.
    /// </summary>
    private bool TryProbe(int branchIndex, AvroSchemaNode branch, JsonElement value)
    {
        var mark = _length;
        var savedProbe = _probe;
        var savedFailed = _failed;
        var savedDepth = _depth;
        var savedPath = _pathLength;
        _probe = true;
        _failed = false;
        WriteVarLong(branchIndex);
        Write(branch, value);
        var accepted = !_failed;
        _probe = savedProbe;
        _failed = savedFailed;
        _depth = savedDepth;
        _pathLength = savedPath;
        if (!accepted)
        {
            _length = mark;
        }

        return accepted;
    }

    private bool EnterContainer()
    {
        if (_depth >= AvroJsonCodec.MaxDepth)
        {
            Error($"nesting deeper than {AvroJsonCodec.MaxDepth} levels");
            return false;
        }

        _depth++;
        return true;
    }

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

    private Span<byte> GetSpan(int size)
    {
        if (_buffer.Length - _length < size)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + size));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        return _buffer.AsSpan(_length, size);
    }

    private void WriteByte(byte value)
    {
        GetSpan(1)[0] = value;
        _length++;
    }

    private void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>Avro int and long: zig-zag, then base-128 varint, low groups first.</summary>
    private void WriteVarLong(long value)
    {
        var span = GetSpan(10);
        var zigZag = (ulong)((value << 1) ^ (value >> 63));
        var i = 0;
        while (zigZag >= 0x80)
        {
            span[i++] = (byte)(zigZag | 0x80);
            zigZag >>= 7;
        }

        span[i++] = (byte)zigZag;
        _length += i;
    }

    private readonly record struct PathSegment(string? Name, int Index);
}
