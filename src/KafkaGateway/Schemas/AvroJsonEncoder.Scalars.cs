using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace KafkaGateway.Schemas;

/// <summary>Per-type writers of scalar values: integers, temporal texts, floating point, bytes/fixed, decimal, string and enum.</summary>
internal sealed partial class AvroJsonEncoder
{
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
}
