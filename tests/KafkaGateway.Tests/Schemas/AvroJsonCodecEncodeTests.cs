using System.Buffers;
using System.Text;
using System.Text.Json;
using KafkaGateway.Schemas;
using static KafkaGateway.Tests.Schemas.AvroTestSupport;

namespace KafkaGateway.Tests.Schemas;

/// <summary>Encoding rules and error reporting. Expected bytes here are computed by hand from the Avro spec.</summary>
public sealed class AvroJsonCodecEncodeTests
{
    private static readonly AvroJsonCodec s_sensor = AvroJsonCodec.Create(SensorSchema);

    private static readonly AvroJsonCodec s_batch = AvroJsonCodec.Create(
        """{"type":"record","name":"batch","namespace":"com.acme","fields":[{"name":"readings","type":{"type":"array","items":"""
        + SensorSchema
        + """}},{"name":"tags","type":{"type":"map","values":"string"}},{"name":"count","type":"int"}]}""");

    [Fact]
    public void Encode_SensorWithStringValue_ReportsPathAndExpectation()
    {
        // Act
        var errors = EncodeErrors(s_sensor, """{"id":"s-1","timestamp":1732270000000,"value":"hot"}""");

        // Assert
        Assert.Equal(["$.value: expected double, got string \"hot\""], errors);
    }

    [Fact]
    public void Encode_LogicalTypeBesideTypeAndIsoTime_SaysAvroIgnoresItAndWhereItBelongs()
    {
        // Arrange: the Hopsworks tutorial's form; Avro reads the field as a plain long.
        var codec = AvroJsonCodec.Create(
            """{"type":"record","name":"sensor","fields":[{"name":"timestamp","type":"long","logicalType":"timestamp-millis"},{"name":"id","type":"string"}]}""");

        // Act
        var errors = EncodeErrors(codec, """{"timestamp":"2024-11-22T10:00:00Z","id":"s-1"}""");

        // Assert
        var error = Assert.Single(errors);
        Assert.True(error.Contains("Avro ignores", StringComparison.Ordinal), error);
        Assert.StartsWith("$.timestamp: expected long, got string", error, StringComparison.Ordinal);
        Assert.Contains("\"logicalType\": \"timestamp-millis\" beside \"type\": \"long\", where Avro ignores it", error, StringComparison.Ordinal);
        Assert.Contains("\"type\": {\"type\": \"long\", \"logicalType\": \"timestamp-millis\"}", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_LogicalTypeInsideType_NoHint()
    {
        // Act
        var errors = EncodeErrors(s_sensor, """{"id":"s-1","timestamp":"yesterday","value":1.5}""");

        // Assert
        Assert.DoesNotContain(errors, e => e.Contains("Avro ignores", StringComparison.Ordinal));
    }

    [Fact]
    public void Encode_MissingFieldWithoutDefault_ReportsRequiredField()
    {
        // Act
        var errors = EncodeErrors(s_sensor, """{"timestamp":1,"value":1.5}""");

        // Assert
        Assert.Equal(["$.id: required field missing (string)"], errors);
    }

    [Fact]
    public void Encode_UnknownField_ReportsItWithTheSchemaFields()
    {
        // Act
        var errors = EncodeErrors(s_sensor, """{"id":"a","timestamp":1,"value":1.5,"foo":true}""");

        // Assert
        Assert.Equal(["$.foo: unknown field (schema sensor has fields timestamp, id, value)"], errors);
    }

    [Theory]
    [InlineData("""{"id":"s-1","timestamp":1732270000000,"value":21.5}""", """{"value":21.5,"id":"s-1","timestamp":1732270000000}""")]
    [InlineData("""{"id":"s-\u00e9","timestamp":0,"value":-1e3}""", """{"timestamp":0,"value":-1e3,"id":"s-\u00e9"}""")]
    public void Encode_FieldsInSchemaOrderOrNot_SameBytes(string inSchemaOrder, string reordered)
    {
        // The in-order walk and the per-field lookups must write the same record.
        Assert.Equal(EncodeValid(s_sensor, reordered), EncodeValid(s_sensor, inSchemaOrder));
    }

    [Fact]
    public void Encode_FieldsInSchemaOrderOrNot_SameErrorsInSchemaOrder()
    {
        var inOrder = EncodeErrors(s_sensor, """{"id":1,"timestamp":"yesterday","value":"hot"}""");
        var reordered = EncodeErrors(s_sensor, """{"value":"hot","id":1,"timestamp":"yesterday"}""");

        Assert.Equal(3, inOrder.Length);
        Assert.Equal(reordered, inOrder);
    }

    [Fact]
    public void Encode_DuplicateField_ReportsDuplicate()
    {
        // Act
        var errors = EncodeErrors(s_sensor, """{"id":"a","timestamp":1,"value":1.5,"id":"b"}""");

        // Assert
        Assert.Equal(["$.id: duplicate field"], errors);
    }

    [Fact]
    public void Encode_SeveralViolations_ReportsAllWithArrayIndexesAndMapKeys()
    {
        // Arrange
        const string json = """
            {"readings":[
               {"id":"a","timestamp":1,"value":1},
               {"id":"b","timestamp":2,"value":2},
               {"id":7,"timestamp":"soon","value":3}],
             "tags":{"color":5,"a b":"ok","it's":null},
             "count":3000000000}
            """;

        // Act
        var errors = EncodeErrors(s_batch, json);

        // Assert
        Assert.Equal(
        [
            "$.readings[2].timestamp: expected timestamp-millis (epoch milliseconds or ISO-8601 date-time with offset), got string \"soon\"",
            "$.readings[2].id: expected string, got number 7",
            "$.tags.color: expected string, got number 5",
            "$.tags['it\\'s']: expected string, got null",
            "$.count: expected int, got number 3000000000 (out of int32 range)",
        ], errors);
    }

    [Fact]
    public void Encode_RootPathGiven_PrefixesErrorPaths()
    {
        // Act
        var (_, errors, ok) = Encode(s_sensor, """{"id":"a","timestamp":1,"value":null}""", "$.records[3].value");

        // Assert
        Assert.False(ok);
        Assert.Equal("$.records[3].value.value", Assert.Single(errors).Path);
    }

    [Fact]
    public void Encode_ManyErrors_CapsListWithFinalMoreErrorsEntry()
    {
        // Arrange
        var codec = AvroJsonCodec.Create("""{"type":"array","items":"int"}""");
        var json = "[" + string.Join(",", Enumerable.Repeat("\"x\"", 150)) + "]";

        // Act
        var errors = EncodeErrors(codec, json);

        // Assert
        Assert.Equal(AvroJsonCodec.MaxErrors + 1, errors.Length);
        Assert.Equal("$[99]: expected int, got string \"x\"", errors[99]);
        Assert.StartsWith("$: ... more errors", errors[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_NestingBeyondMaxDepth_ReportsDepthError()
    {
        // Arrange
        var codec = AvroJsonCodec.Create("""{"type":"array","items":{"type":"array","items":{"type":"array","items":{"type":"array","items":"int"}}}}""");
        var deep = AvroJsonCodec.Create("""{"type":"record","name":"n","fields":[{"name":"next","type":["null","n"]}]}""");
        var json = new StringBuilder();
        for (var i = 0; i < AvroJsonCodec.MaxDepth; i++)
        {
            json.Append("{\"next\":");
        }

        json.Append("null").Append('}', AvroJsonCodec.MaxDepth);
        var tooDeep = "{\"next\":" + json + "}";

        // Act
        var ok = EncodeValid(codec, "[[[[1]]]]");
        var atLimit = Encode(deep, json.ToString());
        var overLimit = Encode(deep, tooDeep);

        // Assert
        Assert.Equal("020202020200000000", Hex(ok));
        Assert.True(atLimit.Ok);
        Assert.False(overLimit.Ok);
        Assert.Contains(overLimit.Errors, e => e.Message.Contains("nesting deeper than 64", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("int", "3000000000", "expected int, got number 3000000000 (out of int32 range)")]
    [InlineData("int", "-2147483649", "expected int, got number -2147483649 (out of int32 range)")]
    [InlineData("int", "1.5", "expected int, got number 1.5 (not an integer)")]
    [InlineData("long", "9223372036854775808", "expected long, got number 9223372036854775808 (out of int64 range)")]
    [InlineData("long", "1e30", "expected long, got number 1e30 (out of int64 range)")]
    [InlineData("long", "0.001", "expected long, got number 0.001 (not an integer)")]
    [InlineData("float", "1e39", "expected float, got number 1e39 (out of float range)")]
    [InlineData("double", "1e400", "expected double, got number 1e400 (out of double range)")]
    [InlineData("boolean", "\"true\"", "expected boolean, got string \"true\"")]
    [InlineData("null", "0", "expected null, got number 0")]
    [InlineData("string", "{}", "expected string, got object")]
    [InlineData("bytes", "\"not base64!\"", "expected bytes (base64 string), got string \"not base64!\" (not valid base64)")]
    [InlineData("bytes", "[1,2]", "expected bytes (base64 string), got array")]
    public void Encode_PrimitiveViolation_ReportsExpectation(string type, string json, string expected)
    {
        // Arrange
        var codec = AvroJsonCodec.Create($"\"{type}\"");

        // Act
        var errors = EncodeErrors(codec, json);

        // Assert
        Assert.Equal(["$: " + expected], errors);
    }

    [Theory]
    [InlineData("int", "1.0", "02")]
    [InlineData("int", "1e3", "d00f")]
    [InlineData("long", "-2.50e1", "31")]
    [InlineData("long", "9223372036854775807", "feffffffffffffffff01")]
    [InlineData("float", "1", "0000803f")]
    [InlineData("double", "-0", "0000000000000080")]
    public void Encode_IntegralAndNumericForms_AcceptedExactly(string type, string json, string hex)
    {
        // Arrange
        var codec = AvroJsonCodec.Create($"\"{type}\"");

        // Act
        var bytes = EncodeValid(codec, json);

        // Assert
        Assert.Equal(hex, Hex(bytes));
    }

    [Fact]
    public void Encode_UnknownEnumSymbol_ListsAllowedSymbols()
    {
        // Arrange
        var codec = AvroJsonCodec.Create("""{"type":"enum","name":"color","symbols":["RED","GREEN","BLUE"],"default":"RED"}""");

        // Act
        var errors = EncodeErrors(codec, "\"PURPLE\"");

        // Assert
        Assert.Equal(["$: unknown symbol \"PURPLE\" for enum color (allowed: RED, GREEN, BLUE)"], errors);
    }

    [Fact]
    public void Encode_FixedOfWrongSize_ReportsSizes()
    {
        // Arrange
        var codec = AvroJsonCodec.Create("""{"type":"fixed","name":"quad","size":4}""");

        // Act
        var errors = EncodeErrors(codec, "\"AQID\"");

        // Assert
        Assert.Equal(["$: expected fixed quad (size 4) as base64 string, got string \"AQID\" (3 bytes, expected exactly 4)"], errors);
    }

    [Theory]
    [InlineData("\"12.345\"", "more than 2 fractional digits")]
    [InlineData("12.345", "more than 2 fractional digits")]
    [InlineData("\"10000000.00\"", "more than 9 significant digits")]
    [InlineData("1e300", "more than 9 significant digits")]
    [InlineData("\"12,30\"", "not a decimal number")]
    [InlineData("\"+1\"", "not a decimal number")]
    public void Encode_DecimalOutOfScaleOrPrecision_ReportsReason(string json, string reason)
    {
        // Arrange
        var codec = AvroJsonCodec.Create("""{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}""");

        // Act
        var errors = EncodeErrors(codec, json);

        // Assert
        Assert.Equal($"$: expected decimal(9,2) (number or numeric string), got {(json[0] == '"' ? "string" : "number")} {json} ({reason})",
            Assert.Single(errors));
    }

    [Theory]
    [InlineData("\"12.300\"", "0404ce")]
    [InlineData("\"-1.28\"", "0280")]
    [InlineData("\"1.27\"", "027f")]
    [InlineData("\"-1.29\"", "04ff7f")]
    [InlineData("1.5e1", "0405dc")]
    public void Encode_DecimalBytes_WritesMinimalTwosComplement(string json, string hex)
    {
        // Arrange
        var codec = AvroJsonCodec.Create("""{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}""");

        // Act
        var bytes = EncodeValid(codec, json);

        // Assert
        Assert.Equal(hex, Hex(bytes));
    }

    [Fact]
    public void Encode_DecimalTooWideForFixed_ReportsSize()
    {
        // Arrange
        var codec = AvroJsonCodec.Create("""{"type":"fixed","name":"d2","size":2,"logicalType":"decimal","precision":6,"scale":0}""");

        // Act
        var errors = EncodeErrors(codec, "40000");

        // Assert
        Assert.Equal(["$: expected decimal(6,0) (number or numeric string), got number 40000 (does not fit in 2 bytes)"], errors);
    }

    [Theory]
    [InlineData("\"6f1c8a2e-3b4d-4e5f-8a9b\"")]
    [InlineData("\"{6f1c8a2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b}\"")]
    [InlineData("\"6f1c8a2e3b4d4e5f8a9b0c1d2e3f4a5b\"")]
    public void Encode_InvalidUuid_ReportsNotAUuid(string json)
    {
        // Arrange
        var codec = AvroJsonCodec.Create("""{"type":"string","logicalType":"uuid"}""");

        // Act
        var errors = EncodeErrors(codec, json);

        // Assert
        Assert.Equal($"$: expected uuid string, got string {json} (not a valid UUID)", Assert.Single(errors));
    }

    [Fact]
    public void Encode_UnionWithSingleFieldRecordThatDoesNotFit_ReportsTheFieldError()
    {
        // Arrange: a one-property object must not be mistaken for the {"type": value} wrapper form.
        var codec = AvroJsonCodec.Create("""["null",{"type":"record","name":"r","fields":[{"name":"x","type":"int"}]}]""");

        // Act
        var errors = EncodeErrors(codec, """{"x":"a"}""");

        // Assert
        Assert.Equal(["$.x: expected int, got string \"a\""], errors);
    }

    [Theory]
    [InlineData("timestamp-millis", "\"yesterday\"", "")]
    [InlineData("timestamp-millis", "\"2024-11-22T13:45:00\"", " (offset or Z required)")]
    [InlineData("timestamp-millis", "\"2024-11-22T13:45:00.1234Z\"", " (more precision than milliseconds)")]
    [InlineData("timestamp-millis", "\"2024-02-30T13:45:00Z\"", "")]
    [InlineData("timestamp-millis", "\"2024-11-22 13:45:00Z\"", "")]
    [InlineData("local-timestamp-millis", "\"2024-11-22T13:45:00Z\"", " (a local timestamp takes no offset)")]
    [InlineData("timestamp-micros", "1.5", " (not an integer)")]
    public void Encode_BadTimestamp_ReportsExpectation(string logicalType, string json, string reason)
    {
        // Arrange
        var codec = AvroJsonCodec.Create($$"""{"type":"long","logicalType":"{{logicalType}}"}""");

        // Act
        var errors = EncodeErrors(codec, json);

        // Assert
        var error = Assert.Single(errors);
        Assert.StartsWith($"$: expected {logicalType} (", error, StringComparison.Ordinal);
        Assert.EndsWith($", got {(json[0] == '"' ? "string" : "number")} {json}{reason}", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("timestamp-millis", "\"2024-11-22T13:45:00Z\"", 1732283100000L)]
    [InlineData("timestamp-millis", "\"1970-01-01T00:00:00-00:30\"", 1800000L)]
    [InlineData("timestamp-micros", "\"1970-01-01T00:00:00.000001Z\"", 1L)]
    [InlineData("timestamp-nanos", "\"1970-01-01T00:00:01.000000001Z\"", 1000000001L)]
    [InlineData("local-timestamp-millis", "\"1970-01-01T00:00:01.5\"", 1500L)]
    [InlineData("local-timestamp-micros", "\"1970-01-01T00:01\"", 60000000L)]
    public void Encode_IsoTimestamp_WritesEpochUnits(string logicalType, string json, long expected)
    {
        // Arrange
        var codec = AvroJsonCodec.Create($$"""{"type":"long","logicalType":"{{logicalType}}"}""");

        // Act
        var bytes = EncodeValid(codec, json);

        // Assert
        Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), codec.DecodeToJson(bytes));
    }

    [Theory]
    [InlineData("date", "\"2024-02-29\"", "19782")]
    [InlineData("date", "\"0001-01-01\"", "-719162")]
    [InlineData("date", "-3", "-3")]
    [InlineData("time-millis", "\"00:00\"", "0")]
    [InlineData("time-millis", "\"23:59:59.999\"", "86399999")]
    [InlineData("time-millis", "\"13:45:00.1\"", "49500100")]
    public void Encode_DateOrTimeText_WritesDaysOrMillis(string logicalType, string json, string expected)
    {
        // Arrange
        var codec = AvroJsonCodec.Create($$"""{"type":"int","logicalType":"{{logicalType}}"}""");

        // Act
        var bytes = EncodeValid(codec, json);

        // Assert
        Assert.Equal(expected, codec.DecodeToJson(bytes));
    }

    [Theory]
    [InlineData("date", "\"2024-13-01\"")]
    [InlineData("date", "\"24-11-22\"")]
    [InlineData("date", "\"2023-02-29\"")]
    [InlineData("date", "\"2024-11-22T00:00:00Z\"")]
    [InlineData("time-millis", "\"25:00:00\"")]
    [InlineData("time-millis", "\"13:45:00.1234\"")]
    public void Encode_BadDateOrTime_ReportsExpectation(string logicalType, string json)
    {
        // Arrange
        var codec = AvroJsonCodec.Create($$"""{"type":"int","logicalType":"{{logicalType}}"}""");

        // Act
        var errors = EncodeErrors(codec, json);

        // Assert
        Assert.StartsWith($"$: expected {logicalType} (", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("5", "020a")]
    [InlineData("2147483648", "048080808010")]
    [InlineData("2.5", "080000000000000440")]
    [InlineData("null", "00")]
    [InlineData("{\"float\": 1}", "060000803f")]
    [InlineData("{\"long\": 5}", "040a")]
    public void Encode_NumericUnion_PicksBranchByDocumentedPreference(string json, string hex)
    {
        // Arrange
        var codec = AvroJsonCodec.Create("""["null","int","long","float","double"]""");

        // Act
        var bytes = EncodeValid(codec, json);

        // Assert
        Assert.Equal(hex, Hex(bytes));
    }

    [Theory]
    [InlineData("\"GREEN\"", "020a475245454e")]
    [InlineData("{\"color\":\"GREEN\"}", "0402")]
    [InlineData("{\"com.acme.color\":\"BLUE\"}", "0404")]
    public void Encode_StringOrEnumUnion_StringBranchWinsUnlessWrapped(string json, string hex)
    {
        // Arrange
        var codec = AvroJsonCodec.Create("""["null","string",{"type":"enum","name":"color","namespace":"com.acme","symbols":["RED","GREEN","BLUE"]}]""");

        // Act
        var bytes = EncodeValid(codec, json);

        // Assert
        Assert.Equal(hex, Hex(bytes));
    }

    [Theory]
    [InlineData("{\"a\":1}", "0002")]
    [InlineData("{\"b\":\"x\"}", "020278")]
    [InlineData("{\"other\":\"x\"}", "04020a6f74686572027800")]
    [InlineData("{\"B\":{\"b\":\"y\"}}", "020279")]
    public void Encode_RecordAndMapUnion_PicksFirstBranchThatValidates(string json, string hex)
    {
        // Arrange
        var codec = AvroJsonCodec.Create("""
            [{"type":"record","name":"A","fields":[{"name":"a","type":"int"}]},
             {"type":"record","name":"B","fields":[{"name":"b","type":"string"}]},
             {"type":"map","values":"string"}]
            """);

        // Act
        var bytes = EncodeValid(codec, json);

        // Assert
        Assert.Equal(hex, Hex(bytes));
    }

    [Fact]
    public void Encode_UnionWithNoMatchingBranch_NamesTheUnion()
    {
        // Arrange
        var codec = AvroJsonCodec.Create("""{"type":"record","name":"r","fields":[{"name":"x","type":["null","double","boolean"]}]}""");

        // Act
        var errors = EncodeErrors(codec, """{"x":"hot"}""");

        // Assert
        Assert.Equal(["$.x: expected union [null, double, boolean], got string \"hot\""], errors);
    }

    [Fact]
    public void Encode_UnionWithOneBranchForTheJsonKind_ReportsThatBranchsErrors()
    {
        // Arrange
        var codec = AvroJsonCodec.Create($$"""{"type":"array","items":["null",{{SensorSchema}}]}""");

        // Act
        var errors = EncodeErrors(codec, """[null,{"id":"a","timestamp":1}]""");

        // Assert
        Assert.Equal(["$[1].value: required field missing (double)"], errors);
    }

    [Fact]
    public void Encode_WrappedUnionValueThatDoesNotFit_ReportsUnderTheWrapperKey()
    {
        // Arrange
        var codec = AvroJsonCodec.Create("""["null","string"]""");

        // Act
        var errors = EncodeErrors(codec, """{"string":5}""");

        // Assert
        Assert.Equal(["$.string: expected string, got number 5"], errors);
    }

    [Fact]
    public void Encode_FieldDefaults_UseAvroJsonEncodingOfDefaults()
    {
        // Arrange
        var codec = AvroJsonCodec.Create("""
            {"type":"record","name":"r","fields":[
              {"name":"u","type":["long","null"],"default":3},
              {"name":"f","type":{"type":"fixed","name":"f2","size":2},"default":"\u00ff\u0000"},
              {"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":4,"scale":2},"default":"\u0004\u00ce"},
              {"name":"n","type":{"type":"record","name":"inner","fields":[{"name":"k","type":"int","default":1}]},"default":{}}]}
            """);

        // Act
        var bytes = EncodeValid(codec, "{}");

        // Assert
        Assert.Equal("0006ff000404ce02", Hex(bytes));
    }

    [Fact]
    public void Encode_FieldWithUnusableDefault_ReportsMissingFieldAndWhy()
    {
        // Arrange
        var codec = AvroJsonCodec.Create("""{"type":"record","name":"r","fields":[{"name":"x","type":["null","string"],"default":"abc"}]}""");

        // Act
        var errors = EncodeErrors(codec, "{}");

        // Assert
        Assert.Equal(["$.x: required field missing (union [null, string]); the schema default is unusable: default: expected null, got string \"abc\""], errors);
    }

    [Fact]
    public void Encode_EscapedAndNonAsciiStrings_WritesUtf8()
    {
        // Arrange
        var codec = AvroJsonCodec.Create("\"string\"");

        // Act
        var bytes = EncodeValid(codec, "\"\\u00e9\\n\"");

        // Assert
        Assert.Equal("06c3a90a", Hex(bytes));
    }

    [Fact]
    public void Encode_ConcurrentUseOfOneCodec_GivesIdenticalResults()
    {
        // Arrange
        using var document = JsonDocument.Parse("""{"id":"s-1","timestamp":"2024-11-22T10:06:40Z","value":21.5}""");
        var root = document.RootElement;
        var results = new string[64];

        // Act
        Parallel.For(0, results.Length, i =>
        {
            var output = new ArrayBufferWriter<byte>();
            s_sensor.Encode(root, output, []);
            results[i] = Hex(output.WrittenSpan);
        });

        // Assert
        Assert.All(results, r => Assert.Equal("809eb4b5ea6406732d310000000000803540", r));
    }
}
