using System.Buffers;
using System.Text.Json;
using KafkaGateway.Schemas;

namespace KafkaGateway.Tests.Schemas;

internal static class AvroTestSupport
{
    public const string SensorSchema = """
        {"type":"record","name":"sensor","fields":[
          {"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},
          {"name":"id","type":"string"},
          {"name":"value","type":"double"}]}
        """;

    public static (byte[] Bytes, List<AvroConversionError> Errors, bool Ok) Encode(AvroJsonCodec codec, string json, string rootPath = "$")
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
        var output = new ArrayBufferWriter<byte>();
        var errors = new List<AvroConversionError>();
        var ok = codec.Encode(document.RootElement, output, errors, rootPath);
        return (output.WrittenSpan.ToArray(), errors, ok);
    }

    public static byte[] EncodeValid(AvroJsonCodec codec, string json)
    {
        var (bytes, errors, ok) = Encode(codec, json);
        Assert.True(ok, string.Join(Environment.NewLine, errors));
        return bytes;
    }

    public static string[] EncodeErrors(AvroJsonCodec codec, string json)
    {
        var (bytes, errors, ok) = Encode(codec, json);
        Assert.False(ok);
        Assert.Empty(bytes);
        return errors.Select(e => e.ToString()).ToArray();
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public static void AssertJsonEqual(string expectedJson, string actualJson)
    {
        using var expected = JsonDocument.Parse(expectedJson);
        using var actual = JsonDocument.Parse(actualJson);
        Assert.True(
            JsonElement.DeepEquals(expected.RootElement, actual.RootElement),
            $"expected {expectedJson}{Environment.NewLine}actual   {actualJson}");
    }
}
