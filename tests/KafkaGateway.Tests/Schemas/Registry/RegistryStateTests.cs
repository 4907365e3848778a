using KafkaGateway.Schemas.Registry;

namespace KafkaGateway.Tests.Schemas.Registry;

public sealed class RegistryStateTests
{
    private const string Int = """{"type":"record","name":"r","fields":[{"name":"a","type":"int"}]}""";
    private const string Long = """{"type":"record","name":"r","fields":[{"name":"a","type":"long"}]}""";
    private const string IntSpaced = """{ "type": "record", "name": "r", "fields": [ { "type": "int", "name": "a" } ] }""";

    [Fact]
    public void Apply_SchemaRecords_ListsVersionsAndFindsIdByCanonicalText()
    {
        var state = new RegistryState();

        state.Apply(RegistryRecord.ForSchema("s", 1, 4, Int, deleted: false));

        Assert.Equal(["s"], state.Subjects(includeDeleted: false));
        Assert.Equal(4, state.FindIdByCanonical(KafkaGateway.Schemas.Compatibility.AvroSchemaCanonicalizer.Canonicalize(IntSpaced)));
        Assert.Equal(4, state.MaxId);
    }

    [Fact]
    public void Apply_LaterRecordGivesTakenIdToAnotherSchema_IgnoredAndCounted()
    {
        var state = new RegistryState();
        state.Apply(RegistryRecord.ForSchema("s", 1, 1, Int, deleted: false));

        var applied = state.Apply(RegistryRecord.ForSchema("t", 1, 1, Long, deleted: false));

        Assert.False(applied);
        Assert.Equal(["s"], state.Subjects(includeDeleted: true));
        Assert.Equal(1, state.ConflictingRecords);
    }

    [Fact]
    public void Apply_LaterRecordPutsAnotherSchemaAtTakenVersion_IgnoredAndTheFirstStays()
    {
        var state = new RegistryState();
        state.Apply(RegistryRecord.ForSchema("s", 1, 1, Int, deleted: false));

        var applied = state.Apply(RegistryRecord.ForSchema("s", 1, 2, Long, deleted: false));

        Assert.False(applied);
        Assert.Equal(1, Assert.Single(state.Versions("s")).Id);
        Assert.Equal(1, state.MaxId);
    }

    [Fact]
    public void Apply_SameKeySameIdAndSchemaRewritten_AppliedAsAnUpdate()
    {
        var state = new RegistryState();
        state.Apply(RegistryRecord.ForSchema("s", 1, 1, Int, deleted: false));

        var applied = state.Apply(RegistryRecord.ForSchema("s", 1, 1, IntSpaced, deleted: true))
            & state.Apply(RegistryRecord.ForSchema("t", 1, 1, Int, deleted: false));

        Assert.True(applied);
        Assert.True(state.Versions("s")[0].Deleted);
        Assert.Equal(0, state.ConflictingRecords);
    }

    [Fact]
    public void Apply_DeleteSubject_SoftDeletesVersionsUpToWatermark()
    {
        var state = new RegistryState();
        state.Apply(RegistryRecord.ForSchema("s", 1, 1, Int, deleted: false));

        state.Apply(RegistryRecord.ForDeleteSubject("s", 1));

        Assert.Empty(state.Subjects(includeDeleted: false));
        Assert.Equal(["s"], state.Subjects(includeDeleted: true));
        Assert.True(state.Versions("s")[0].Deleted);
        Assert.NotNull(state.FindById(1));
    }

    [Fact]
    public void Apply_Tombstone_RemovesVersionButKeepsMaxId()
    {
        var state = new RegistryState();
        state.Apply(RegistryRecord.ForSchema("s", 1, 9, Int, deleted: true));

        state.Apply(new RegistryRecord(RegistryRecordKind.Schema, "s", 1, null));

        Assert.Empty(state.Subjects(includeDeleted: true));
        Assert.Null(state.FindById(9));
        Assert.Equal(9, state.MaxId);
    }

    [Fact]
    public void Apply_ConfigRecords_SetAndRemoveLevels()
    {
        var state = new RegistryState();

        state.Apply(RegistryRecord.ForConfig(null, "FULL"));
        state.Apply(RegistryRecord.ForConfig("s", "NONE"));
        state.Apply(RegistryRecord.ForConfig("s", null));

        Assert.Equal("FULL", state.GlobalCompatibility);
        Assert.Null(state.SubjectCompatibility("s"));
    }

    [Theory]
    [InlineData("latest", null)]
    [InlineData("-1", null)]
    [InlineData("3", 3)]
    public void ParseVersion_ValidText_ReturnsNumberOrLatest(string text, int? expected)
    {
        Assert.Equal(expected, BuiltInSchemaRegistry.ParseVersion(text));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("x")]
    [InlineData("99999999999")]
    public void ParseVersion_InvalidText_Throws42202(string text)
    {
        var error = Assert.Throws<KafkaGateway.Schemas.SchemaRegistryException>(() => BuiltInSchemaRegistry.ParseVersion(text));

        Assert.Equal(42202, error.ErrorCode);
    }
}
