using System.Buffers;
using System.Text.Json;
using KafkaGateway.Schemas;

namespace KafkaGateway.Tests.Schemas;

/// <summary>
/// Golden vectors from TestData/avro/vectors.json, whose bytes were produced by the Apache Avro Python library
/// (make-vectors.py), not by the code under test.
/// </summary>
public sealed class AvroGoldenVectorTests
{
    private static readonly Lazy<JsonDocument> s_vectors = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "avro", "vectors.json"))));

    public static TheoryData<string> CaseNames()
    {
        var names = new TheoryData<string>();
        foreach (var name in AllNames())
        {
            names.Add(name);
        }

        return names;
    }

    private static string[] AllNames() =>
        s_vectors.Value.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray();

    [Fact]
    public void Vectors_File_CoversEveryRequiredArea()
    {
        // Arrange
        var names = AllNames();

        // Assert
        Assert.True(names.Length >= 60, $"only {names.Length} cases");
        foreach (var area in new[] { "sensor", "int", "long", "float", "double", "bytes", "string", "nested", "array empty",
                     "map", "enum", "fixed", "union", "timestamp-millis", "date", "decimal", "uuid", "wire format" })
        {
            Assert.Contains(names, n => n.Contains(area, StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Encode_GoldenVector_ProducesExpectedBytes(string name)
    {
        // Arrange
        var vector = Find(name);
        var codec = AvroJsonCodec.Create(vector.GetProperty("schema").GetRawText());
        var output = new ArrayBufferWriter<byte>();
        var errors = new List<AvroConversionError>();
        if (vector.TryGetProperty("wireSchemaId", out var schemaId))
        {
            ConfluentWireFormat.WriteHeader(output, schemaId.GetInt32());
        }

        // Act
        var ok = codec.Encode(vector.GetProperty("input"), output, errors);

        // Assert
        Assert.True(ok, string.Join(Environment.NewLine, errors));
        Assert.Equal(vector.GetProperty("hex").GetString(), AvroTestSupport.Hex(output.WrittenSpan));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void DecodeToJson_GoldenVector_ProducesExpectedNaturalJson(string name)
    {
        // Arrange
        var vector = Find(name);
        var codec = AvroJsonCodec.Create(vector.GetProperty("schema").GetRawText());
        ReadOnlySpan<byte> body = Convert.FromHexString(vector.GetProperty("hex").GetString()!);
        if (vector.TryGetProperty("wireSchemaId", out var expectedId))
        {
            Assert.True(ConfluentWireFormat.TryReadHeader(body, out var schemaId, out body));
            Assert.Equal(expectedId.GetInt32(), schemaId);
        }

        var expected = vector.TryGetProperty("decoded", out var decoded) ? decoded : vector.GetProperty("input");

        // Act
        var json = codec.DecodeToJson(body);

        // Assert
        AvroTestSupport.AssertJsonEqual(expected.GetRawText(), json);
    }

    private static JsonElement Find(string name) =>
        s_vectors.Value.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
}
