using System.Text;
using System.Text.Json;
using KafkaGateway.Producing;

namespace KafkaGateway.Tests.Producing;

public sealed class ProduceRequestReaderTests
{
    private static readonly ProduceLimits s_limits = new(MaxRecords: 3, MaxKeyBytes: 16, MaxHeaders: 2, MaxHeaderBytes: 32);

    [Fact]
    public void Read_V2Request_ReadsRecordsSchemasAndIds()
    {
        var errors = new List<ProduceError>();

        var batch = Read("""{"value_schema":"\"int\"","key_schema_id":4,"records":[{"key":"k","value":1,"partition":2},{"value":null}]}""", ProduceDialect.RestProxyV2, null, errors);

        Assert.Empty(errors);
        Assert.Equal("\"int\"", batch.ValueSchema);
        Assert.Equal(4, batch.KeySchemaId);
        Assert.Equal(2, batch.Records[0].Partition);
        Assert.Equal(JsonValueKind.Null, batch.Records[1].Value.ValueKind);
    }

    [Theory]
    [InlineData("""{"records":[{"value":1},{"value":2},{"value":3},{"value":4}]}""", "$.records")]
    [InlineData("""{"records":[{"value":1,"headers":1}]}""", "$.records[0].headers")]
    [InlineData("""{"records":[{"key":"0123456789abcdefg","value":1}]}""", "$.records[0].key")]
    [InlineData("""{"records":[{"value":1,"headers":{"a":"1","b":"2","c":"3"}}]}""", "$.records[0].headers")]
    [InlineData("""{"records":[{"value":1,"headers":{"a":"0123456789012345678901234567890123"}}]}""", "$.records[0].headers")]
    [InlineData("""{"records":[{"value":1,"partition":-1}]}""", "$.records[0].partition")]
    [InlineData("""{"records":[{"value":1,"timestamp":253402300800000}]}""", "$.records[0].timestamp")]
    public void Read_NativeBeyondLimitsOrRanges_ReportsThePath(string body, string path)
    {
        var errors = new List<ProduceError>();

        Read(body, ProduceDialect.Native, null, errors);

        Assert.Contains(errors, e => e.Path == path);
    }

    [Theory]
    [InlineData("""{"records":[{"value":1},{"value":2},{"value":3},{"value":4}]}""", "$.records")]
    [InlineData("""{"records":[{"key":"0123456789abcdefg","value":1}]}""", "$.records[0].key")]
    [InlineData("""{"records":[{"value":1,"partition":1.5}]}""", "$.records[0].partition")]
    [InlineData("""{"value_schema_id":1099511627776,"records":[{"value":1}]}""", "$.value_schema_id")]
    [InlineData("""{"key_schema_id":0,"records":[{"value":1}]}""", "$.key_schema_id")]
    [InlineData("""{"records":[{"value":1,"headers":{}}]}""", "$.records[0].headers")]
    [InlineData("""{"records":[{"value":1}],"extra":true}""", "$.extra")]
    [InlineData("""{"value_schema":{"type":"int"},"records":[{"value":1}]}""", "$.value_schema")]
    public void Read_V2BeyondLimitsOrRanges_ReportsThePathLikeTheNativeRoute(string body, string path)
    {
        var errors = new List<ProduceError>();

        Read(body, ProduceDialect.RestProxyV2, null, errors);

        Assert.Contains(errors, e => e.Path == path);
    }

    [Fact]
    public void Read_NativeRecordWithRepeatedMembers_TheLastOneCountsAsTryGetPropertySays()
    {
        var errors = new List<ProduceError>();

        var batch = Read("""{"records":[{"value":1,"partition":0,"key":"a","value":2,"partition":1,"key":"b"}]}""", ProduceDialect.Native, null, errors);

        Assert.Empty(errors);
        var record = Assert.Single(batch.Records);
        Assert.Equal(2, record.Value.GetInt32());
        Assert.Equal(1, record.Partition);
        Assert.Equal("b", record.Key!.Value.GetString());
    }

    [Fact]
    public void Read_NativeRecordWithSeveralProblems_ListsThemInTheReadersOrder()
    {
        var errors = new List<ProduceError>();

        Read("""{"records":[{"timestamp":"never","zz":1,"headers":5,"partition":-1,"key":"0123456789abcdefg","yy":2}]}""", ProduceDialect.Native, null, errors);

        Assert.Equal(
            ["$.records[0].zz", "$.records[0].yy", "$.records[0].value", "$.records[0].key", "$.records[0].partition", "$.records[0].timestamp", "$.records[0].headers"],
            errors.Select(e => e.Path));
    }

    [Fact]
    public void Read_V2RecordWithPartitionOnAPartitionRoute_IsRefused()
    {
        var errors = new List<ProduceError>();

        var batch = Read("""{"records":[{"value":1},{"value":2,"partition":0}]}""", ProduceDialect.RestProxyV2, 1, errors);

        Assert.Equal(1, batch.Records[0].Partition);
        Assert.Equal("$.records[1].partition", Assert.Single(errors).Path);
    }

    [Theory]
    [InlineData("\"\\ud800\"", false)]
    [InlineData("\"\\udc00\"", false)]
    [InlineData("\"\\ud800\\u0041\"", false)]
    [InlineData("\"\\ud800\\\\udc00\"", false)]
    [InlineData("\"a\\ud83d\"", false)]
    [InlineData("\"\\ud83d\\ude00\"", true)]
    [InlineData("\"\\\\ud800\"", true)]
    [InlineData("\"\\u00e9\\n\\\"\"", true)]
    [InlineData("\"plain é 😀\"", true)]
    public void IsValid_EscapedSurrogates_OnlyPairsAreValid(string json, bool valid)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Equal(valid, UnicodeCheck.IsValid(document.RootElement));
    }

    [Fact]
    public void Walk_InvalidUtf8DeepInside_ReportsRecordIndexAndPath()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"a":[1,{"b":"__"}]}""");
        var at = Array.IndexOf(bytes, (byte)'_');
        (bytes[at], bytes[at + 1]) = (0xC0, 0xAF);
        using var document = JsonDocument.Parse(bytes);
        var errors = new List<ProduceError>();

        var found = UnicodeCheck.Walk(document.RootElement, 3, "$.records[3].value", errors);

        Assert.True(found);
        var error = Assert.Single(errors);
        Assert.Equal(3, error.RecordIndex);
        Assert.Equal("$.records[3].value.a[1].b", error.Path);
        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"a\":{\"\\ud800x\":1}}", "$.records[0].value.a.<invalid name>")]
    [InlineData("{\"a\":[\"ok\",\"\\udc00\"]}", "$.records[0].value.a[1]")]
    public void Walk_LoneSurrogateEscapeInsideAnObject_IsFoundWhereverItIs(string json, string expectedPath)
    {
        using var document = JsonDocument.Parse(json);
        var errors = new List<ProduceError>();

        var found = UnicodeCheck.Walk(document.RootElement, 0, "$.records[0].value", errors);

        Assert.True(found);
        var error = Assert.Single(errors);
        Assert.Equal(expectedPath, error.Path);
        Assert.Contains("surrogate", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"id\":\"s-1\",\"v\":[1,2.5,true,null]}")]
    [InlineData("{\"text\":\"\\ud83d\\ude00 \\u00e9 \\n\",\"\\u0041\":\"x\"}")]
    [InlineData("{\"plain\":\"é 😀\"}")]
    public void Walk_ValidText_WithOrWithoutEscapes_FindsNothing(string json)
    {
        using var document = JsonDocument.Parse(json);
        var errors = new List<ProduceError>();

        Assert.False(UnicodeCheck.Walk(document.RootElement, 0, "$", errors));
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("\"2026-01-02T03:04:05.6789+02:00\"")]
    [InlineData("\"1970-01-01T00:00:00.0009Z\"")]
    [InlineData("\"2026-06-30T23:59:59.9999999-11:30\"")]
    [InlineData("1767315845678")]
    [InlineData("253402300799999")]
    public void Read_Timestamp_IsTheEpochMillisecondsConfluentsTimestampOfTheParsedValueCarries(string timestamp)
    {
        var errors = new List<ProduceError>();

        var batch = Read($$"""{"value":1,"timestamp":{{timestamp}}}""", ProduceDialect.Native, null, errors);

        // What the record carried before the record kept milliseconds: Confluent's Timestamp of the parsed DateTimeOffset.
        Assert.Empty(errors);
        var expected = timestamp.StartsWith('"')
            ? new Confluent.Kafka.Timestamp(DateTimeOffset.Parse(timestamp.Trim('"'), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal)).UnixTimestampMs
            : new Confluent.Kafka.Timestamp(DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture))).UnixTimestampMs;
        Assert.Equal(expected, batch.Records[0].TimestampMs);
    }

    [Fact]
    public void Read_RecordWithoutKeyPartitionOrTimestamp_HasNone()
    {
        var errors = new List<ProduceError>();

        var batch = Read("""{"records":[{"value":1},{"value":2,"key":null,"partition":null,"timestamp":null},{"value":3,"key":"k","partition":0,"timestamp":0}]}""", ProduceDialect.Native, null, errors);

        Assert.Empty(errors);
        Assert.All(batch.Records.Take(2), r => Assert.True(r.Key is null && r.Partition is null && r.TimestampMs is null));
        Assert.Equal("k", batch.Records[2].Key!.Value.GetString());
        Assert.Equal(0, batch.Records[2].Partition);
        Assert.Equal(0, batch.Records[2].TimestampMs);
    }

    private static ProduceBatch Read(string json, ProduceDialect dialect, int? routePartition, List<ProduceError> errors)
    {
        // The document stays alive with the batch's elements for the test's duration.
        var document = JsonDocument.Parse(json);
        return ProduceRequestReader.Read(document.RootElement, dialect, routePartition, s_limits, errors);
    }
}
