using System.Buffers;
using System.Text.Json;

namespace KafkaGateway.Schemas;

/// <summary>
/// One encoding pass of a JSON value against the compiled schema tree. Holds only per-call state (buffer, path,
/// errors), so a codec can run any number of these concurrently over the same immutable tree. One class in partial
/// files by concern: this file (state, entry points, dispatch by kind), <c>.Scalars</c> and <c>.Containers</c>
/// (per-type writers), <c>.Unions</c> (branch probing), <c>.Errors</c> (JSON paths and messages), <c>.Buffer</c>
/// (pooled buffer, varints). Partial files rather than separate types keep the hot path free of extra calls.
/// </summary>
internal sealed partial class AvroJsonEncoder
{
    // One encoder per thread is reused (records of a batch are encoded one after another); a nested use on the same
    // thread simply builds its own.
    [ThreadStatic]
    private static AvroJsonEncoder? t_cached;

    private static readonly List<AvroConversionError> s_noErrors = [];

    private List<AvroConversionError> _errors = s_noErrors;
    private string _rootPath = "$";
    private bool _defaultMode;
    private int _errorCount;
    private bool _capped;
    private bool _probe;
    private bool _failed;
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
}
