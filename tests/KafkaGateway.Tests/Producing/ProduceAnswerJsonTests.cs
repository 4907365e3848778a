using System.Buffers;
using System.Text;
using System.Text.Json;
using KafkaGateway.Http;
using KafkaGateway.Producing;

namespace KafkaGateway.Tests.Producing;

/// <summary>
/// The produce answer is written with a source-generated serializer (JsonAnswer) instead of MVC's JSON output
/// formatter: the bytes must be those MVC's formatter writes with its default JsonOptions.
/// </summary>
public sealed class ProduceAnswerJsonTests
{
    [Theory]
    [InlineData(7, 3)]
    [InlineData(null, null)]
    public void Write_ProduceResponse_SameBytesAsMvcJsonOptions(int? schemaId, int? schemaVersion)
    {
        // Arrange
        var response = new ProduceResponse("sensors", schemaId, schemaVersion,
            [new ProducedRecord(0, 41, 1732270000000), new ProducedRecord(3, long.MaxValue, -1)]);
        var mvc = new Microsoft.AspNetCore.Mvc.JsonOptions().JsonSerializerOptions;
        var output = new ArrayBufferWriter<byte>();

        // Act
        JsonAnswerWriter.Write(output, response, ProducingJsonContext.Default.ProduceResponse);
        JsonAnswerWriter.Write(output, response, ProducingJsonContext.Default.ProduceResponse);

        // Assert: twice in a row on one thread (the writer is reused), each time MVC's bytes.
        var expected = JsonSerializer.Serialize(response, mvc);
        Assert.Equal(expected + expected, Encoding.UTF8.GetString(output.WrittenSpan));
    }
}
