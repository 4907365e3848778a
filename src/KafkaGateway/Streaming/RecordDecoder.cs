using System.Text;
using System.Text.Json;
using KafkaGateway.Schemas;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Streaming;

/// <summary>
/// Turns consumed bytes into <see cref="StreamRecord"/>s by the topic's format: Avro via the registry's codecs,
/// json, string or binary per <c>Gateway:TopicFormats</c>. A record that cannot be decoded becomes a
/// <see cref="RecordDecodeFailure"/>; it never ends a stream.
/// </summary>
public sealed class RecordDecoder(IServiceProvider services, IOptions<TopicFormatOptions> formats)
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Resolved on first Avro record: the registry is registered by its own feature, and may be absent.
    private readonly Lazy<AvroCodecCache?> _codecs = new(() =>
        services.GetService<ISchemaRegistry>() is null ? null : services.GetRequiredService<AvroCodecCache>());

    /// <summary>Decodes <paramref name="record"/>; exactly one of the results is non-null.</summary>
    public async ValueTask<(StreamRecord? Record, RecordDecodeFailure? Failure)> DecodeAsync(ConsumedRecord record, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, text) in record.HeaderTexts)
        {
            headers[name] = text;
        }

        if (record.Value is null)
        {
            return (Create(record, headers, null, null), null);
        }

        var value = record.Value;
        try
        {
            switch (formats.Value.For(record.Topic))
            {
                case TopicFormat.Json:
                    return (Create(record, headers, JsonSerializer.Deserialize<JsonElement>(value), null), null);
                case TopicFormat.String:
                    return (Create(record, headers, JsonSerializer.SerializeToElement(s_strictUtf8.GetString(value)), null), null);
                case TopicFormat.Binary:
                    return (Create(record, headers, JsonSerializer.SerializeToElement(value), null), null);
                default:
                    return await DecodeAvroAsync(record, headers, cancellationToken);
            }
        }
        catch (JsonException ex)
        {
            return (null, Failure(record, "invalid_json", $"The value is not valid JSON: {ex.Message}"));
        }
        catch (DecoderFallbackException)
        {
            return (null, Failure(record, "invalid_utf8", "The value of a string topic is not valid UTF-8."));
        }
    }

    private async ValueTask<(StreamRecord?, RecordDecodeFailure?)> DecodeAvroAsync(
        ConsumedRecord record, Dictionary<string, string> headers, CancellationToken cancellationToken)
    {
        var value = record.Value!;
        int? schemaId;
        Guid? schemaGuid = null;
        int bodyOffset;
        if (record.ValueSchemaIdHeader is { } idHeader
            && ConfluentWireFormat.TryReadSchemaIdHeader(idHeader, out var headerId, out var headerGuid))
        {
            // The header form of Confluent's 2.16 serializers: the id (or GUID) in a header, the bare Avro body as value.
            (schemaId, schemaGuid, bodyOffset) = (headerId, headerGuid, 0);
        }
        else if (ConfluentWireFormat.TryReadHeader(value, out var prefixId, out _))
        {
            (schemaId, bodyOffset) = (prefixId, ConfluentWireFormat.HeaderSize);
        }
        else
        {
            return (null, Failure(record, "not_avro",
                $"The value does not start with the Confluent wire-format header (magic byte 0 and a schema id), and the record has no {ConfluentWireFormat.ValueSchemaIdHeader} header."));
        }

        if (_codecs.Value is not { } codecs)
        {
            return (null, Failure(record, "schema_registry_not_configured", $"The value names schema {schemaId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? schemaGuid?.ToString()} but no schema registry is configured."));
        }

        AvroJsonCodec codec;
        try
        {
            if (schemaGuid is { } guid)
            {
                (codec, schemaId) = await codecs.GetByGuidAsync(guid, cancellationToken);
            }
            else
            {
                codec = await codecs.GetAsync(schemaId!.Value, cancellationToken);
            }
        }
        catch (SchemaRegistryUnavailableException ex)
        {
            return (null, Failure(record, Http.GatewayErrors.SchemaRegistryUnavailable.Code, ex.Message));
        }
        catch (SchemaRegistryException ex)
        {
            return (null, Failure(record, ex.ErrorCode == SchemaRegistryException.SchemaNotFound ? Http.GatewayErrors.SchemaNotFound.Code : Http.GatewayErrors.InvalidSchema.Code, ex.Message));
        }

        try
        {
            var json = new System.Buffers.ArrayBufferWriter<byte>(value.Length * 2);
            using (var writer = new Utf8JsonWriter(json))
            {
                codec.Decode(value.AsSpan(bodyOffset), writer);
            }

            return (Create(record, headers, JsonSerializer.Deserialize<JsonElement>(json.WrittenSpan), schemaId), null);
        }
        catch (AvroDecodeException ex)
        {
            return (null, Failure(record, "invalid_avro", ex.Message));
        }
    }

    private static StreamRecord Create(ConsumedRecord record, Dictionary<string, string> headers, JsonElement? value, int? schemaId) =>
        new(record.Topic, record.Partition, record.Offset, record.TimestampMs, record.KeyText, headers, value, schemaId);

    private static RecordDecodeFailure Failure(ConsumedRecord record, string reason, string detail) =>
        new(record.Partition, record.Offset, reason, detail, record.Value is null ? null : Convert.ToBase64String(record.Value));
}
