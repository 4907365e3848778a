using System.Text;
using KafkaGateway.Schemas;
using KafkaGateway.Schemas.Registry;

namespace KafkaGateway.Tests.Schemas.Registry;

/// <summary>GUIDs, references and associations in the registry topic's records and in the state rebuilt from them.</summary>
public sealed class RegistryReferencesAndAssociationsTests
{
    private const string Address = """{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]}""";
    private const string Person = """{"type":"record","name":"Person","namespace":"com.acme","fields":[{"name":"home","type":"com.acme.Address"}]}""";

    private static readonly RegistryAssociation s_association = new(
        "orders", "-", "topic", "value", "orders-custom", "5b0f3c1e-7a55-4a52-9d1f-2c8b8b7b6a01", "orders-id", RegistryAssociation.Weak, Frozen: false);

    [Fact]
    public void SchemaRecord_WithGuidAndReferences_RoundTrips()
    {
        // Arrange
        var record = RegistryRecord.ForSchema("person", 1, 2, Person, deleted: false, "0f8f2b9e-4a6d-8c3e-9b1a-7d5e6f708192",
            [new SchemaReference("com.acme.Address", "address", 1)]);

        // Act
        var read = RegistryRecord.Deserialize(record.SerializeKey(), record.SerializeValue());

        // Assert
        Assert.Equal("0f8f2b9e-4a6d-8c3e-9b1a-7d5e6f708192", read.Value!.Guid);
        Assert.Equal([new SchemaReference("com.acme.Address", "address", 1)], read.Value.References);
        Assert.Contains("\"references\":[{\"name\":\"com.acme.Address\",\"subject\":\"address\",\"version\":1}]",
            Encoding.UTF8.GetString(record.SerializeValue()!), StringComparison.Ordinal);
    }

    [Fact]
    public void AssociationRecord_SerializedAsConfluentAssoc_RoundTripsAndTombstones()
    {
        // Arrange
        var record = RegistryRecord.ForAssociation(s_association);

        // Act
        var key = Encoding.UTF8.GetString(record.SerializeKey());
        var read = RegistryRecord.Deserialize(record.SerializeKey(), record.SerializeValue());
        var tombstone = RegistryRecord.ForAssociation(s_association, delete: true);

        // Assert
        Assert.Equal("""{"keytype":"ASSOC","tenant":"default","resourceName":"orders","resourceNamespace":"-","resourceType":"topic","associationType":"value","magic":0}""", key);
        Assert.Equal(s_association, read.Association);
        Assert.Null(tombstone.SerializeValue());
        Assert.Equal(record.SerializeKey(), tombstone.SerializeKey());
    }

    [Fact]
    public void State_AssociationAppliedThenDeleted_FoundByAnyNamespaceThenGone()
    {
        // Arrange
        var state = new RegistryState();

        // Act
        state.Apply(RegistryRecord.ForAssociation(s_association));
        var byCluster = state.Associations("orders", "lkc-123", "topic", ["value"]);
        var keys = state.Associations("orders", "-", "topic", ["key"]);
        state.Apply(RegistryRecord.ForAssociation(s_association, delete: true));
        var afterDelete = state.Associations("orders", "-", null, null);

        // Assert
        Assert.Equal(s_association, Assert.Single(byCluster));
        Assert.Empty(keys);
        Assert.Empty(afterDelete);
    }

    [Fact]
    public void State_SchemaWithReference_CanonicalIncludesReferenceAndReferencedByListsIt()
    {
        // Arrange
        var state = new RegistryState();
        var references = new[] { new SchemaReference("com.acme.Address", "address", 1) };

        // Act
        state.Apply(RegistryRecord.ForSchema("address", 1, 1, Address, deleted: false));
        state.Apply(RegistryRecord.ForSchema("person", 1, 2, Person, deleted: false, references: references));
        var person = state.Versions("person").Single();

        // Assert
        Assert.Equal(person.Canonical, state.CanonicalOf(Person, references));
        Assert.Contains("\"city\"", person.Canonical, StringComparison.Ordinal);
        Assert.Equal([2], state.ReferencedBy("address", 1));
        Assert.Empty(state.ReferencedBy("person", 1));
    }

    [Fact]
    public void State_RecordWithoutGuid_GetsTheSameDerivedGuidEverywhere()
    {
        // Arrange
        var one = new RegistryState();
        var other = new RegistryState();

        // Act
        one.Apply(RegistryRecord.ForSchema("a", 1, 1, Address, deleted: false));
        other.Apply(RegistryRecord.ForSchema("b", 4, 1, Address.Replace("\"city\"", " \"city\"", StringComparison.Ordinal), deleted: false));

        // Assert
        var guid = one.Versions("a").Single().Guid;
        Assert.True(Guid.TryParse(guid, out _));
        Assert.Equal(guid, other.Versions("b").Single().Guid);
        Assert.Equal(guid, one.FindByGuid(guid)!.Guid);
    }

    [Fact]
    public void TryReadSchemaIdHeader_IdAndGuidForms_ReadBoth()
    {
        // Arrange
        var guid = Guid.Parse("7b6f1c2e-9a4d-4f3e-8c1b-2d5e6f708192");
        var guidHeader = new byte[17];
        guidHeader[0] = 1;
        guid.TryWriteBytes(guidHeader.AsSpan(1), bigEndian: true, out _);

        // Act
        var idRead = ConfluentWireFormat.TryReadSchemaIdHeader([0, 0, 0, 1, 2], out var id, out var noGuid);
        var guidRead = ConfluentWireFormat.TryReadSchemaIdHeader(guidHeader, out var noId, out var readGuid);
        var junk = ConfluentWireFormat.TryReadSchemaIdHeader([7, 1], out _, out _);

        // Assert
        Assert.True(idRead);
        Assert.Equal((258, (Guid?)null), (id, noGuid));
        Assert.True(guidRead);
        Assert.Equal(((int?)null, guid), (noId, readGuid));
        Assert.False(junk);
    }
}
