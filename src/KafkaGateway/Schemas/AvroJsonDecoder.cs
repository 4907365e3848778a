using System.Buffers.Binary;
using System.Numerics;
using System.Text.Json;
using System.Text.Unicode;

namespace KafkaGateway.Schemas;

/// <summary>
/// Decodes Avro binary straight into a <see cref="Utf8JsonWriter"/> by walking the compiled schema tree.
/// Every length and count is checked against the remaining data before it is trusted.
/// </summary>
internal ref struct AvroJsonDecoder
{
    // Items that encode to zero bytes (null, empty records) cannot be bounded by the data length.
    private const long MaxZeroSizeItems = 1_000_000;

    private readonly ReadOnlySpan<byte> _data;
    private readonly Utf8JsonWriter _writer;
    private int _position;
    private int _depth;
    private long _zeroSizeItems;

    private AvroJsonDecoder(ReadOnlySpan<byte> data, Utf8JsonWriter writer)
    {
        _data = data;
        _writer = writer;
    }

    public static void Decode(AvroSchemaNode root, ReadOnlySpan<byte> data, Utf8JsonWriter writer)
    {
        var decoder = new AvroJsonDecoder(data, writer);
        decoder.Read(root);
        if (decoder._position != data.Length)
        {
            throw new AvroDecodeException(
                $"{data.Length - decoder._position} bytes left after the value; the data was probably written with another schema",
                decoder._position);
        }
    }

    private void Read(AvroSchemaNode node)
    {
        switch (node.Kind)
        {
            case AvroKind.Null:
                _writer.WriteNullValue();
                break;
            case AvroKind.Boolean:
            {
                var offset = _position;
                var value = ReadSpan(1)[0];
                if (value > 1)
                {
                    throw new AvroDecodeException($"boolean byte {value} is neither 0 nor 1", offset);
                }

                _writer.WriteBooleanValue(value == 1);
                break;
            }

            case AvroKind.Int:
                _writer.WriteNumberValue(ReadInt());
                break;
            case AvroKind.Long:
                _writer.WriteNumberValue(ReadLong());
                break;
            case AvroKind.Float:
                WriteFloatingPoint(BinaryPrimitives.ReadSingleLittleEndian(ReadSpan(4)));
                break;
            case AvroKind.Double:
                WriteFloatingPoint(BinaryPrimitives.ReadDoubleLittleEndian(ReadSpan(8)));
                break;
            case AvroKind.Bytes:
                WriteBinary(node, ReadSpan(ReadLength()));
                break;
            case AvroKind.Fixed:
                WriteBinary(node, ReadSpan(node.Size));
                break;
            case AvroKind.String:
                _writer.WriteStringValue(ReadUtf8());
                break;
            case AvroKind.Record:
                EnterContainer();
                _writer.WriteStartObject();
                foreach (var field in node.Fields)
                {
                    _writer.WritePropertyName(field.JsonName);
                    Read(field.Node);
                }

                _writer.WriteEndObject();
                _depth--;
                break;
            case AvroKind.Enum:
            {
                var offset = _position;
                var index = ReadInt();
                if ((uint)index >= (uint)node.Symbols.Length)
                {
                    throw new AvroDecodeException($"enum index {index} outside the {node.Symbols.Length} symbols of {node.TypeName}", offset);
                }

                _writer.WriteStringValue(node.EncodedSymbols[index]);
                break;
            }

            case AvroKind.Array:
                EnterContainer();
                _writer.WriteStartArray();
                ReadBlocks(node.Items!, isMap: false);
                _writer.WriteEndArray();
                _depth--;
                break;
            case AvroKind.Map:
                EnterContainer();
                _writer.WriteStartObject();
                ReadBlocks(node.Items!, isMap: true);
                _writer.WriteEndObject();
                _depth--;
                break;
            case AvroKind.Union:
            {
                var offset = _position;
                var index = ReadLong();
                if ((ulong)index >= (ulong)node.Branches.Length)
                {
                    throw new AvroDecodeException($"union branch {index} outside the {node.Branches.Length} branches", offset);
                }

                // Natural JSON: the branch value itself, not the Avro JSON {"type": value} wrapper.
                Read(node.Branches[index]);
                break;
            }

            default:
                throw new InvalidOperationException($"Unhandled Avro kind {node.Kind}.");
        }
    }

    private void ReadBlocks(AvroSchemaNode items, bool isMap)
    {
        var itemSize = items.MinEncodedSize + (isMap ? 1 : 0);
        while (true)
        {
            var offset = _position;
            var count = ReadLong();
            if (count == 0)
            {
                return;
            }

            if (count < 0)
            {
                // A negative count is followed by the block's byte size, which lets readers skip; we read every item.
                count = count == long.MinValue ? long.MaxValue : -count;
                ReadLong();
            }

            if (itemSize > 0)
            {
                if (count > (_data.Length - _position) / itemSize)
                {
                    throw new AvroDecodeException($"block of {count} items cannot fit in the remaining {_data.Length - _position} bytes", offset);
                }
            }
            else if ((_zeroSizeItems += count) > MaxZeroSizeItems)
            {
                throw new AvroDecodeException($"more than {MaxZeroSizeItems} zero-size items", offset);
            }

            for (var i = 0L; i < count; i++)
            {
                if (isMap)
                {
                    _writer.WritePropertyName(ReadUtf8());
                }

                Read(items);
            }
        }
    }

    private void WriteBinary(AvroSchemaNode node, ReadOnlySpan<byte> bytes)
    {
        switch (node.Logical)
        {
            case AvroLogicalKind.Decimal:
                _writer.WriteStringValue(DecimalText.Format(new BigInteger(bytes, isUnsigned: false, isBigEndian: true), node.Scale));
                break;
            case AvroLogicalKind.Uuid when bytes.Length == 16:
                _writer.WriteStringValue(new Guid(bytes, bigEndian: true).ToString("D"));
                break;
            default:
                _writer.WriteBase64StringValue(bytes);
                break;
        }
    }

    private void WriteFloatingPoint(double value)
    {
        if (double.IsFinite(value))
        {
            _writer.WriteNumberValue(value);
        }
        else
        {
            // JSON has no NaN or Infinity; the strings are what JavaScript and Jackson print for them.
            _writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }

    private void WriteFloatingPoint(float value)
    {
        if (float.IsFinite(value))
        {
            // The float overload prints the shortest text that round-trips the float (21.5, not 21.5000000001).
            _writer.WriteNumberValue(value);
        }
        else
        {
            WriteFloatingPoint((double)value);
        }
    }

    private void EnterContainer()
    {
        if (_depth >= AvroJsonCodec.MaxDepth)
        {
            throw new AvroDecodeException($"nesting deeper than {AvroJsonCodec.MaxDepth} levels", _position);
        }

        _depth++;
    }

    private ReadOnlySpan<byte> ReadUtf8()
    {
        var offset = _position;
        var bytes = ReadSpan(ReadLength());
        if (!Utf8.IsValid(bytes))
        {
            throw new AvroDecodeException("string is not valid UTF-8", offset);
        }

        return bytes;
    }

    private int ReadLength()
    {
        var offset = _position;
        var length = ReadLong();
        if (length < 0)
        {
            throw new AvroDecodeException($"negative length {length}", offset);
        }

        if (length > _data.Length - _position)
        {
            throw new AvroDecodeException($"length {length} exceeds the remaining {_data.Length - _position} bytes", offset);
        }

        return (int)length;
    }

    private ReadOnlySpan<byte> ReadSpan(int count)
    {
        if (count > _data.Length - _position)
        {
            throw new AvroDecodeException($"data ends early: {count} bytes needed, {_data.Length - _position} left", _position);
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    private int ReadInt()
    {
        var offset = _position;
        var value = ReadLong();
        if (value is < int.MinValue or > int.MaxValue)
        {
            throw new AvroDecodeException($"int value {value} outside int32", offset);
        }

        return (int)value;
    }

    private long ReadLong()
    {
        var offset = _position;
        ulong raw = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw new AvroDecodeException("data ends inside a varint", offset);
            }

            var b = _data[_position++];
            raw |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return (long)(raw >> 1) ^ -(long)(raw & 1);
            }
        }

        throw new AvroDecodeException("varint longer than 10 bytes", offset);
    }
}
