using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using static KafkaGateway.Schemas.SchemaRegistryJson;

namespace KafkaGateway.Schemas;

/// <summary>
/// <see cref="ISchemaRegistry"/> over Confluent's schema registry REST API, for any compatible registry
/// (Confluent, Karapace, Apicurio ccompat, Redpanda, Hopsworks). No caching here: wrap it in
/// <see cref="CachingSchemaRegistry"/>.
/// </summary>
/// <remarks>
/// Each request walks the configured base URLs from the last one that answered, moving on when a URL cannot be
/// reached or times out. A connection failure on every URL, a timeout, a 5xx or a 429 is retried with exponential
/// backoff and jitter up to <see cref="SchemaRegistryOptions.MaxRetries"/> times and then becomes
/// <see cref="SchemaRegistryUnavailableException"/>; any other 4xx is the registry's final answer and becomes
/// <see cref="SchemaRegistryException"/> at once.
/// </remarks>
public sealed partial class HttpSchemaRegistryClient : ISchemaRegistry
{
    /// <summary>The name of the <see cref="HttpClient"/> configured by <c>AddSchemaRegistryClient</c>.</summary>
    public const string HttpClientName = "KafkaGateway.SchemaRegistry";

    /// <summary>Media type of request bodies.</summary>
    public const string ContentType = "application/vnd.schemaregistry.v1+json";

    private const string Avro = "AVRO";

    // Waiting longer than this for a Retry-After would hold the gateway's own caller too long; give up instead.
    private static readonly TimeSpan s_maxHonouredRetryAfter = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(30);

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly SchemaRegistryOptions _options;
    private readonly IReadOnlyList<Uri> _baseUrls;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<HttpSchemaRegistryClient> _logger;
    private int _preferredUrl;

    public HttpSchemaRegistryClient(
        IHttpClientFactory httpClientFactory,
        IOptions<SchemaRegistryOptions> options,
        TimeProvider timeProvider,
        ILogger<HttpSchemaRegistryClient> logger)
    {
        _httpClientFactory = httpClientFactory;
        _options = options.Value;
        _baseUrls = _options.BaseUrls;
        if (_baseUrls.Count == 0)
        {
            throw new InvalidOperationException(
                $"{SchemaRegistryOptions.SectionName}:Url is not set; the HTTP registry client needs a registry URL.");
        }

        _requestTimeout = TimeSpan.FromSeconds(_options.RequestTimeoutSeconds);
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>The base URL requests currently go to first (the last one that answered).</summary>
    public Uri CurrentBaseUrl => _baseUrls[Volatile.Read(ref _preferredUrl)];

    /// <inheritdoc />
    public Task<RegisteredSchema> GetSchemaByIdAsync(int id, CancellationToken cancellationToken) =>
        GetSchemaByIdAsync(id, subject: null, cancellationToken);

    /// <summary>
    /// The schema with global id <paramref name="id"/>; <paramref name="subject"/> (optional) tells registries with
    /// contexts or per-subject id spaces where to look (<c>?subject=</c>).
    /// </summary>
    public async Task<RegisteredSchema> GetSchemaByIdAsync(int id, string? subject, CancellationToken cancellationToken)
    {
        var path = string.Create(CultureInfo.InvariantCulture, $"schemas/ids/{id}");
        if (!string.IsNullOrEmpty(subject))
        {
            path += "?subject=" + Uri.EscapeDataString(subject);
        }

        var body = await SendAsync(HttpMethod.Get, path, content: null, cancellationToken);
        var answer = Deserialize(body, SchemaRegistryJsonContext.Default.SchemaByIdResponse, path);
        return new RegisteredSchema(null, 0, id, NormalizeType(answer.SchemaType), RequireSchema(answer.Schema, path),
            answer.References, ParseGuid(answer.Guid));
    }

    /// <inheritdoc />
    /// <remarks>Registries before Confluent 8 have no GUIDs and answer 404 (40403 or a plain 404).</remarks>
    public async Task<RegisteredSchema> GetSchemaByGuidAsync(Guid guid, CancellationToken cancellationToken)
    {
        var path = $"schemas/guids/{guid:D}";
        var body = await SendAsync(HttpMethod.Get, path, content: null, cancellationToken);
        var answer = Deserialize(body, SchemaRegistryJsonContext.Default.SchemaByIdResponse, path);
        return new RegisteredSchema(null, 0, answer.Id ?? 0, NormalizeType(answer.SchemaType), RequireSchema(answer.Schema, path),
            answer.References, guid);
    }

    private static Guid? ParseGuid(string? text) => Guid.TryParse(text, out var guid) ? guid : null;

    /// <inheritdoc />
    public Task<RegisteredSchema> GetLatestAsync(string subject, CancellationToken cancellationToken) =>
        GetSubjectVersionAsync(subject, "latest", cancellationToken);

    /// <inheritdoc />
    public Task<RegisteredSchema> GetVersionAsync(string subject, int version, CancellationToken cancellationToken) =>
        GetSubjectVersionAsync(subject, version.ToString(CultureInfo.InvariantCulture), cancellationToken);

    /// <inheritdoc />
    public async Task<int> RegisterAsync(string subject, string schema, string schemaType, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentException.ThrowIfNullOrEmpty(schema);
        var path = $"subjects/{Uri.EscapeDataString(subject)}/versions";
        var body = await SendAsync(HttpMethod.Post, path, SchemaBody(schema, schemaType), cancellationToken);
        return Deserialize(body, SchemaRegistryJsonContext.Default.RegisterResponse, path).Id;
    }

    /// <inheritdoc />
    /// <remarks>Both "schema not found" (40403) and "subject not found" (40401) mean "not registered there".</remarks>
    public async Task<RegisteredSchema?> LookupAsync(string subject, string schema, string schemaType, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentException.ThrowIfNullOrEmpty(schema);
        var path = $"subjects/{Uri.EscapeDataString(subject)}";
        string body;
        try
        {
            body = await SendAsync(HttpMethod.Post, path, SchemaBody(schema, schemaType), cancellationToken);
        }
        catch (SchemaRegistryException e) when (e.StatusCode == StatusCodes.Status404NotFound
            && e.ErrorCode is SchemaRegistryException.SchemaNotFound or SchemaRegistryException.SubjectNotFound)
        {
            return null;
        }

        var answer = Deserialize(body, SchemaRegistryJsonContext.Default.SubjectVersionResponse, path);
        return new RegisteredSchema(
            answer.Subject ?? subject, answer.Version, answer.Id, NormalizeType(answer.SchemaType ?? schemaType), answer.Schema ?? schema);
    }

    private async Task<RegisteredSchema> GetSubjectVersionAsync(string subject, string version, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        var path = $"subjects/{Uri.EscapeDataString(subject)}/versions/{version}";
        var body = await SendAsync(HttpMethod.Get, path, content: null, cancellationToken);
        var answer = Deserialize(body, SchemaRegistryJsonContext.Default.SubjectVersionResponse, path);
        return new RegisteredSchema(
            answer.Subject ?? subject, answer.Version, answer.Id, NormalizeType(answer.SchemaType), RequireSchema(answer.Schema, path),
            answer.References, ParseGuid(answer.Guid));
    }

    /// <summary>
    /// One GET of <c>/config</c> over the configured URLs without retries, for readiness: null when a registry
    /// answered 2xx, otherwise why the registry is not usable (unreachable, timed out, credentials refused, ...).
    /// </summary>
    public async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        const string path = "config";
        var outcome = await SendToAnyUrlAsync(HttpMethod.Get, path, content: null, cancellationToken);
        if (outcome.Response is not { } response)
        {
            return $"The schema registry at {CurrentBaseUrl} cannot be reached ({outcome.Reason}).";
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return null;
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var error = ToException((int)response.StatusCode, response.ReasonPhrase, body);
            return string.Create(CultureInfo.InvariantCulture,
                $"The schema registry at {CurrentBaseUrl} answered GET /{path} with {(int)response.StatusCode}: {error.Message}");
        }
    }

    /// <summary>Sends with failover and retries; returns the body of a 2xx answer.</summary>
    private async Task<string> SendAsync(HttpMethod method, string path, string? content, CancellationToken cancellationToken)
    {
        Exception? lastFailure = null;
        string lastReason = "no attempt";
        TimeSpan? retryAfter = null;
        var attempts = _options.MaxRetries + 1;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            var outcome = await SendToAnyUrlAsync(method, path, content, cancellationToken);
            retryAfter = null;
            if (outcome.Response is { } response)
            {
                using (response)
                {
                    var body = await response.Content.ReadAsStringAsync(cancellationToken);
                    var status = (int)response.StatusCode;
                    if (response.IsSuccessStatusCode)
                    {
                        return body;
                    }

                    var error = ToException(status, response.ReasonPhrase, body);
                    if (!IsTransient(status))
                    {
                        throw error;
                    }

                    lastFailure = error;
                    lastReason = string.Create(CultureInfo.InvariantCulture, $"HTTP {status} (error code {error.ErrorCode})");
                    retryAfter = RetryAfter(response);
                }
            }
            else
            {
                lastFailure = outcome.Failure;
                lastReason = outcome.Reason;
            }

            if (attempt == attempts || retryAfter > s_maxHonouredRetryAfter)
            {
                break;
            }

            var delay = retryAfter ?? Backoff(attempt);
            LogRetrying(_logger, method.Method, path, lastReason, attempt, _options.MaxRetries, (long)delay.TotalMilliseconds);
            await Task.Delay(delay, _timeProvider, cancellationToken);
        }

        LogUnavailable(_logger, method.Method, path, lastReason, attempts);
        throw new SchemaRegistryUnavailableException(
            $"The schema registry is unavailable ({lastReason}) for {method.Method} /{path}.", lastFailure)
        {
            RetryAfterSeconds = retryAfter is { } wait ? (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, 300) : 5,
        };
    }

    /// <summary>One attempt: the URLs in order from the preferred one until one answers.</summary>
    private async Task<AttemptOutcome> SendToAnyUrlAsync(HttpMethod method, string path, string? content, CancellationToken cancellationToken)
    {
        var client = _httpClientFactory.CreateClient(HttpClientName);
        var preferred = Volatile.Read(ref _preferredUrl);
        AttemptOutcome failure = default;
        for (var i = 0; i < _baseUrls.Count; i++)
        {
            var index = (preferred + i) % _baseUrls.Count;
            var baseUrl = _baseUrls[index];
            using var request = new HttpRequestMessage(method, new Uri(baseUrl, path));
            if (content is not null)
            {
                request.Content = new StringContent(content, Encoding.UTF8, MediaTypeHeaderValue.Parse(ContentType));
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_requestTimeout);
            try
            {
                var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
                if (index != preferred && Interlocked.CompareExchange(ref _preferredUrl, index, preferred) == preferred)
                {
                    LogFailedOver(_logger, baseUrl);
                }

                return new AttemptOutcome(response, null, string.Empty);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                var reason = string.Create(CultureInfo.InvariantCulture, $"timed out after {_requestTimeout.TotalSeconds} s");
                LogUrlFailed(_logger, baseUrl, method.Method, path, reason);
                failure = new AttemptOutcome(null, e, reason);
            }
            catch (HttpRequestException e)
            {
                var reason = e.HttpRequestError == HttpRequestError.Unknown ? "connection failed" : $"connection failed: {e.HttpRequestError}";
                LogUrlFailed(_logger, baseUrl, method.Method, path, reason);
                failure = new AttemptOutcome(null, e, reason);
            }
        }

        return failure;
    }

    private static bool IsTransient(int status) =>
        status >= 500 || status is StatusCodes.Status429TooManyRequests or StatusCodes.Status408RequestTimeout;

    private TimeSpan Backoff(int attempt)
    {
        // Exponential with "equal jitter": half fixed, half random, so simultaneous callers spread out.
        var exponential = Math.Min(_options.RetryBackoffMilliseconds * Math.Pow(2, attempt - 1), s_maxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((exponential / 2) + (Random.Shared.NextDouble() * exponential / 2));
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } header)
        {
            return null;
        }

        if (header.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header.Date is { } date)
        {
            var wait = date - _timeProvider.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    private static SchemaRegistryException ToException(int status, string? reasonPhrase, string body)
    {
        ErrorResponse? error = null;
        try
        {
            error = body.Length == 0 ? null : JsonSerializer.Deserialize(body, SchemaRegistryJsonContext.Default.ErrorResponse);
        }
        catch (JsonException)
        {
            // Not a Confluent error body (e.g. an HTML page from a proxy): described below from the status.
        }

        if (error is { ErrorCode: { } code })
        {
            return new SchemaRegistryException(status, code, error.Message ?? $"Schema registry error {code}.");
        }

        var message = status switch
        {
            StatusCodes.Status401Unauthorized => "The schema registry rejected the gateway's credentials (401); check SchemaRegistry:BasicAuthUserInfo, BasicAuthUsername/BasicAuthPassword or BearerToken.",
            StatusCodes.Status403Forbidden => "The schema registry denied the gateway access (403).",
            StatusCodes.Status404NotFound => "The schema registry answered 404 without a Confluent error body; check that SchemaRegistry:Url is the registry's base URL.",
            _ => $"The schema registry answered {status} {reasonPhrase} without a Confluent error body.",
        };
        return new SchemaRegistryException(status, status, message);
    }

    private static string SchemaBody(string schema, string schemaType)
    {
        var type = NormalizeType(schemaType);

        // Registries older than Confluent 5.5 reject the member; AVRO is the default everywhere.
        var request = new SchemaRequest(schema, type == Avro ? null : type);
        return JsonSerializer.Serialize(request, SchemaRegistryJsonContext.Default.SchemaRequest);
    }

    private static string NormalizeType(string? schemaType) =>
        string.IsNullOrWhiteSpace(schemaType) ? Avro : schemaType.Trim().ToUpperInvariant();

    private static T Deserialize<T>(string body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string path)
    {
        try
        {
            return JsonSerializer.Deserialize(body, type)
                ?? throw new SchemaRegistryUnavailableException($"The schema registry answered /{path} with an empty body.");
        }
        catch (JsonException e)
        {
            throw new SchemaRegistryUnavailableException($"The schema registry answered /{path} with a body that is not the expected JSON.", e);
        }
    }

    private static string RequireSchema(string? schema, string path) =>
        schema ?? throw new SchemaRegistryUnavailableException($"The schema registry answered /{path} without a schema.");

    private readonly record struct AttemptOutcome(HttpResponseMessage? Response, Exception? Failure, string Reason);
}
