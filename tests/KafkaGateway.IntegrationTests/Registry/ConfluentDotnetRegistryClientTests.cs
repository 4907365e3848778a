using System.Net;
using System.Text.Json;
using Confluent.SchemaRegistry;
using static KafkaGateway.IntegrationTests.Registry.RegistryTestHost;

namespace KafkaGateway.IntegrationTests.Registry;

/// <summary>
/// Confluent's own .NET registry client (Confluent.SchemaRegistry 2.16.0) against the gateway's <c>/registry</c> on a
/// real socket, authenticated with an API key over HTTP Basic: the client is the judge of wire compatibility.
/// </summary>
public sealed class ConfluentDotnetRegistryClientTests(ConfluentDotnetClientFixture fixture) : IClassFixture<ConfluentDotnetClientFixture>
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    private const string Address =
        """{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"},{"name":"city","type":"string"}]}""";

    private const string Person =
        """{"type":"record","name":"Person","namespace":"com.acme","fields":[{"name":"name","type":"string"},{"name":"home","type":"com.acme.Address"},{"name":"work","type":["null","com.acme.Address"],"default":null}]}""";

    [Fact]
    public async Task RegisterLookupAndGet_ConfluentClient_AgreeOnIdVersionGuidAndText()
    {
        using var client = fixture.RegistryClient();
        var subject = NewSubject();

        var id = await client.RegisterSchemaAsync(subject, new Schema(Sensor, SchemaType.Avro));
        client.ClearCaches(); // so that the lookup asks the gateway instead of answering from the registration
        var looked = await client.LookupSchemaAsync(subject, new Schema(Sensor, SchemaType.Avro), ignoreDeletedSchemas: true);
        var byId = await client.GetSchemaAsync(id);
        var byVersion = await client.GetRegisteredSchemaAsync(subject, 1);
        var latest = await client.GetLatestSchemaAsync(subject);
        var byGuid = await client.GetSchemaByGuidAsync(looked.Guid);
        var versions = await client.GetSubjectVersionsAsync(subject);
        var subjects = await client.GetAllSubjectsAsync();

        Assert.True(id > 0);
        Assert.Equal((subject, 1, id), (looked.Subject, looked.Version, looked.Id));
        Assert.True(Guid.TryParse(looked.Guid, out _), $"lookup answered guid '{looked.Guid}'");
        Assert.Equal(Sensor, byId.SchemaString);
        Assert.Equal(SchemaType.Avro, byId.SchemaType);
        Assert.Equal((id, 1, Sensor), (byVersion.Id, byVersion.Version, byVersion.SchemaString));
        Assert.Equal((id, 1), (latest.Id, latest.Version));
        Assert.Equal(looked.Guid, latest.Guid);
        Assert.Equal(Sensor, byGuid.SchemaString);
        Assert.Equal([1], versions);
        Assert.Contains(subject, subjects);
    }

    [Fact]
    public async Task RegisterWithResponse_ConfluentClient_AnswersIdVersionAndGuid()
    {
        using var client = fixture.RegistryClient();
        var subject = NewSubject();

        var first = await client.RegisterSchemaWithResponseAsync(subject, new Schema(Sensor, SchemaType.Avro));
        var again = await client.RegisterSchemaWithResponseAsync(NewSubject(), new Schema(Sensor, SchemaType.Avro));

        Assert.True(first.Id > 0);
        Assert.Equal(1, first.Version);
        Assert.True(Guid.TryParse(first.Guid, out _), $"register answered guid '{first.Guid}'");
        // The same schema under another subject keeps its id and its GUID.
        Assert.Equal((first.Id, first.Guid), (again.Id, again.Guid));
    }

    [Fact]
    public async Task Compatibility_ConfluentClient_FollowsTheSubjectLevel()
    {
        using var client = fixture.RegistryClient();
        var subject = NewSubject();
        await client.RegisterSchemaAsync(subject, new Schema(Sensor, SchemaType.Avro));

        var withDefault = await client.IsCompatibleAsync(subject, new Schema(SensorWithUnit, SchemaType.Avro));
        var withoutDefault = await client.IsCompatibleAsync(subject, new Schema(SensorWithRequiredUnit, SchemaType.Avro));
        var set = await client.UpdateCompatibilityAsync(Compatibility.None, subject);
        var level = await client.GetCompatibilityAsync(subject);
        var afterNone = await client.IsCompatibleAsync(subject, new Schema(SensorWithRequiredUnit, SchemaType.Avro));
        var global = await client.GetCompatibilityAsync();

        Assert.True(withDefault);
        Assert.False(withoutDefault);
        Assert.Equal(Compatibility.None, set);
        Assert.Equal(Compatibility.None, level);
        Assert.True(afterNone);
        Assert.Equal(Compatibility.Backward, global);
    }

    [Fact]
    public async Task Errors_ConfluentClient_SeesConfluentErrorCodes()
    {
        using var client = fixture.RegistryClient();
        var subject = NewSubject();
        await client.RegisterSchemaAsync(subject, new Schema(Sensor, SchemaType.Avro));

        var noSubject = await Assert.ThrowsAsync<SchemaRegistryException>(() => client.GetLatestSchemaAsync(NewSubject()));
        var notUnderSubject = await Assert.ThrowsAsync<SchemaRegistryException>(
            () => client.LookupSchemaAsync(subject, new Schema(SensorWithUnit, SchemaType.Avro), ignoreDeletedSchemas: true));
        var noId = await Assert.ThrowsAsync<SchemaRegistryException>(() => client.GetSchemaAsync(int.MaxValue));
        var incompatible = await Assert.ThrowsAsync<SchemaRegistryException>(
            () => client.RegisterSchemaAsync(subject, new Schema(SensorWithRequiredUnit, SchemaType.Avro)));
        var invalid = await Assert.ThrowsAsync<SchemaRegistryException>(
            () => client.RegisterSchemaAsync(NewSubject(), new Schema("""{"type":"record","name":"r","fields":[{"name":"a","type":"nope"}]}""", SchemaType.Avro)));
        var badDefault = await Assert.ThrowsAsync<SchemaRegistryException>(
            () => client.RegisterSchemaAsync(NewSubject(), new Schema("""{"type":"record","name":"r","fields":[{"name":"a","type":"string","default":null}]}""", SchemaType.Avro)));

        Assert.Equal((HttpStatusCode.NotFound, 40401), (noSubject.Status, noSubject.ErrorCode));
        Assert.Equal((HttpStatusCode.NotFound, 40403), (notUnderSubject.Status, notUnderSubject.ErrorCode));
        Assert.Equal((HttpStatusCode.NotFound, 40403), (noId.Status, noId.ErrorCode));
        Assert.Equal((HttpStatusCode.Conflict, 409), (incompatible.Status, incompatible.ErrorCode));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, 42201), (invalid.Status, invalid.ErrorCode));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, 42201), (badDefault.Status, badDefault.ErrorCode));
        Assert.Contains("default", badDefault.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Delete_ThenConfluentClient_SeesSubjectGone()
    {
        // The 2.16 client has no delete call; deletes go over plain HTTP with the same API key.
        using var client = fixture.RegistryClient();
        using var http = fixture.Http();
        var subject = NewSubject();
        await client.RegisterSchemaAsync(subject, new Schema(Sensor, SchemaType.Avro));

        var (status, deleted) = await SendAsync(http, HttpMethod.Delete, $"/registry/subjects/{subject}");
        client.ClearCaches();
        var gone = await Assert.ThrowsAsync<SchemaRegistryException>(() => client.GetSubjectVersionsAsync(subject));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([1], deleted.EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(40401, gone.ErrorCode);
    }

    [Fact]
    public async Task BasicAuth_WrongApiKey_ClientGets401()
    {
        using var client = fixture.RegistryClient($"{ConfluentDotnetClientFixture.KeyName}:not-the-key");

        var refused = await Assert.ThrowsAsync<SchemaRegistryException>(() => client.GetAllSubjectsAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
    }

    [Fact]
    public async Task References_ConfluentClient_RegistersResolvesAndListsReferencedBy()
    {
        using var client = fixture.RegistryClient();
        using var http = fixture.Http();
        var (addressSubject, personSubject) = (NewSubject(), NewSubject());
        var addressId = await client.RegisterSchemaAsync(addressSubject, new Schema(Address, SchemaType.Avro));
        var references = new List<SchemaReference> { new("com.acme.Address", addressSubject, 1) };

        var personId = await client.RegisterSchemaAsync(personSubject, new Schema(Person, references, SchemaType.Avro));
        var person = await client.GetSchemaAsync(personId);
        var looked = await client.LookupSchemaAsync(personSubject, new Schema(Person, references, SchemaType.Avro), ignoreDeletedSchemas: true);
        var (_, referencedBy) = await SendAsync(http, HttpMethod.Get, $"/registry/schemas/ids/{addressId}/referencedby");
        var deleteReferenced = await SendAsync(http, HttpMethod.Delete, $"/registry/subjects/{addressSubject}/versions/1");
        var withoutReferences = await Assert.ThrowsAsync<SchemaRegistryException>(
            () => client.RegisterSchemaAsync(NewSubject(), new Schema(Person, SchemaType.Avro)));

        Assert.NotEqual(addressId, personId);
        var reference = Assert.Single(person.References);
        Assert.Equal(("com.acme.Address", addressSubject, 1), (reference.Name, reference.Subject, reference.Version));
        Assert.Equal(personId, looked.Id);
        Assert.Equal([personId], referencedBy.EnumerateArray().Select(i => i.GetInt32()));
        AssertError(HttpStatusCode.UnprocessableEntity, 42206, deleteReferenced);
        Assert.Equal(42201, withoutReferences.ErrorCode);
    }

    [Fact]
    public async Task Associations_NoneThenCreated_ClientFindsTheSubject()
    {
        using var client = fixture.RegistryClient();
        var topic = $"orders-{Guid.NewGuid():N}";
        var subject = $"custom-{Guid.NewGuid():N}";

        var none = await client.GetAssociationsByResourceNameAsync(topic, "-", "topic", ["value"], null, 0, -1);
        var created = await client.CreateAssociationAsync(new AssociationCreateOrUpdateRequest
        {
            ResourceName = topic,
            ResourceNamespace = "-",
            ResourceId = topic,
            ResourceType = "topic",
            Associations = [new AssociationCreateOrUpdateInfo { Subject = subject, AssociationType = "value", Schema = new Schema(Sensor, SchemaType.Avro) }],
        });
        var found = await client.GetAssociationsByResourceNameAsync(topic, "lkc-any", "topic", ["value"], null, 0, -1);
        var keys = await client.GetAssociationsByResourceNameAsync(topic, "-", "topic", ["key"], null, 0, -1);
        var registered = await client.GetLatestSchemaAsync(subject);
        await client.DeleteAssociationsAsync(topic, "topic", ["value"], cascadeLifecycle: false);
        var afterDelete = await client.GetAssociationsByResourceNameAsync(topic, "-", "topic", ["value"], null, 0, -1);

        Assert.Empty(none);
        Assert.Equal(subject, Assert.Single(created.Associations).Subject);
        var association = Assert.Single(found);
        Assert.Equal((subject, topic, "topic", "value"), (association.Subject, association.ResourceName, association.ResourceType, association.AssociationType));
        Assert.True(Guid.TryParse(association.Guid, out _));
        Assert.Empty(keys);
        Assert.Equal(Sensor, registered.SchemaString);
        Assert.Empty(afterDelete);
    }

    [Fact]
    public async Task Normalize_ConfluentClient_StoresTheCanonicalText()
    {
        using var client = fixture.RegistryClient();
        var subject = NewSubject();
        var spaced = JsonSerializer.Serialize(JsonDocument.Parse(Sensor).RootElement, s_indented);

        var id = await client.RegisterSchemaAsync(subject, new Schema(spaced, SchemaType.Avro), normalize: true);
        var stored = await client.GetRegisteredSchemaAsync(subject, 1);
        var sameId = await client.GetSchemaIdAsync(subject, new Schema(Sensor, SchemaType.Avro), normalize: true);

        Assert.DoesNotContain("\n", stored.SchemaString, StringComparison.Ordinal);
        Assert.Equal(id, sameId);
    }
}
