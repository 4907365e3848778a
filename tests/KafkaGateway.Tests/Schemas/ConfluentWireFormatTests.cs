using System.Buffers;
using KafkaGateway.Schemas;

namespace KafkaGateway.Tests.Schemas;

public sealed class ConfluentWireFormatTests
{
    [Fact]
    public void WriteHeader_SchemaId42_WritesMagicByteAndBigEndianId()
    {
        // Arrange
        var output = new ArrayBufferWriter<byte>();

        // Act
        ConfluentWireFormat.WriteHeader(output, 42);

        // Assert
        Assert.Equal(new byte[] { 0x00, 0x00, 0x00, 0x00, 0x2A }, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Frame_LargeSchemaId_PrefixesHeaderToBody()
    {
        // Arrange
        byte[] body = [0x06, 0x73, 0x2D, 0x31];

        // Act
        var message = ConfluentWireFormat.Frame(0x01020304, body);

        // Assert
        Assert.Equal("000102030406732d31", AvroTestSupport.Hex(message));
    }

    [Fact]
    public void Frame_NegativeSchemaId_Throws()
    {
        // Act & Assert
        Assert.Throws<ArgumentOutOfRangeException>(() => ConfluentWireFormat.Frame(-1, []));
    }

    [Fact]
    public void TryReadHeader_ValidMessage_ReturnsIdAndBody()
    {
        // Arrange
        byte[] message = [0x00, 0x00, 0x00, 0x00, 0x2A, 0x02, 0x04];

        // Act
        var ok = ConfluentWireFormat.TryReadHeader(message, out var schemaId, out var body);

        // Assert
        Assert.True(ok);
        Assert.Equal(42, schemaId);
        Assert.Equal(new byte[] { 0x02, 0x04 }, body.ToArray());
    }

    [Fact]
    public void TryReadHeader_HeaderOnly_ReturnsEmptyBody()
    {
        // Arrange
        byte[] message = [0x00, 0x00, 0x00, 0x01, 0x00];

        // Act
        var ok = ConfluentWireFormat.TryReadHeader(message, out var schemaId, out var body);

        // Assert
        Assert.True(ok);
        Assert.Equal(256, schemaId);
        Assert.True(body.IsEmpty);
    }

    [Theory]
    [InlineData("")]
    [InlineData("00")]
    [InlineData("00000000")]
    public void TryReadHeader_ShorterThanHeader_ReturnsFalse(string hex)
    {
        // Arrange
        var message = Convert.FromHexString(hex);

        // Act
        var ok = ConfluentWireFormat.TryReadHeader(message, out var schemaId, out var body);

        // Assert
        Assert.False(ok);
        Assert.Equal(0, schemaId);
        Assert.True(body.IsEmpty);
    }

    [Theory]
    [InlineData("010000002a02")]
    [InlineData("7b2269223a317d")]
    public void TryReadHeader_WrongMagicByte_ReturnsFalse(string hex)
    {
        // Arrange
        var message = Convert.FromHexString(hex);

        // Act
        var ok = ConfluentWireFormat.TryReadHeader(message, out _, out _);

        // Assert
        Assert.False(ok);
    }
}
