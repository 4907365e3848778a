using KafkaGateway.Security;
using FluentValidation;
using KafkaGateway.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Streaming;

/// <summary>Reading topics over HTTP: live server-sent event streams and paged browsing.</summary>
[ApiController]
[Route("topics/{topic}")]
public sealed class TopicStreamController(
    StreamHub hub, EventStreamResponder responder, RecordBrowser browser, RecordDecoder decoder, TopicPartitionLookup lookup,
    IValidator<StreamQuery> streamValidator, IValidator<BrowseQuery> browseValidator, IOptions<StreamingOptions> options,
    ILogger<TopicStreamController> logger)
    : ControllerBase
{
    private const int DefaultBrowseLimit = 20;

    /// <summary>Streams the records of a topic as server-sent events.</summary>
    /// <remarks>
    /// Each record is one <c>event: record</c> whose <c>id</c> is a resume token and whose <c>data</c> is one line of JSON:
    ///
    ///     retry: 3000
    ///
    ///     event: record
    ///     id: AQzN9tQ0dKtwAwABAgEDAQ
    ///     data: {"topic":"orders","partition":0,"offset":41,"timestamp":1767225600000,"key":"order-7","headers":{"tenant":"acme"},"value":{"id":7,"total":"12.50"},"valueSchemaId":3}
    ///
    ///     : heartbeat
    ///
    /// Values are decoded by the topic's format: Avro (Confluent wire format) as natural JSON, json topics as the JSON,
    /// string topics as a JSON string, binary topics as base64. Keys and header values are UTF-8 text, or base64 when
    /// the bytes are not valid UTF-8.
    ///
    /// Other events: <c>error</c> (a record that cannot be decoded, <c>{partition, offset, reason, detail, valueBase64}</c>,
    /// or <c>{"reason":"kafka_unavailable"}</c> while Kafka is unreachable; the stream goes on), <c>notice</c>
    /// (<c>offset_out_of_range</c>: a resumed partition's offset was below the log start or beyond its end and it
    /// restarted at <c>resumedAt</c>; <c>topic_recreated</c>: the token was made on a topic of this name that has since
    /// been deleted and created again, told by the topic id in the token, and the stream reads the new topic from its
    /// earliest offsets), <c>overflow</c> (the client read too slowly; <c>{"resumeToken"}</c>, then the
    /// stream ends) and <c>end</c> (<c>{"resumeToken","reason"}</c>: <c>until_end</c>, or <c>shutdown</c> when the gateway stops).
    ///
    /// **Caught up.** Every stream sends one <c>event: caught-up</c> once it has delivered everything up to the end
    /// offsets it saw when it started (at once for <c>from=latest</c>); its <c>data</c> is
    /// <c>{"resumeToken","endOffsets":{"0":20,"1":19}}</c>. With <c>until=end</c> the stream ends there: <c>event: end</c>
    /// with <c>"reason":"until_end"</c>, then the response completes, so "Try it out" here shows the events, and a
    /// script dumps a topic with
    ///
    ///     curl -N 'https://gateway:8443/topics/orders/stream?from=earliest&amp;until=end'
    ///
    ///     event: record
    ///     id: AQzN9tQ0dKtwAwABAgEDAQ
    ///     data: {"topic":"orders","partition":0,"offset":0,...}
    ///
    ///     event: caught-up
    ///     id: AQzN9tQ0dKtwAwABAgEDAQ
    ///     data: {"resumeToken":"AQzN9tQ0dKtwAwABAgEDAQ","endOffsets":{"0":1}}
    ///
    ///     event: end
    ///     id: AQzN9tQ0dKtwAwABAgEDAQ
    ///     data: {"resumeToken":"AQzN9tQ0dKtwAwABAgEDAQ","reason":"until_end"}
    ///
    /// The last <c>id</c> continues from there later (<c>lastEventId=</c>, with or without <c>until=end</c>).
    ///
    /// **Consumer groups, at least once.** <c>group=billing</c> starts at the committed offsets of group <c>billing</c>
    /// (partitions without one start at <c>from</c>: <c>latest</c> by default, or <c>earliest</c>), and
    /// <c>POST /consumer-groups/billing/commits</c> with <c>{"topic","resumeToken"}</c> (the <c>id</c> of the last processed
    /// event) commits exactly those offsets. The gateway keeps nothing and never joins the group, so any replica serves
    /// the next stream; a Kafka consumer of the group starts where the HTTP client committed.
    ///
    ///     curl -N 'https://gateway:8443/topics/orders/stream?group=billing&amp;from=earliest'
    ///
    /// Reconnecting with the last <c>id</c> as <c>Last-Event-ID</c> (browsers' EventSource does it) or <c>?lastEventId=</c>
    /// continues with no gap and no duplicate on any gateway replica, even after a restart. Partitions added to the topic
    /// after the token was made are read from their earliest offset.
    ///
    ///     curl -N 'https://gateway:8443/topics/orders/stream?from=earliest&amp;header=tenant:acme'
    /// </remarks>
    /// <param name="topic">The topic.</param>
    /// <param name="from"><c>latest</c> (default: only new records), <c>earliest</c>, or an ISO-8601 time, e.g. <c>2026-01-31T12:00:00Z</c>.</param>
    /// <param name="partitions">Only these partitions, comma-separated, e.g. <c>0,2</c>.</param>
    /// <param name="key">Only records whose key (as text, see above) is exactly this.</param>
    /// <param name="header">Only records with this header, <c>name:value</c>; repeat for several (all must match).</param>
    /// <param name="group">Start at this consumer group's committed offsets (<c>from</c> where none); a resume token wins.</param>
    /// <param name="until"><c>end</c>: end the stream once it has caught up (see above); absent: stay open for new records.</param>
    /// <param name="lastEventId">Resume token, for clients that cannot send the <c>Last-Event-ID</c> header.</param>
    /// <param name="lastEventIdHeader">Resume token sent by EventSource on reconnect; wins over <c>from</c>.</param>
    /// <param name="cancellationToken">Request aborted.</param>
    /// <response code="200">The event stream (<c>text/event-stream</c>), open until the client leaves, or until caught up with <c>until=end</c>.</response>
    /// <response code="400">Invalid query, or a malformed resume token (<c>invalid_resume_token</c>) or one for another topic (<c>resume_token_topic_mismatch</c>).</response>
    /// <response code="404">The topic does not exist (<c>topic_not_found</c>).</response>
    /// <response code="429">Too many open streams, overall or for this client, or too many stream consumers (<c>Streaming:MaxConsumers</c>) (<c>too_many_streams</c>); see Retry-After.</response>
    /// <response code="503">Kafka did not answer (<c>kafka_unavailable</c>).</response>
    [GatewayAccess(GatewayPermission.Consume)]
    [HttpGet("stream")]
    [ProducesResponseType<StreamRecord>(StatusCodes.Status200OK, "text/event-stream")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status429TooManyRequests, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable, "application/problem+json")]
    public async Task Stream(
        string topic,
        [FromQuery] string? from,
        [FromQuery] string? partitions,
        [FromQuery] string? key,
        [FromQuery] string[]? header,
        [FromQuery] string? group,
        [FromQuery] string? until,
        [FromQuery] string? lastEventId,
        [FromHeader(Name = "Last-Event-ID")] string? lastEventIdHeader,
        CancellationToken cancellationToken)
    {
        var query = new StreamQuery(from, partitions, key, header ?? [], lastEventIdHeader ?? lastEventId, until, group);
        await streamValidator.ValidateAndThrowProblemAsync(query, cancellationToken);
        var start = string.IsNullOrEmpty(query.LastEventId) ? query.ParseStart() : new TokenStart(ParseToken(topic, query.LastEventId));

        // Both at once: the topic id is one more metadata round trip (to the controller), asked of Kafka for every stream
        // so that a token of a topic deleted and created again since is recognised, and new tokens carry the id.
        var topicIdLookup = lookup.GetTopicIdAsync(topic, cancellationToken);
        var topicPartitions = await lookup.GetPartitionsAsync(topic, cancellationToken);
        var topicId = await topicIdLookup;
        if (start is TokenStart resumed && resumed.Token.IsOfRecreatedTopic(topicId))
        {
            StreamingLog.TopicRecreated(logger, topic, resumed.Token.TopicId!.Value, topicId!.Value);
            start = resumed with { TopicRecreated = true };
        }

        var filter = new StreamFilter(query.ParsePartitions(), query.Key, query.ParseHeaders());
        RequireExisting(filter.Partitions, topicPartitions, "partitions");
        var read = filter.Partitions is { } only ? topicPartitions.Where(only.Contains).ToArray() : topicPartitions;

        var subscription = hub.Subscribe(topic, topicPartitions, read, start, filter, ClientName(), query.UntilEnd, topicId);
        await responder.RunAsync(HttpContext, subscription);
    }

    /// <summary>Reads a page of records, for browsing a topic.</summary>
    /// <remarks>
    /// Reads from the given start up to the end of each partition as it was when the request began, and answers at
    /// once with what it found (at most <c>limit</c> records). <c>next</c> continues where the page ended: following it
    /// page by page returns every record exactly once, with the same <c>limit</c> unless the request gives another.
    /// <c>end</c> is true when the page reached the end of every partition read (as it was when the request began);
    /// <c>next</c> then stays usable to poll for new records. Records are in offset order within each partition.
    ///
    ///     curl 'https://gateway:8443/topics/orders/records?partition=0&amp;offset=100&amp;limit=50'
    ///     curl 'https://gateway:8443/topics/orders/records?cursor=AQzN9tQ0dKtwAwABAgEDAQ'
    /// </remarks>
    /// <param name="topic">The topic.</param>
    /// <param name="partition">Only this partition (default: all partitions).</param>
    /// <param name="offset">Start offset in each partition read (default: earliest).</param>
    /// <param name="timestamp">Start at the first record at or after this ISO-8601 time, e.g. <c>2026-01-31T12:00:00Z</c>.</param>
    /// <param name="limit">Records per page: default the cursor's, else 20; at most <c>Streaming:MaxBrowseLimit</c> (500).</param>
    /// <param name="cursor">The <c>next</c> of the previous page; other start parameters are then ignored.</param>
    /// <param name="cancellationToken">Request aborted.</param>
    /// <response code="200">The page.</response>
    /// <response code="400">Invalid query or cursor.</response>
    /// <response code="404">The topic does not exist (<c>topic_not_found</c>).</response>
    /// <response code="429">Too many browse requests at once (<c>too_many_browses</c>, <c>Streaming:MaxConcurrentBrowses</c>); see Retry-After.</response>
    /// <response code="503">Kafka did not answer (<c>kafka_unavailable</c>).</response>
    [GatewayAccess(GatewayPermission.Consume)]
    [HttpGet("records")]
    [Produces("application/json")]
    [ProducesResponseType<RecordPage>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status429TooManyRequests, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status503ServiceUnavailable, "application/problem+json")]
    public async Task<RecordPage> Records(
        string topic,
        [FromQuery] int? partition,
        [FromQuery] long? offset,
        [FromQuery] string? timestamp,
        [FromQuery] int? limit,
        [FromQuery] string? cursor,
        CancellationToken cancellationToken)
    {
        var query = new BrowseQuery(partition, offset, timestamp, limit, cursor);
        await browseValidator.ValidateAndThrowProblemAsync(query, cancellationToken);
        var token = string.IsNullOrEmpty(cursor) ? null : ParseToken(topic, cursor, "cursor");
        var topicPartitions = await lookup.GetPartitionsAsync(topic, cancellationToken);
        IReadOnlyList<int> read = partition is { } p ? [p] : topicPartitions;
        RequireExisting(read.ToHashSet(), topicPartitions, "partition");
        if (token is not null)
        {
            RequireExisting(token.NextOffsets.Keys.ToHashSet(), topicPartitions, "cursor");
        }

        // An explicit limit wins; else the cursor's, so following next keeps the page size the first page asked for.
        var request = new BrowseRequest(read, token, offset, StreamQuery.ParseTimestamp(timestamp),
            Math.Min(limit ?? token?.PageLimit ?? DefaultBrowseLimit, options.Value.MaxBrowseLimit));
        var (records, next, end) = await browser.ReadAsync(topic, request, cancellationToken);

        var decoded = new List<StreamRecord>(records.Count);
        List<RecordDecodeFailure>? errors = null;
        foreach (var record in records)
        {
            var (value, failure) = await decoder.DecodeAsync(record, cancellationToken);
            if (value is not null)
            {
                decoded.Add(value);
            }
            else
            {
                (errors ??= []).Add(failure!);
            }
        }

        return new RecordPage(decoded, next.Encode(), end, errors);
    }

    internal static ResumeToken ParseToken(string topic, string text, string name = "Last-Event-ID")
    {
        if (!ResumeToken.TryParse(text, out var token))
        {
            throw new GatewayException(GatewayErrors.InvalidResumeToken,
                $"The {name} is not a resume token issued by this gateway.");
        }

        if (!token!.IsFor(topic))
        {
            throw new GatewayException(GatewayErrors.ResumeTokenTopicMismatch,
                $"The {name} was issued for another topic than '{topic}'.");
        }

        return token;
    }

    internal static void RequireExisting(IReadOnlySet<int>? requested, IReadOnlyList<int> existing, string parameter)
    {
        var missing = requested?.Where(p => !existing.Contains(p)).Order().ToArray() ?? [];
        if (missing.Length > 0)
        {
            throw new ValidationException([new FluentValidation.Results.ValidationFailure(parameter,
                $"Partition(s) {string.Join(',', missing)} do not exist; the topic has partitions 0-{existing.Count - 1}.")]);
        }
    }

    /// <summary>The authenticated principal, else the remote address: the unit of Streaming:MaxStreamsPerClient.</summary>
    private string ClientName() =>
        User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name }
            ? "user:" + name
            : "ip:" + (HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
