using KafkaGateway.Security;
using Microsoft.AspNetCore.Mvc;

namespace KafkaGateway.Schemas.Registry;

/// <summary>
/// The Confluent Schema Registry REST API under <c>/registry</c>, served by the gateway's built-in registry when
/// <c>SchemaRegistry:Url</c> is empty (otherwise <c>/registry</c> is forwarded to that registry). Confluent's
/// clients work against <c>https://gateway/registry</c> unchanged: same paths, bodies, status codes and error
/// bodies (<c>{"error_code":40401,"message":"…"}</c>). AVRO schemas only.
/// </summary>
[Route("registry")]
[ConfluentErrors]
[Produces(RegistryMediaTypes.V1, RegistryMediaTypes.Unversioned, RegistryMediaTypes.Json)]
[ProducesResponseType<RegistryError>(StatusCodes.Status500InternalServerError)]
public sealed class RegistryController(BuiltInSchemaRegistry registry) : ControllerBase
{
    private static readonly string[] s_schemaTypes = ["AVRO"];

    /// <summary>Lists the subjects.</summary>
    /// <param name="deleted">Also list soft-deleted subjects.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">Subject names, sorted.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpGet("subjects")]
    [ProducesResponseType<string[]>(StatusCodes.Status200OK)]
    public async Task<IActionResult> ListSubjects([FromQuery] bool deleted, CancellationToken cancellationToken) =>
        Answer(await registry.ListSubjectsAsync(deleted, cancellationToken));

    /// <summary>Lists a subject's versions.</summary>
    /// <param name="subject">The subject, e.g. <c>sensors-value</c>.</param>
    /// <param name="deleted">Also list soft-deleted versions.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">Version numbers, oldest first.</response>
    /// <response code="404">40401 subject not found.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpGet("subjects/{subject}/versions")]
    [ProducesResponseType<int[]>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> ListVersions(string subject, [FromQuery] bool deleted, CancellationToken cancellationToken) =>
        Answer(await registry.ListVersionsAsync(subject, deleted, cancellationToken));

    /// <summary>Registers a schema under a subject and returns its global id.</summary>
    /// <remarks>
    /// A topic's value schema is registered under the subject <c>{topic}-value</c> (its key schema under
    /// <c>{topic}-key</c>), which is where Confluent serializers and the gateway's produce endpoint look. For example,
    /// for topic <c>sensors</c>:
    ///
    ///     POST /registry/subjects/sensors-value/versions
    ///     Content-Type: application/vnd.schemaregistry.v1+json
    ///
    ///     {"schema": "{\"type\":\"record\",\"name\":\"sensor\",\"fields\":[{\"name\":\"timestamp\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"value\",\"type\":\"double\"}]}"}
    ///
    /// answers <c>{"id":1}</c>. Registering the same schema again under the subject returns the same id without a
    /// new version; the same schema under another subject keeps its id and gets a version there. A new version must
    /// be compatible with the subject's versions under its compatibility level (default BACKWARD), else 409.
    /// </remarks>
    /// <param name="subject">The subject, e.g. <c>sensors-value</c>.</param>
    /// <param name="request">The schema; <c>schemaType</c> may be omitted (AVRO); <c>references</c> name types from other subjects.</param>
    /// <param name="normalize">Store the schema in canonical form (whitespace, attribute order and name forms normalized).</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The schema's global id, its version in the subject and its GUID.</response>
    /// <response code="409">The schema is incompatible with the subject's versions.</response>
    /// <response code="422">42201 invalid schema (the Avro parser's message included, also for a default that does not fit its type or an unregistered reference), or a schema type other than AVRO.</response>
    [GatewayAccess(GatewayPermission.SchemasWrite, TopicFrom = "subject")]
    [HttpPost("subjects/{subject}/versions")]
    [Consumes(RegistryMediaTypes.V1, RegistryMediaTypes.Unversioned, RegistryMediaTypes.Json)]
    [ProducesResponseType<RegisteredSchemaId>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status409Conflict)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status422UnprocessableEntity)]
    public async Task<IActionResult> Register(
        string subject, [FromBody] RegistrySchemaRequest? request, [FromQuery] bool normalize, CancellationToken cancellationToken)
    {
        var stored = await registry.RegisterSchemaAsync(subject, request?.Schema ?? "", request?.SchemaType, cancellationToken, request?.References, normalize);
        return Answer(new RegisteredSchemaId(stored.Id, stored.Version, stored.Guid));
    }

    /// <summary>Gets a version of a subject.</summary>
    /// <param name="subject">The subject.</param>
    /// <param name="version">A version number, <c>latest</c> or -1.</param>
    /// <param name="deleted">Also find a soft-deleted version.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The version (schemaType omitted for AVRO).</response>
    /// <response code="404">40401 subject or 40402 version not found.</response>
    /// <response code="422">42202 invalid version.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpGet("subjects/{subject}/versions/{version}")]
    [ProducesResponseType<SubjectVersion>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status422UnprocessableEntity)]
    public async Task<IActionResult> GetVersion(string subject, string version, [FromQuery] bool deleted, CancellationToken cancellationToken) =>
        Answer(ToContract(await registry.GetVersionAsync(subject, version, deleted, cancellationToken)));

    /// <summary>Gets only the schema text of a version.</summary>
    /// <param name="subject">The subject.</param>
    /// <param name="version">A version number, <c>latest</c> or -1.</param>
    /// <param name="deleted">Also find a soft-deleted version.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The schema itself (JSON).</response>
    /// <response code="404">40401 subject or 40402 version not found.</response>
    /// <response code="422">42202 invalid version.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpGet("subjects/{subject}/versions/{version}/schema")]
    [ProducesResponseType<object>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status422UnprocessableEntity)]
    public async Task<IActionResult> GetVersionSchema(string subject, string version, [FromQuery] bool deleted, CancellationToken cancellationToken) =>
        Raw((await registry.GetVersionAsync(subject, version, deleted, cancellationToken)).Schema);

    /// <summary>Deletes a version: soft by default, permanently with <c>permanent=true</c> after a soft delete.</summary>
    /// <param name="subject">The subject.</param>
    /// <param name="version">A version number, <c>latest</c> or -1.</param>
    /// <param name="permanent">Remove the soft-deleted version for good (its id is then unknown unless used elsewhere).</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The deleted version number.</response>
    /// <response code="404">40401, 40402, 40406 already soft-deleted, 40407 not soft-deleted before a permanent delete.</response>
    /// <response code="422">42202 invalid version.</response>
    [GatewayAccess(GatewayPermission.SchemasWrite, TopicFrom = "subject")]
    [HttpDelete("subjects/{subject}/versions/{version}")]
    [ProducesResponseType<int>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status422UnprocessableEntity)]
    public async Task<IActionResult> DeleteVersion(string subject, string version, [FromQuery] bool permanent, CancellationToken cancellationToken) =>
        Answer(await registry.DeleteVersionAsync(subject, version, permanent, cancellationToken));

    /// <summary>Looks up whether a schema is registered under a subject.</summary>
    /// <param name="subject">The subject.</param>
    /// <param name="request">The schema to look up, with its references.</param>
    /// <param name="deleted">Also match soft-deleted versions.</param>
    /// <param name="normalize">Accepted for Confluent's clients; the built-in registry always compares canonical forms.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The matching version with its id.</response>
    /// <response code="404">40401 subject not found, 40403 schema not registered under the subject.</response>
    /// <response code="422">42201 invalid schema.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpPost("subjects/{subject}")]
    [Consumes(RegistryMediaTypes.V1, RegistryMediaTypes.Unversioned, RegistryMediaTypes.Json)]
    [ProducesResponseType<SubjectVersion>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status422UnprocessableEntity)]
    public async Task<IActionResult> Lookup(
        string subject, [FromBody] RegistrySchemaRequest? request, [FromQuery] bool deleted, [FromQuery] bool normalize, CancellationToken cancellationToken)
    {
        _ = normalize;
        return Answer(ToContract(await registry.FindRegistrationAsync(
            subject, request?.Schema ?? "", request?.SchemaType, deleted, cancellationToken, request?.References)));
    }

    /// <summary>Deletes a subject: soft by default, permanently with <c>permanent=true</c> after a soft delete.</summary>
    /// <param name="subject">The subject.</param>
    /// <param name="permanent">Remove the soft-deleted subject for good.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The deleted version numbers.</response>
    /// <response code="404">40401, 40404 already soft-deleted, 40405 not soft-deleted before a permanent delete.</response>
    [GatewayAccess(GatewayPermission.SchemasWrite, TopicFrom = "subject")]
    [HttpDelete("subjects/{subject}")]
    [ProducesResponseType<int[]>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> DeleteSubject(string subject, [FromQuery] bool permanent, CancellationToken cancellationToken) =>
        Answer(await registry.DeleteSubjectAsync(subject, permanent, cancellationToken));

    /// <summary>Gets a schema by its global id (also when its versions are soft-deleted).</summary>
    /// <param name="id">The global id, as in the Confluent wire format.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The schema.</response>
    /// <response code="404">40403 schema not found.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpGet("schemas/ids/{id:int}")]
    [ProducesResponseType<SchemaById>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> GetSchemaById(int id, CancellationToken cancellationToken)
    {
        var stored = await registry.GetByIdAsync(id, cancellationToken);
        return Answer(new SchemaById(stored.Schema, SchemaTypeOrNull(stored.SchemaType), ReferencesOrNull(stored), stored.Guid));
    }

    /// <summary>Gets a schema by its GUID (the id in the <c>__value_schema_id</c> header form of Confluent's 2.16 serializers).</summary>
    /// <param name="guid">The schema's GUID, as register and lookup answer it.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The schema.</response>
    /// <response code="404">40403 schema not found.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpGet("schemas/guids/{guid}")]
    [ProducesResponseType<SchemaById>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> GetSchemaByGuid(string guid, CancellationToken cancellationToken)
    {
        var stored = await registry.GetByGuidAsync(guid, cancellationToken);
        return Answer(new SchemaById(stored.Schema, SchemaTypeOrNull(stored.SchemaType), ReferencesOrNull(stored), stored.Guid));
    }

    /// <summary>Lists the ids of the schemas that reference schema <paramref name="id"/> (through any of its registrations).</summary>
    /// <param name="id">The global id.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">Ids, ascending; empty when nothing references it.</response>
    /// <response code="404">40403 schema not found.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpGet("schemas/ids/{id:int}/referencedby")]
    [ProducesResponseType<int[]>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> GetSchemaReferencedBy(int id, CancellationToken cancellationToken) =>
        Answer(await registry.ReferencedByIdAsync(id, cancellationToken));

    /// <summary>Lists the ids of the schemas that reference a version of a subject.</summary>
    /// <param name="subject">The subject.</param>
    /// <param name="version">A version number, <c>latest</c> or -1.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">Ids, ascending; empty when nothing references it.</response>
    /// <response code="404">40401 subject or 40402 version not found.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpGet("subjects/{subject}/versions/{version}/referencedby")]
    [ProducesResponseType<int[]>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> GetVersionReferencedBy(string subject, string version, CancellationToken cancellationToken) =>
        Answer(await registry.ReferencedByVersionAsync(subject, version, cancellationToken));

    /// <summary>Gets only the schema text of a global id.</summary>
    /// <param name="id">The global id.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The schema itself (JSON).</response>
    /// <response code="404">40403 schema not found.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpGet("schemas/ids/{id:int}/schema")]
    [ProducesResponseType<object>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> GetRawSchemaById(int id, CancellationToken cancellationToken) =>
        Raw((await registry.GetByIdAsync(id, cancellationToken)).Schema);

    /// <summary>Lists the (subject, version) registrations of a global id.</summary>
    /// <param name="id">The global id.</param>
    /// <param name="deleted">Also list soft-deleted versions.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The registrations.</response>
    /// <response code="404">40403 schema not found.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpGet("schemas/ids/{id:int}/versions")]
    [ProducesResponseType<SubjectVersionPair[]>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> GetSchemaRegistrations(int id, [FromQuery] bool deleted, CancellationToken cancellationToken) =>
        Answer((await registry.RegistrationsOfAsync(id, deleted, cancellationToken)).Select(v => new SubjectVersionPair(v.Subject, v.Version)).ToList());

    /// <summary>Lists the schema types this registry supports: AVRO.</summary>
    /// <response code="200"><c>["AVRO"]</c>.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpGet("schemas/types")]
    [ProducesResponseType<string[]>(StatusCodes.Status200OK)]
    public IActionResult GetSchemaTypes() => Answer(s_schemaTypes);

    /// <summary>Gets the global compatibility level.</summary>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200"><c>{"compatibilityLevel":"BACKWARD"}</c>.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpGet("config")]
    [ProducesResponseType<CompatibilityConfig>(StatusCodes.Status200OK)]
    public async Task<IActionResult> GetGlobalConfig(CancellationToken cancellationToken) =>
        Answer(new CompatibilityConfig(await registry.GetGlobalCompatibilityAsync(cancellationToken)));

    /// <summary>Sets the global compatibility level.</summary>
    /// <param name="request">e.g. <c>{"compatibility":"FULL"}</c>.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The level set, echoed.</response>
    /// <response code="422">42203 invalid compatibility level.</response>
    [GatewayAccess(GatewayPermission.SchemasWrite, Global = true)]
    [HttpPut("config")]
    [Consumes(RegistryMediaTypes.V1, RegistryMediaTypes.Unversioned, RegistryMediaTypes.Json)]
    [ProducesResponseType<CompatibilityUpdate>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status422UnprocessableEntity)]
    public async Task<IActionResult> SetGlobalConfig([FromBody] CompatibilityUpdate? request, CancellationToken cancellationToken) =>
        Answer(new CompatibilityUpdate { Compatibility = await registry.SetCompatibilityAsync(null, request?.Compatibility, cancellationToken) });

    /// <summary>Gets a subject's compatibility level.</summary>
    /// <param name="subject">The subject.</param>
    /// <param name="defaultToGlobal">Answer the global level when the subject has none.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200"><c>{"compatibilityLevel":"FULL"}</c>.</response>
    /// <response code="404">40408 the subject has no subject-level compatibility.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpGet("config/{subject}")]
    [ProducesResponseType<CompatibilityConfig>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> GetSubjectConfig(string subject, [FromQuery] bool defaultToGlobal, CancellationToken cancellationToken) =>
        Answer(new CompatibilityConfig(await registry.GetSubjectCompatibilityAsync(subject, defaultToGlobal, cancellationToken)));

    /// <summary>Sets a subject's compatibility level (the subject need not exist yet).</summary>
    /// <param name="subject">The subject.</param>
    /// <param name="request">e.g. <c>{"compatibility":"NONE"}</c>.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The level set, echoed.</response>
    /// <response code="422">42203 invalid compatibility level.</response>
    [GatewayAccess(GatewayPermission.SchemasWrite, TopicFrom = "subject")]
    [HttpPut("config/{subject}")]
    [Consumes(RegistryMediaTypes.V1, RegistryMediaTypes.Unversioned, RegistryMediaTypes.Json)]
    [ProducesResponseType<CompatibilityUpdate>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status422UnprocessableEntity)]
    public async Task<IActionResult> SetSubjectConfig(string subject, [FromBody] CompatibilityUpdate? request, CancellationToken cancellationToken) =>
        Answer(new CompatibilityUpdate { Compatibility = await registry.SetCompatibilityAsync(subject, request?.Compatibility, cancellationToken) });

    /// <summary>Removes a subject's compatibility level; the subject then follows the global level.</summary>
    /// <param name="subject">The subject.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The removed level.</response>
    /// <response code="404">40408 the subject has no subject-level compatibility.</response>
    [GatewayAccess(GatewayPermission.SchemasWrite, TopicFrom = "subject")]
    [HttpDelete("config/{subject}")]
    [ProducesResponseType<CompatibilityConfig>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> DeleteSubjectConfig(string subject, CancellationToken cancellationToken) =>
        Answer(new CompatibilityConfig(await registry.DeleteSubjectCompatibilityAsync(subject, cancellationToken)));

    /// <summary>Tests a schema against one version of a subject (a number or <c>latest</c>) under the subject's compatibility level.</summary>
    /// <remarks>Only the named version is checked, also under a transitive level, as Confluent does; <c>POST /compatibility/subjects/{subject}/versions</c> checks what registration checks.</remarks>
    /// <param name="subject">The subject.</param>
    /// <param name="version">A version number, <c>latest</c> or -1.</param>
    /// <param name="request">The candidate schema.</param>
    /// <param name="verbose">Add the reasons (<c>messages</c>).</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200"><c>{"is_compatible":true}</c>.</response>
    /// <response code="404">40401 subject or 40402 version not found.</response>
    /// <response code="422">42201 invalid schema (also a default that does not fit its type), 42202 invalid version.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpPost("compatibility/subjects/{subject}/versions/{version}")]
    [Consumes(RegistryMediaTypes.V1, RegistryMediaTypes.Unversioned, RegistryMediaTypes.Json)]
    [ProducesResponseType<CompatibilityCheck>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status422UnprocessableEntity)]
    public async Task<IActionResult> TestCompatibility(
        string subject, string version, [FromBody] RegistrySchemaRequest? request, [FromQuery] bool verbose, CancellationToken cancellationToken)
    {
        var result = await registry.TestCompatibilityAsync(subject, version, request?.Schema ?? "", request?.SchemaType, cancellationToken, request?.References);
        return Answer(new CompatibilityCheck(result.IsCompatible, verbose ? result.Messages : null));
    }

    /// <summary>Tests whether a schema could be registered under a subject: against the versions registration checks (the latest, or all for transitive levels).</summary>
    /// <param name="subject">The subject.</param>
    /// <param name="request">The candidate schema.</param>
    /// <param name="verbose">Add the reasons (<c>messages</c>).</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200"><c>{"is_compatible":true}</c>; also when the subject has no versions yet.</response>
    /// <response code="422">42201 invalid schema (also a default that does not fit its type).</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpPost("compatibility/subjects/{subject}/versions")]
    [Consumes(RegistryMediaTypes.V1, RegistryMediaTypes.Unversioned, RegistryMediaTypes.Json)]
    [ProducesResponseType<CompatibilityCheck>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status422UnprocessableEntity)]
    public async Task<IActionResult> TestCompatibilityWithSubject(
        string subject, [FromBody] RegistrySchemaRequest? request, [FromQuery] bool verbose, CancellationToken cancellationToken)
    {
        var result = await registry.TestCompatibilityAsync(subject, null, request?.Schema ?? "", request?.SchemaType, cancellationToken, request?.References);
        return Answer(new CompatibilityCheck(result.IsCompatible, verbose ? result.Messages : null));
    }

    /// <summary>Lists the subjects a resource (a topic) is associated with, as Confluent's 2.16 serializers look them up.</summary>
    /// <remarks>Answers <c>[]</c> when the topic has none; the serializers then fall back to <c>{topic}-value</c>.</remarks>
    /// <param name="resourceNamespace">The Kafka cluster id, or <c>-</c> for any.</param>
    /// <param name="resourceName">The topic.</param>
    /// <param name="resourceType">topic.</param>
    /// <param name="associationType">value and/or key (repeatable).</param>
    /// <param name="offset">Skip this many.</param>
    /// <param name="limit">At most this many (-1: all).</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The associations.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpGet("associations/resources/{resourceNamespace}/{resourceName}")]
    [ProducesResponseType<AssociationAnswer[]>(StatusCodes.Status200OK)]
    public async Task<IActionResult> GetAssociations(
        string resourceNamespace, string resourceName, [FromQuery] string? resourceType, [FromQuery] string[]? associationType,
        [FromQuery] int offset, [FromQuery] int limit = -1, CancellationToken cancellationToken = default)
    {
        var found = await registry.GetAssociationsAsync(resourceName, resourceNamespace, resourceType, associationType, cancellationToken);
        var page = found.Skip(Math.Max(0, offset));
        return Answer((limit >= 0 ? page.Take(limit) : page).Select(AssociationAnswer.From).ToList());
    }

    /// <summary>Lists the associations that point at a subject.</summary>
    /// <param name="subject">The subject.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The associations; <c>[]</c> when none.</response>
    [GatewayAccess(AccessKind.Authenticated)]
    [HttpGet("associations/subjects/{subject}")]
    [ProducesResponseType<AssociationAnswer[]>(StatusCodes.Status200OK)]
    public async Task<IActionResult> GetSubjectAssociations(string subject, CancellationToken cancellationToken) =>
        Answer((await registry.GetSubjectAssociationsAsync(subject, cancellationToken)).Select(AssociationAnswer.From).ToList());

    /// <summary>Associates a topic's values and/or keys with subjects (registering a schema with each first, when given).</summary>
    /// <param name="request">The resource and its associations.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="200">The associations created (or already there with the same subject).</response>
    /// <response code="409">40911 the topic's values (or keys) are associated with another subject; 409 an incompatible schema.</response>
    /// <response code="422">42212 invalid association, 42201 invalid schema.</response>
    // The topic is in the body, and an association decides which subject a topic's records are checked against.
    [GatewayAccess(GatewayPermission.SchemasWrite, Global = true)]
    [HttpPost("associations")]
    [Consumes(RegistryMediaTypes.V1, RegistryMediaTypes.Unversioned, RegistryMediaTypes.Json)]
    [ProducesResponseType<AssociationCreateAnswer>(StatusCodes.Status200OK)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status409Conflict)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status422UnprocessableEntity)]
    public async Task<IActionResult> CreateAssociations([FromBody] AssociationCreateRequest? request, CancellationToken cancellationToken)
    {
        var resourceType = string.IsNullOrWhiteSpace(request?.ResourceType) ? "topic" : request.ResourceType;
        var ns = string.IsNullOrWhiteSpace(request?.ResourceNamespace) ? RegistryAssociation.AnyNamespace : request.ResourceNamespace;
        var created = await registry.CreateAssociationsAsync(
            request?.ResourceName ?? "", ns, request?.ResourceId, resourceType, request?.Associations ?? [], cancellationToken);
        return Answer(new AssociationCreateAnswer(request!.ResourceName!, ns, request.ResourceId, resourceType,
            created.Select(c => new AssociationInfoAnswer(c.Association.Subject, c.Association.AssociationType, c.Association.Lifecycle,
                c.Association.Frozen, c.Schema is null ? null : ToContract(c.Schema))).ToList()));
    }

    /// <summary>Deletes the associations of a resource by its id.</summary>
    /// <param name="resourceId">The resource id given when the association was created.</param>
    /// <param name="resourceType">topic.</param>
    /// <param name="associationType">value and/or key (repeatable); all when omitted.</param>
    /// <param name="cancellationToken">Aborted request.</param>
    /// <response code="204">Deleted.</response>
    /// <response code="404">40410 no association of that resource.</response>
    [GatewayAccess(GatewayPermission.SchemasWrite, Global = true)]
    [HttpDelete("associations/resources/{resourceId}")]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<RegistryError>(StatusCodes.Status404NotFound)]
    public async Task<IActionResult> DeleteAssociations(
        string resourceId, [FromQuery] string? resourceType, [FromQuery] string[]? associationType, CancellationToken cancellationToken)
    {
        await registry.DeleteAssociationsAsync(resourceId, resourceType, associationType, cancellationToken);
        return NoContent();
    }

    private ContentResult Answer(object body) => ConfluentErrorsAttribute.Answer(HttpContext, StatusCodes.Status200OK, body);

    private ContentResult Raw(string schema) => new()
    {
        StatusCode = StatusCodes.Status200OK,
        ContentType = RegistryMediaTypes.Negotiate(Request),
        Content = schema,
    };

    private static SubjectVersion ToContract(StoredVersion v) =>
        new(v.Subject, v.Id, v.Version, SchemaTypeOrNull(v.SchemaType), v.Schema, ReferencesOrNull(v), v.Guid);

    private static IReadOnlyList<SchemaReference>? ReferencesOrNull(StoredVersion v) => v.References is { Count: > 0 } r ? r : null;

    private static string? SchemaTypeOrNull(string schemaType) =>
        string.Equals(schemaType, "AVRO", StringComparison.Ordinal) ? null : schemaType;
}
