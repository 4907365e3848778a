using System.Text;
using KafkaGateway.Schemas.Registry;

namespace KafkaGateway.Tests.Schemas.Registry;

public sealed class RegistryRecordTests
{
    private const string Schema = """{"type":"record","name":"r","fields":[{"name":"a","type":"int"}]}""";

    [Fact]
    public void SerializeKey_Schema_WritesConfluentKeyInConfluentOrder()
    {
        var record = RegistryRecord.ForSchema("s-value", 3, 7, Schema, deleted: false);

        Assert.Equal("""{"keytype":"SCHEMA","subject":"s-value","version":3,"magic":1}""", Encoding.UTF8.GetString(record.SerializeKey()));
    }

    [Fact]
    public void SerializeValue_Schema_WritesConfluentValueWithoutAvroSchemaType()
    {
        var record = RegistryRecord.ForSchema("s-value", 3, 7, Schema, deleted: true);

        var value = Encoding.UTF8.GetString(record.SerializeValue()!);

        Assert.StartsWith("""{"subject":"s-value","version":3,"id":7,"schema":""", value, StringComparison.Ordinal);
        Assert.EndsWith(""","deleted":true}""", value, StringComparison.Ordinal);
        Assert.DoesNotContain("schemaType", value, StringComparison.Ordinal);
    }

    [Fact]
    public void SerializeKey_GlobalConfig_WritesNullSubject()
    {
        var record = RegistryRecord.ForConfig(null, "FULL");

        Assert.Equal("""{"keytype":"CONFIG","subject":null,"magic":0}""", Encoding.UTF8.GetString(record.SerializeKey()));
        Assert.Equal("""{"compatibilityLevel":"FULL"}""", Encoding.UTF8.GetString(record.SerializeValue()!));
    }

    [Fact]
    public void SerializeValue_ConfigRemoved_IsTombstone()
    {
        Assert.Null(RegistryRecord.ForConfig("s", null).SerializeValue());
    }

    [Fact]
    public void Deserialize_WrittenRecords_RoundTrip()
    {
        RegistryRecord[] records =
        [
            RegistryRecord.ForSchema("s", 2, 5, Schema, deleted: true),
            RegistryRecord.ForConfig("s", "NONE"),
            RegistryRecord.ForConfig(null, "BACKWARD"),
            RegistryRecord.ForDeleteSubject("s", 4),
        ];

        foreach (var record in records)
        {
            var read = RegistryRecord.Deserialize(record.SerializeKey(), record.SerializeValue());
            Assert.Equal(record, read);
        }
    }

    [Fact]
    public void Deserialize_ConfluentNoopKey_IsOther()
    {
        var read = RegistryRecord.Deserialize(Encoding.UTF8.GetBytes("""{"keytype":"NOOP","magic":0}"""), null);

        Assert.Equal(RegistryRecordKind.Other, read.Kind);
    }

    [Theory]
    [InlineData("""{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}""", """{"subject":"s","version":1,"schema":"\"int\""}""", "'id' is missing")]
    [InlineData("""{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}""", """{"id":"7","schema":"\"int\""}""", "not a 32-bit integer")]
    [InlineData("""{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}""", """{"id":2147483648,"schema":"\"int\""}""", "not a 32-bit integer")]
    [InlineData("""{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}""", """{"id":1.5,"schema":"\"int\""}""", "not a 32-bit integer")]
    [InlineData("""{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}""", """{"id":0,"schema":"\"int\""}""", "must be positive")]
    [InlineData("""{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}""", """{"id":-2147483648,"schema":"\"int\""}""", "must be positive")]
    [InlineData("""{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}""", """{"id":3}""", "has no schema")]
    [InlineData("""{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}""", """{"id":3,"schema":7}""", "not a string")]
    [InlineData("""{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}""", """[1]""", "not a JSON object")]
    [InlineData("""{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}""", """{not json""", "")]
    [InlineData("""{"keytype":"SCHEMA","version":1,"magic":1}""", """{"id":3,"schema":"\"int\""}""", "no subject")]
    [InlineData("""{"keytype":"SCHEMA","subject":7,"version":1,"magic":1}""", """{"id":3,"schema":"\"int\""}""", "not a string")]
    [InlineData("""{"keytype":"SCHEMA","subject":"s","version":"1","magic":1}""", """{"id":3,"schema":"\"int\""}""", "not a 32-bit integer")]
    [InlineData("""{"keytype":"SCHEMA","subject":"s","magic":1}""", """{"id":3,"schema":"\"int\""}""", "'version' is missing")]
    [InlineData("""{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}""", """{"subject":"s","version":"x"}""", "not a 32-bit integer")]
    [InlineData("""{"keytype":"CONFIG","subject":null,"magic":0}""", """{"compatibilityLevel":5}""", "not a string")]
    [InlineData("""[]""", """{}""", "not a JSON object")]
    public void Deserialize_RecordTheRegistryCannotUse_ThrowsJsonExceptionSayingWhy(string key, string value, string reason)
    {
        var error = Assert.ThrowsAny<System.Text.Json.JsonException>(() => RegistryRecord.Deserialize(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value)));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_LargestId_IsKept()
    {
        var read = RegistryRecord.Deserialize(
            Encoding.UTF8.GetBytes("""{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}"""),
            Encoding.UTF8.GetBytes("""{"subject":"s","version":1,"id":2147483647,"schema":"\"int\""}"""));

        Assert.Equal(int.MaxValue, read.Value!.Id);
    }
}
