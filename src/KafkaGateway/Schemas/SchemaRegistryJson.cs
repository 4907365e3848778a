using System.Text.Json.Serialization;

namespace KafkaGateway.Schemas;

/// <summary>Bodies of Confluent's schema registry REST API, as far as the gateway uses them.</summary>
internal static class SchemaRegistryJson
{
    /// <summary>Body of <c>POST /subjects/{s}/versions</c> and <c>POST /subjects/{s}</c>.</summary>
    internal sealed record SchemaRequest(
        [property: JsonPropertyName("schema")] string Schema,
        [property: JsonPropertyName("schemaType")] string? SchemaType);

    /// <summary>Answer of <c>GET /schemas/ids/{id}</c>.</summary>
    internal sealed record SchemaByIdResponse(
        [property: JsonPropertyName("schema")] string? Schema,
        [property: JsonPropertyName("schemaType")] string? SchemaType,
        [property: JsonPropertyName("references")] List<SchemaReference>? References = null,
        [property: JsonPropertyName("guid")] string? Guid = null,
        [property: JsonPropertyName("id")] int? Id = null);

    /// <summary>Answer of <c>GET /subjects/{s}/versions/{v}</c> and <c>POST /subjects/{s}</c>.</summary>
    internal sealed record SubjectVersionResponse(
        [property: JsonPropertyName("subject")] string? Subject,
        [property: JsonPropertyName("version")] int Version,
        [property: JsonPropertyName("id")] int Id,
        [property: JsonPropertyName("schema")] string? Schema,
        [property: JsonPropertyName("schemaType")] string? SchemaType,
        [property: JsonPropertyName("references")] List<SchemaReference>? References = null,
        [property: JsonPropertyName("guid")] string? Guid = null);

    /// <summary>Answer of <c>POST /subjects/{s}/versions</c>.</summary>
    internal sealed record RegisterResponse([property: JsonPropertyName("id")] int Id);

    /// <summary>Confluent's error body.</summary>
    internal sealed record ErrorResponse(
        [property: JsonPropertyName("error_code")] int? ErrorCode,
        [property: JsonPropertyName("message")] string? Message);
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SchemaRegistryJson.SchemaRequest))]
[JsonSerializable(typeof(SchemaRegistryJson.SchemaByIdResponse))]
[JsonSerializable(typeof(SchemaRegistryJson.SubjectVersionResponse))]
[JsonSerializable(typeof(SchemaRegistryJson.RegisterResponse))]
[JsonSerializable(typeof(SchemaRegistryJson.ErrorResponse))]
internal sealed partial class SchemaRegistryJsonContext : JsonSerializerContext;
