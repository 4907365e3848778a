using System.Net.ServerSentEvents;

using System.Text.Json;

namespace KafkaGateway.Bench.LoadGeneration;

/// <summary>What the load generator reads from a gateway <c>record</c> event: the record's <c>value.id</c> and <c>value.timestamp</c>.</summary>
internal readonly record struct StreamedRecord(string? Id, long ValueTimestampMs);

/// <summary>
/// One server-sent events subscriber: <c>GET /topics/{topic}/stream</c>, parsed with <see cref="SseParser"/>. Records
/// received are handed to <paramref name="onRecord"/> on the subscriber's own task.
/// </summary>
internal sealed class SseSubscriber(HttpClient http, string pathAndQuery, Action<StreamedRecord> onRecord) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private HttpResponseMessage? _response;
    private Task? _reading;
    private bool _disposed;

    /// <summary>Opens the stream; returns once the gateway answered the headers (the subscription then exists).</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        // A request message of its own does not take the client's default version: HTTP/2 runs need it set.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(pathAndQuery, UriKind.Relative))
        {
            Version = http.DefaultRequestVersion,
            VersionPolicy = http.DefaultVersionPolicy,
        };
        request.Headers.Accept.ParseAdd("text/event-stream");
        _response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!_response.IsSuccessStatusCode)
        {
            var body = await _response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"GET {pathAndQuery} answered {(int)_response.StatusCode}: {body}");
        }

        var stream = await _response.Content.ReadAsStreamAsync(cancellationToken);
        _reading = Task.Run(() => ReadAsync(stream), CancellationToken.None);
    }

    /// <summary>True when the gateway ended the stream with <c>event: overflow</c> (the subscriber fell too far behind).</summary>
    public bool Overflowed { get; private set; }

    /// <summary>True when the gateway completed the response while the subscriber still read.</summary>
    public bool Ended { get; private set; }

    /// <summary>The first failure of the read loop, if any (a disconnect after <see cref="DisposeAsync"/> is not one).</summary>
    public Exception? Failure { get; private set; }

    private async Task ReadAsync(Stream stream)
    {
        try
        {
            var parser = SseParser.Create(stream, Parse);
            await foreach (var item in parser.EnumerateAsync(_stop.Token))
            {
                if (item.EventType == "record")
                {
                    onRecord(item.Data);
                }
                else if (item.EventType == "overflow")
                {
                    Overflowed = true;
                }
            }

            Ended = !_stop.IsCancellationRequested;
        }
        catch (Exception ex) when (_stop.IsCancellationRequested && ex is OperationCanceledException or IOException or HttpRequestException or ObjectDisposedException)
        {
            // Stopped on purpose.
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or JsonException)
        {
            Failure = ex;
        }
    }

    /// <summary>Reads value.id and value.timestamp from a record event's data without building a document.</summary>
    private static StreamedRecord Parse(string eventType, ReadOnlySpan<byte> data)
    {
        if (eventType != "record")
        {
            return default;
        }

        var reader = new Utf8JsonReader(data);
        string? id = null;
        long timestamp = 0;
        var inValue = false;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.CurrentDepth == 1)
                {
                    inValue = reader.ValueTextEquals("value"u8);
                }
                else if (inValue && reader.CurrentDepth == 2)
                {
                    if (reader.ValueTextEquals("id"u8))
                    {
                        reader.Read();
                        id = reader.GetString();
                    }
                    else if (reader.ValueTextEquals("timestamp"u8))
                    {
                        reader.Read();
                        timestamp = reader.GetInt64();
                    }
                }
            }
        }

        return new StreamedRecord(id, timestamp);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stop.CancelAsync();
        _response?.Dispose();
        if (_reading is not null)
        {
            await _reading;
        }

        _stop.Dispose();
    }

    /// <summary>Reads one stream until <paramref name="count"/> records arrived (for catch-up runs); returns the records seen.</summary>
    public static async Task<long> ReadUntilAsync(HttpClient http, string pathAndQuery, long count, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(pathAndQuery, UriKind.Relative));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        long seen = 0;
        var parser = SseParser.Create(stream, Parse);
        await foreach (var item in parser.EnumerateAsync(cancellationToken))
        {
            if (item.EventType == "record" && ++seen >= count)
            {
                break;
            }
        }

        return seen;
    }

}
