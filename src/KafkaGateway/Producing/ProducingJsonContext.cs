using System.Text.Json;
using System.Text.Json.Serialization;

namespace KafkaGateway.Producing;

/// <summary>
/// Source-generated writer of the produce answer, with MVC's JSON defaults (web: camelCase, nulls written), so the
/// bytes are those MVC's formatter wrote (ProducingJsonContextTests compares them).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(ProduceResponse))]
internal sealed partial class ProducingJsonContext : JsonSerializerContext;
