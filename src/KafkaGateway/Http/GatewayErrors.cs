using System.Reflection;

namespace KafkaGateway.Http;

/// <summary>
/// One failure the gateway answers: its stable ProblemDetails <see cref="Code"/>, HTTP <see cref="Status"/>, fixed
/// <see cref="Title"/> (RFC 9457: the same for every occurrence; the occurrence is described by <c>detail</c>) and the
/// error code REST Proxy v2 clients get for it. Instances exist only in <see cref="GatewayErrors"/>.
/// </summary>
public sealed class GatewayError
{
    internal GatewayError(string code, int status, string title, int? restProxyErrorCode = null, int? retryAfterSeconds = null)
    {
        Code = code;
        Status = status;
        Title = title;
        RetryAfterSeconds = retryAfterSeconds;
        // REST Proxy v2 codes are the HTTP status times 100 plus a detail digit. Only "nothing was written, retry"
        // (503) is the retriable 50003; every other server-side failure is 50002, which clients do not retry as a whole.
        RestProxyErrorCode = restProxyErrorCode ?? status switch
        {
            StatusCodes.Status503ServiceUnavailable => 50003,
            >= 400 and < 500 => status * 100,
            _ => 50002,
        };
    }

    /// <summary>Stable machine-readable code, the ProblemDetails <c>code</c> member, e.g. <c>topic_not_found</c>.</summary>
    public string Code { get; }

    /// <summary>HTTP status code.</summary>
    public int Status { get; }

    /// <summary>Short human summary, the ProblemDetails <c>title</c>.</summary>
    public string Title { get; }

    /// <summary>The REST Proxy v2 <c>error_code</c>; its HTTP status there is this value divided by 100.</summary>
    public int RestProxyErrorCode { get; }

    /// <summary>The HTTP status REST Proxy v2 answers with (<see cref="RestProxyErrorCode"/> / 100).</summary>
    public int RestProxyStatus => RestProxyErrorCode / 100;

    /// <summary>Default <c>Retry-After</c> seconds for a transient failure; an occurrence may set its own.</summary>
    public int? RetryAfterSeconds { get; }

    /// <summary>The exception that answers this error with <paramref name="detail"/>.</summary>
    public GatewayException ToException(string detail, Exception? inner = null) => new(this, detail, inner);

    /// <inheritdoc />
    public override string ToString() => $"{Status} {Code}";
}

/// <summary>
/// The error catalogue: every <c>code</c> the gateway answers, defined once. Code outside this file refers to an entry
/// (<c>GatewayErrors.TopicNotFound.ToException(detail)</c>), never to a code string; README.md lists every entry in
/// its "Errors" table, and <c>GatewayErrorsTests</c> checks both.
/// </summary>
public static class GatewayErrors
{
    // Request shape and HTTP plumbing.

    /// <summary>A malformed HTTP request (framework-level).</summary>
    public static readonly GatewayError BadRequest = new("bad_request", 400, "Bad request");

    /// <summary>Request members fail validation; <c>errors</c> lists every field path.</summary>
    public static readonly GatewayError ValidationFailed = new("validation_failed", 400, "The request is invalid");

    /// <summary>The topic name is not a valid Kafka topic name.</summary>
    public static readonly GatewayError InvalidTopicName = new("invalid_topic_name", 400, "Invalid topic name");

    /// <summary>The Idempotency-Key header is too long.</summary>
    public static readonly GatewayError InvalidIdempotencyKey = new("invalid_idempotency_key", 400, "Invalid Idempotency-Key");

    /// <summary>An Idempotency-Key on an NDJSON stream, which is produced before it could be compared with an earlier one.</summary>
    public static readonly GatewayError IdempotencyNotSupported = new("idempotency_not_supported", 400, "Idempotency-Key is not supported for NDJSON");

    /// <summary>Bare values: <c>?key=</c> with <c>?keyField=</c>, or either of them empty or too long.</summary>
    public static readonly GatewayError InvalidKeySelection = new("invalid_key_selection", 400, "Invalid key selection");

    /// <summary>A resume token (Last-Event-ID, cursor) this gateway did not issue.</summary>
    public static readonly GatewayError InvalidResumeToken = new("invalid_resume_token", 400, "Invalid resume token");

    /// <summary>A resume token issued for another topic.</summary>
    public static readonly GatewayError ResumeTokenTopicMismatch = new("resume_token_topic_mismatch", 400, "Resume token of another topic");

    /// <summary>Kafka refused the request's arguments.</summary>
    public static readonly GatewayError InvalidRequest = new("invalid_request", 400, "Kafka rejected the request");

    /// <summary>Kafka: invalid replication factor.</summary>
    public static readonly GatewayError InvalidReplicationFactor = new("invalid_replication_factor", 400, "Invalid replication factor");

    /// <summary>Kafka: invalid number of partitions.</summary>
    public static readonly GatewayError InvalidPartitions = new("invalid_partitions", 400, "Invalid number of partitions");

    /// <summary>Kafka: invalid replica assignment.</summary>
    public static readonly GatewayError InvalidReplicaAssignment = new("invalid_replica_assignment", 400, "Invalid replica assignment");

    /// <summary>Kafka: invalid topic or broker configuration.</summary>
    public static readonly GatewayError InvalidConfig = new("invalid_config", 400, "Invalid configuration");

    /// <summary>Kafka: the offset is outside the partition's log (also the stream <c>notice</c> reason).</summary>
    public static readonly GatewayError OffsetOutOfRange = new("offset_out_of_range", 400, "Offset out of range");

    // Who may do what.

    /// <summary>No credentials.</summary>
    public static readonly GatewayError Unauthorized = new("unauthorized", 401, "Authentication required");

    /// <summary>Refused credentials (unknown key, bad token).</summary>
    public static readonly GatewayError InvalidCredentials = new("invalid_credentials", 401, "Invalid credentials");

    /// <summary>The principal lacks the permission.</summary>
    public static readonly GatewayError Forbidden = new("forbidden", 403, "Forbidden");

    /// <summary>The registry's topic or an internal (<c>__</c>) topic.</summary>
    public static readonly GatewayError ReservedTopic = new("reserved_topic", 403, "Reserved topic");

    /// <summary>Kafka refused the gateway's identity.</summary>
    public static readonly GatewayError KafkaAuthorizationFailed = new("kafka_authorization_failed", 403, "Kafka refused the gateway's credentials for this operation");

    // What does not exist.

    /// <summary>No such route.</summary>
    public static readonly GatewayError NotFound = new("not_found", 404, "Not found");

    /// <summary>No such topic, on every route (Kafka UNKNOWN_TOPIC_OR_PARTITION included).</summary>
    public static readonly GatewayError TopicNotFound = new("topic_not_found", 404, "Topic not found", restProxyErrorCode: 40401);

    /// <summary>No such partition.</summary>
    public static readonly GatewayError PartitionNotFound = new("partition_not_found", 404, "Partition not found", restProxyErrorCode: 40402);

    /// <summary>No such schema, subject or version.</summary>
    public static readonly GatewayError SchemaNotFound = new("schema_not_found", 404, "Schema not found", restProxyErrorCode: 40403);

    /// <summary>No such consumer group.</summary>
    public static readonly GatewayError GroupNotFound = new("group_not_found", 404, "Consumer group not found");

    /// <summary>No such broker.</summary>
    public static readonly GatewayError BrokerNotFound = new("broker_not_found", 404, "Broker not found");

    /// <summary>The route exists, the method does not.</summary>
    public static readonly GatewayError MethodNotAllowed = new("method_not_allowed", 405, "Method not allowed");

    /// <summary>No representation matches the Accept header.</summary>
    public static readonly GatewayError NotAcceptable = new("not_acceptable", 406, "Not acceptable");

    /// <summary>The request timed out before its body arrived.</summary>
    public static readonly GatewayError RequestTimeout = new("request_timeout", 408, "Request timeout");

    // Conflicts.

    /// <summary>A conflict the gateway has no more specific code for.</summary>
    public static readonly GatewayError Conflict = new("conflict", 409, "Conflict");

    /// <summary>The topic exists.</summary>
    public static readonly GatewayError TopicAlreadyExists = new("topic_already_exists", 409, "The topic already exists");

    /// <summary>The consumer group has active members.</summary>
    public static readonly GatewayError GroupNotEmpty = new("group_not_empty", 409, "The consumer group has active members");

    /// <summary>Kafka is busy with a conflicting operation (reassignment, rebalance).</summary>
    public static readonly GatewayError KafkaConflict = new("kafka_conflict", 409, "Kafka is busy with a conflicting operation", retryAfterSeconds: 5);

    /// <summary>The first request with this Idempotency-Key has no answer yet.</summary>
    public static readonly GatewayError IdempotencyInProgress = new("idempotency_in_progress", 409, "A request with this Idempotency-Key is in progress", retryAfterSeconds: 1);

    // Size and format.

    /// <summary>The request body is above Security:Limits:MaxRequestBodyBytes.</summary>
    public static readonly GatewayError PayloadTooLarge = new("payload_too_large", 413, "Request body too large");

    /// <summary>Kafka refused the record's size.</summary>
    public static readonly GatewayError RecordTooLarge = new("record_too_large", 413, "The record is too large for Kafka");

    /// <summary>The Content-Type is not accepted by the route.</summary>
    public static readonly GatewayError UnsupportedMediaType = new("unsupported_media_type", 415, "Unsupported media type");

    // Content the gateway or Kafka refuses.

    /// <summary>An unprocessable request the gateway has no more specific code for.</summary>
    public static readonly GatewayError UnprocessableEntity = new("unprocessable_entity", 422, "Unprocessable entity");

    /// <summary>Records do not match the schema or the request shape; <c>errors</c> has every JSON path.</summary>
    public static readonly GatewayError InvalidRecords = new("invalid_records", 422, "The request has invalid records", restProxyErrorCode: 42203);

    /// <summary>Kafka refused the record (invalid record, message or timestamp).</summary>
    public static readonly GatewayError InvalidRecord = new("invalid_record", 422, "Kafka refused the record");

    /// <summary>The topic has no value schema and no format that needs none.</summary>
    public static readonly GatewayError NoValueSchema = new("no_value_schema", 422, "The topic has no value schema");

    /// <summary>The subject name strategy cannot derive the value subject without a record name.</summary>
    public static readonly GatewayError SubjectRequired = new("subject_required", 422, "The value subject cannot be derived");

    /// <summary>A schema that is not valid Avro (inline, or the registry's).</summary>
    public static readonly GatewayError InvalidSchema = new("invalid_schema", 422, "The schema is invalid", restProxyErrorCode: 42203);

    /// <summary>The registry refused the inline schema as incompatible.</summary>
    public static readonly GatewayError IncompatibleSchema = new("incompatible_schema", 422, "The schema is incompatible", restProxyErrorCode: 42203);

    /// <summary>The inline schema is not registered and Producer:AutoRegisterSchemas is off.</summary>
    public static readonly GatewayError SchemaNotRegistered = new("schema_not_registered", 422, "The inline schema is not registered", restProxyErrorCode: 42203);

    /// <summary>A produce request registers schemas only under its topic's own subject.</summary>
    public static readonly GatewayError SubjectNotOfTopic = new("subject_not_of_topic", 422, "The subject is not the topic's", restProxyErrorCode: 42203);

    /// <summary>REST Proxy v2: keys sent without key_schema / key_schema_id.</summary>
    public static readonly GatewayError KeySchemaMissing = new("key_schema_missing", 422, "Key schema missing", restProxyErrorCode: 42201);

    /// <summary>REST Proxy v2: values sent without value_schema / value_schema_id.</summary>
    public static readonly GatewayError ValueSchemaMissing = new("value_schema_missing", 422, "Value schema missing", restProxyErrorCode: 42202);

    /// <summary>REST Proxy v2: the embedded format (avro, json, binary) is not the topic's.</summary>
    public static readonly GatewayError EmbeddedFormatMismatch = new("embedded_format_mismatch", 422, "Wrong embedded format", restProxyErrorCode: 42203);

    /// <summary>The Idempotency-Key was used for another request within its window.</summary>
    public static readonly GatewayError IdempotencyKeyReused = new("idempotency_key_reused", 422, "Idempotency-Key reused with a different request");

    /// <summary>Kafka's policy refused the request.</summary>
    public static readonly GatewayError PolicyViolation = new("policy_violation", 422, "The cluster's policy rejected the request");

    /// <summary>Kafka refuses to delete topics.</summary>
    public static readonly GatewayError TopicDeletionDisabled = new("topic_deletion_disabled", 422, "Topic deletion is disabled on the cluster");

    // Limits.

    /// <summary>The client's request rate is above Security:Limits:RequestsPerSecondPerClient.</summary>
    public static readonly GatewayError TooManyRequests = new("too_many_requests", 429, "Too many requests", retryAfterSeconds: 1);

    /// <summary>Streaming:MaxStreams (or per principal) reached.</summary>
    public static readonly GatewayError TooManyStreams = new("too_many_streams", 429, "Too many streams", retryAfterSeconds: 5);

    /// <summary>Streaming:MaxConcurrentBrowses reached.</summary>
    public static readonly GatewayError TooManyBrowses = new("too_many_browses", 429, "Too many browse requests", retryAfterSeconds: 1);

    // The gateway and what it depends on.

    /// <summary>An unexpected failure; the traceId finds it in the logs.</summary>
    public static readonly GatewayError InternalError = new("internal_error", 500, "Internal error");

    /// <summary>Some records of a batch are in Kafka, others are not (or may not be). Never retriable as a whole.</summary>
    public static readonly GatewayError PartiallyPersisted = new("partially_persisted", 500, "Only some records were written");

    /// <summary>A method the gateway does not implement.</summary>
    public static readonly GatewayError NotImplemented = new("not_implemented", 501, "Not implemented");

    /// <summary>The Kafka cluster lacks the operation (version, feature).</summary>
    public static readonly GatewayError NotSupportedByCluster = new("not_supported_by_cluster", 501, "The Kafka cluster does not support this operation");

    /// <summary>The embedded cluster (librdkafka's mock) lacks the operation.</summary>
    public static readonly GatewayError NotSupportedByEmbeddedCluster = new("not_supported_by_embedded_cluster", 501, "Not supported by the embedded cluster");

    /// <summary>An upstream failure the gateway has no more specific code for.</summary>
    public static readonly GatewayError BadGateway = new("bad_gateway", 502, "Bad gateway");

    /// <summary>Kafka reported an error the gateway has no more specific code for.</summary>
    public static readonly GatewayError KafkaError = new("kafka_error", 502, "Kafka reported an error");

    /// <summary>The schema registry refused the request for a reason the gateway has no more specific code for.</summary>
    public static readonly GatewayError SchemaRegistryError = new("schema_registry_error", 502, "The schema registry refused the request");

    /// <summary>Unavailable, nothing more specific known.</summary>
    public static readonly GatewayError ServiceUnavailable = new("service_unavailable", 503, "Service unavailable");

    /// <summary>Kafka did not answer or no broker is reachable; nothing was done.</summary>
    public static readonly GatewayError KafkaUnavailable = new("kafka_unavailable", 503, "Kafka is unavailable", retryAfterSeconds: 5);

    /// <summary>The delivery report says the record was not written; retry.</summary>
    public static readonly GatewayError NotPersisted = new("not_persisted", 503, "The record was not written", retryAfterSeconds: 5);

    /// <summary>The producer's local queue is full; nothing was written.</summary>
    public static readonly GatewayError ProducerQueueFull = new("producer_queue_full", 503, "The producer queue is full", retryAfterSeconds: 1);

    /// <summary>Producer:MaxProducers Kafka identities are in use.</summary>
    public static readonly GatewayError ProducerPoolExhausted = new("producer_pool_exhausted", 503, "Too many Kafka identities", retryAfterSeconds: 5);

    /// <summary>The schema registry did not answer.</summary>
    public static readonly GatewayError SchemaRegistryUnavailable = new("schema_registry_unavailable", 503, "The schema registry is unavailable");

    /// <summary>The gateway is stopping and takes no new records.</summary>
    public static readonly GatewayError ShuttingDown = new("shutting_down", 503, "The gateway is shutting down", retryAfterSeconds: 1);

    /// <summary>Producer:MaxIdempotencyKilobytes of remembered answers reached.</summary>
    public static readonly GatewayError IdempotencyCapacity = new("idempotency_capacity", 503, "Too many remembered Idempotency-Keys");

    /// <summary>An upstream timeout the gateway has no more specific code for.</summary>
    public static readonly GatewayError GatewayTimeout = new("gateway_timeout", 504, "Gateway timeout");

    /// <summary>Kafka did not answer an admin or metadata request in time.</summary>
    public static readonly GatewayError KafkaTimeout = new("kafka_timeout", 504, "Kafka did not answer in time", retryAfterSeconds: 5);

    /// <summary>No delivery report within Producer:DeliveryTimeoutMilliseconds: the record may have been written.</summary>
    public static readonly GatewayError DeliveryTimeout = new("delivery_timeout", 504, "The record may have been written");

    /// <summary>The delivery report says possibly persisted: the record may have been written.</summary>
    public static readonly GatewayError DeliveryUnknown = new("delivery_unknown", 504, "The record may have been written");

    private static readonly Lazy<IReadOnlyList<GatewayError>> s_all = new(() => typeof(GatewayErrors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(GatewayError))
        .Select(f => (GatewayError)f.GetValue(null)!)
        .ToArray());

    private static readonly Lazy<Dictionary<string, GatewayError>> s_byCode = new(() => All.ToDictionary(e => e.Code, StringComparer.Ordinal));

    // The answer for a status the framework sets itself (404 route, 405, 415, status-code pages).
    private static readonly Lazy<Dictionary<int, GatewayError>> s_byStatus = new(() => new GatewayError[]
    {
        BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, NotAcceptable, RequestTimeout, Conflict, PayloadTooLarge,
        UnsupportedMediaType, UnprocessableEntity, TooManyRequests, InternalError, NotImplemented, BadGateway, ServiceUnavailable,
        GatewayTimeout,
    }.ToDictionary(e => e.Status));

    /// <summary>Every entry of the catalogue.</summary>
    public static IReadOnlyList<GatewayError> All => s_all.Value;

    /// <summary>The entry of <paramref name="code"/>, or null.</summary>
    public static GatewayError? Find(string code) => s_byCode.Value.GetValueOrDefault(code);

    /// <summary>The generic entry of an HTTP status (e.g. 405 <c>method_not_allowed</c>); 4xx/5xx fall back to 400/500.</summary>
    public static GatewayError ForStatus(int status) =>
        s_byStatus.Value.GetValueOrDefault(status) ?? (status is >= 400 and < 500 ? BadRequest : InternalError);
}
