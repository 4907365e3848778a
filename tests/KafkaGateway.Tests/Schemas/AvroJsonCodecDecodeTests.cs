using System.Buffers;
using System.Text.Json;
using KafkaGateway.Schemas;
using static KafkaGateway.Tests.Schemas.AvroTestSupport;

namespace KafkaGateway.Tests.Schemas;

/// <summary>Decoding to natural JSON, corrupt-data handling and encode/decode round trips.</summary>
public sealed class AvroJsonCodecDecodeTests
{
    private static readonly AvroJsonCodec s_sensor = AvroJsonCodec.Create(SensorSchema);

    [Theory]
    [InlineData("\"null\"", "null")]
    [InlineData("\"boolean\"", "true")]
    [InlineData("\"int\"", "-2147483648")]
    [InlineData("\"long\"", "-9223372036854775808")]
    [InlineData("\"float\"", "-1.5")]
    [InlineData("\"double\"", "1.0E-300")]
    [InlineData("\"bytes\"", "\"AAEC/w==\"")]
    [InlineData("\"string\"", "\"h\\u00e9llo \\\"q\\\" \\ud83d\\ude00\"")]
    [InlineData("""{"type":"enum","name":"e","symbols":["A","B"]}""", "\"B\"")]
    [InlineData("""{"type":"fixed","name":"f","size":3}""", "\"AQID\"")]
    [InlineData("""{"type":"array","items":{"type":"map","values":["null","int"]}}""", """[{"a":1,"b":null},{}]""")]
    [InlineData("""{"type":"map","values":{"type":"array","items":"string"}}""", """{"x":[],"y":["a"]}""")]
    [InlineData("""["null","string",{"type":"array","items":"long"}]""", "[1,2]")]
    [InlineData("""{"type":"record","name":"t","fields":[{"name":"n","type":["null","t"]}]}""", """{"n":{"n":{"n":null}}}""")]
    [InlineData("""{"type":"int","logicalType":"date"}""", "20049")]
    [InlineData("""{"type":"int","logicalType":"time-millis"}""", "49500123")]
    [InlineData("""{"type":"long","logicalType":"time-micros"}""", "49500123456")]
    [InlineData("""{"type":"long","logicalType":"timestamp-micros"}""", "-1")]
    [InlineData("""{"type":"long","logicalType":"local-timestamp-millis"}""", "1732283100123")]
    [InlineData("""{"type":"bytes","logicalType":"decimal","precision":5,"scale":3}""", "\"-12.005\"")]
    [InlineData("""{"type":"bytes","logicalType":"decimal","precision":5,"scale":0}""", "\"12345\"")]
    [InlineData("""{"type":"fixed","name":"m","size":5,"logicalType":"decimal","precision":10,"scale":4}""", "\"0.0001\"")]
    [InlineData("""{"type":"string","logicalType":"uuid"}""", "\"6f1c8a2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b\"")]
    [InlineData("""{"type":"string","logicalType":"no-such-type"}""", "\"plain\"")]
    public void DecodeToJson_EncodedValue_RoundTripsToTheSameJson(string schema, string json)
    {
        // Arrange
        var codec = AvroJsonCodec.Create(schema);
        var bytes = EncodeValid(codec, json);

        // Act
        var decoded = codec.DecodeToJson(bytes);

        // Assert
        AssertJsonEqual(json, decoded);
    }

    [Fact]
    public void Decode_SensorBody_WritesFieldsInSchemaOrderToCallersWriter()
    {
        // Arrange
        var body = Convert.FromHexString("809eb4b5ea6406732d310000000000803540");
        var buffer = new ArrayBufferWriter<byte>();

        // Act
        using (var writer = new Utf8JsonWriter(buffer))
        {
            s_sensor.Decode(body, writer);
        }

        // Assert
        Assert.Equal("""{"timestamp":1732270000000,"id":"s-1","value":21.5}""", System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Theory]
    [InlineData("000000000000f87f", "\"NaN\"")]
    [InlineData("000000000000f07f", "\"Infinity\"")]
    [InlineData("000000000000f0ff", "\"-Infinity\"")]
    public void DecodeToJson_NonFiniteDouble_WritesString(string hex, string expected)
    {
        // Arrange
        var codec = AvroJsonCodec.Create("\"double\"");

        // Act
        var json = codec.DecodeToJson(Convert.FromHexString(hex));

        // Assert
        Assert.Equal(expected, json);
    }

    [Fact]
    public void DecodeToJson_NegativeBlockCountWithByteSize_ReadsItems()
    {
        // Arrange: one block of -2 items (so a byte size of 2 follows), items 1 and 2, then the end marker.
        var codec = AvroJsonCodec.Create("""{"type":"array","items":"int"}""");

        // Act
        var json = codec.DecodeToJson(Convert.FromHexString("0304020400"));

        // Assert
        Assert.Equal("[1,2]", json);
    }

    [Fact]
    public void DecodeToJson_SeveralBlocks_ConcatenatesThem()
    {
        // Arrange
        var codec = AvroJsonCodec.Create("""{"type":"map","values":"int"}""");

        // Act
        var json = codec.DecodeToJson(Convert.FromHexString("020261020202620400"));

        // Assert
        Assert.Equal("""{"a":1,"b":2}""", json);
    }

    [Theory]
    [InlineData("\"string\"", "", "data ends inside a varint")]
    [InlineData("\"string\"", "0661", "length 3 exceeds the remaining 1 bytes")]
    [InlineData("\"string\"", "01", "negative length -1")]
    [InlineData("\"string\"", "04c328", "string is not valid UTF-8")]
    [InlineData("\"double\"", "00000000", "data ends early: 8 bytes needed, 4 left")]
    [InlineData("\"long\"", "ffffffffffffffffffff01", "varint longer than 10 bytes")]
    [InlineData("\"int\"", "8080808020", "int value 4294967296 outside int32")]
    [InlineData("\"boolean\"", "02", "boolean byte 2 is neither 0 nor 1")]
    [InlineData("\"int\"", "0202", "1 bytes left after the value; the data was probably written with another schema")]
    [InlineData("""["null","int"]""", "04", "union branch 2 outside the 2 branches")]
    [InlineData("""{"type":"enum","name":"e","symbols":["A"]}""", "02", "enum index 1 outside the 1 symbols of e")]
    [InlineData("""{"type":"array","items":"long"}""", "feffffff0f", "block of 2147483647 items cannot fit in the remaining 0 bytes")]
    [InlineData("""{"type":"array","items":"null"}""", "feffffffffffffffff01", "more than 1000000 zero-size items")]
    public void DecodeToJson_CorruptData_ThrowsAvroDecodeExceptionWithReason(string schema, string hex, string reason)
    {
        // Arrange
        var codec = AvroJsonCodec.Create(schema);
        var data = Convert.FromHexString(hex);

        // Act
        var exception = Assert.Throws<AvroDecodeException>(() => codec.DecodeToJson(data));

        // Assert
        Assert.Equal(reason, exception.Reason);
        Assert.Contains(reason, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeToJson_TruncatedSensor_ThrowsWithOffset()
    {
        // Arrange
        var data = Convert.FromHexString("809eb4b5ea6406732d3100000000008035");

        // Act
        var exception = Assert.Throws<AvroDecodeException>(() => s_sensor.DecodeToJson(data));

        // Assert
        Assert.Equal(10, exception.Offset);
    }

    [Fact]
    public void DecodeToJson_NestingBeyondMaxDepth_Throws()
    {
        // Arrange: 65 nested records, each the non-null branch (02) of the union, ending with the null branch.
        var codec = AvroJsonCodec.Create("""{"type":"record","name":"t","fields":[{"name":"n","type":["null","t"]}]}""");
        var data = Enumerable.Repeat((byte)0x02, AvroJsonCodec.MaxDepth).Append((byte)0x00).ToArray();

        // Act
        var exception = Assert.Throws<AvroDecodeException>(() => codec.DecodeToJson(data));

        // Assert
        Assert.Equal("nesting deeper than 64 levels", exception.Reason);
    }

    [Fact]
    public void Create_DecimalScaleAbovePrecision_ThrowsSchemaError()
    {
        // Act
        var exception = Assert.ThrowsAny<Avro.AvroException>(
            () => AvroJsonCodec.Create("""{"type":"bytes","logicalType":"decimal","precision":2,"scale":3}"""));

        // Assert
        Assert.Contains("scale", exception.Message, StringComparison.Ordinal);
    }
}
