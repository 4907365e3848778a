using System.Text.Json;
using System.Text.Json.Nodes;
using KafkaGateway.Schemas;
using KafkaGateway.Schemas.Compatibility;
using static KafkaGateway.Tests.Schemas.Compatibility.AvroSchemaText;

namespace KafkaGateway.Tests.Schemas.Compatibility;

/// <summary>
/// The compatibility cases in <c>TestData/compatibility/cases.json</c> (after the cases of Avro's resolution tests
/// and Confluent's Avro compatibility tests): reader/writer pairs, levels over a subject's versions, and field
/// defaults that must (not) be valid values of their types.
/// </summary>
public sealed class CompatibilityCasesTests
{
    private static readonly JsonObject s_cases = JsonNode.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "compatibility", "cases.json")))!.AsObject();

    public static TheoryData<string> ReaderWriterCases() => Names("readerWriter");

    public static TheoryData<string> RegistryCases() => Names("registry");

    public static TheoryData<string> DefaultCases() => Names("defaults");

    [Theory]
    [MemberData(nameof(ReaderWriterCases))]
    public void Check_ReaderWriterCase_MatchesTheSuite(string name)
    {
        // Arrange
        var c = Case("readerWriter", name);
        var reader = Parse(c["reader"]!.GetValue<string>());
        var writer = Parse(c["writer"]!.GetValue<string>());

        // Act: BACKWARD with one existing schema asks exactly "can the candidate read the existing one's data?"
        var result = SchemaCompatibilityChecker.Check(CompatibilityLevel.Backward, reader, [writer]);

        // Assert
        Assert.True(result.IsCompatible == c["compatible"]!.GetValue<bool>(), $"{name}: {string.Join("; ", result.Messages)}");
    }

    [Theory]
    [MemberData(nameof(RegistryCases))]
    public void Check_RegistryLevelCase_MatchesTheSuite(string name)
    {
        // Arrange
        var c = Case("registry", name);
        var schemas = s_cases["schemas"]!.AsObject();
        var existing = c["existing"]!.AsArray().Select(s => Parse(schemas[s!.GetValue<string>()]!.GetValue<string>())).ToList();
        var candidate = Parse(schemas[c["candidate"]!.GetValue<string>()]!.GetValue<string>());
        var level = CompatibilityLevelNames.Parse(c["level"]!.GetValue<string>());

        // Act
        var result = SchemaCompatibilityChecker.Check(level, candidate, existing);

        // Assert
        Assert.True(result.IsCompatible == c["compatible"]!.GetValue<bool>(), $"{name}: {string.Join("; ", result.Messages)}");
    }

    [Theory]
    [MemberData(nameof(DefaultCases))]
    public void InvalidDefaults_DefaultCase_MatchesTheSpec(string name)
    {
        // Arrange
        var c = Case("defaults", name);
        var field = new JsonObject { ["name"] = "f", ["type"] = JsonNode.Parse(Json(c["type"]!.GetValue<string>())), ["default"] = c["default"]?.DeepClone() };
        var schema = new JsonObject { ["type"] = "record", ["name"] = "Holder", ["fields"] = new JsonArray(field) }.ToJsonString();

        // Act
        var invalid = AvroJsonCodec.Create(schema).InvalidDefaults();

        // Assert
        Assert.True(c["valid"]!.GetValue<bool>() == (invalid.Count == 0), $"{name}: {string.Join("; ", invalid)}");
    }

    private static TheoryData<string> Names(string section)
    {
        var names = new TheoryData<string>();
        foreach (var c in s_cases[section]!.AsArray())
        {
            names.Add(c!["name"]!.GetValue<string>());
        }

        return names;
    }

    private static JsonObject Case(string section, string name) =>
        s_cases[section]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!.AsObject();
}
