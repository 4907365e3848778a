using Microsoft.Extensions.Options;

namespace KafkaGateway.Streaming;

/// <summary>Configuration section <c>Streaming</c>: server-sent event streams and record browsing.</summary>
public sealed class StreamingOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Streaming";

    /// <summary>Seconds between <c>: heartbeat</c> comment lines on an idle stream (1-300).</summary>
    public int HeartbeatSeconds { get; set; } = 15;

    /// <summary>Open streams the gateway serves at once, over all clients (1-100000).</summary>
    public int MaxStreams { get; set; } = 1000;

    /// <summary>Open streams per client: the authenticated principal name, else the remote IP (1-10000).</summary>
    public int MaxStreamsPerClient { get; set; } = 20;

    /// <summary>
    /// Kafka consumers behind streams, at most (1-10000): one per stream that does not start at <c>latest</c>, one per
    /// topic with live tails. Each costs up to about 6.5 MiB RSS as measured in bench/ (docs/streaming.md, memory model);
    /// a stream that would need one more gets 429. Joining a topic's existing live tail needs none. 64 keeps the worst
    /// case of the defaults (~600 MiB) inside the 1 GiB limit of deploy/kubernetes.
    /// </summary>
    public int MaxConsumers { get; set; } = 64;

    /// <summary>Events buffered per subscriber; a subscriber that falls further behind is disconnected (1-1000000).</summary>
    public int SubscriberBufferSize { get; set; } = 1000;

    /// <summary>
    /// Bytes of records buffered per subscriber (1 KiB-64 MiB): a live subscriber further behind is disconnected with
    /// <c>event: overflow</c>, a private stream's consumer waits. One record is always accepted, whatever its size.
    /// </summary>
    public int SubscriberBufferBytes { get; set; } = 256 * 1024;

    /// <summary>Browse requests (<c>GET /topics/{topic}/records</c>) served at once; beyond, 429 (1-1000).</summary>
    public int MaxConcurrentBrowses { get; set; } = 8;

    /// <summary>Bytes of records one browse page holds at most (64 KiB-64 MiB); the page ends early and <c>next</c> continues.</summary>
    public int MaxBrowseBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Upper bound of <c>limit</c> on <c>GET /topics/{topic}/records</c> (1-10000).</summary>
    public int MaxBrowseLimit { get; set; } = 500;

    /// <summary>Seconds between checks for partitions added to topics with a live tail (1-3600).</summary>
    public int PartitionCheckSeconds { get; set; } = 30;

    /// <summary>Seconds a browse request waits for records below the high watermark before answering with what it has (1-60).</summary>
    public int BrowseWaitSeconds { get; set; } = 5;
}

/// <summary>Start-up validation of <see cref="StreamingOptions"/>; every message names the key.</summary>
internal sealed class StreamingOptionsValidator : IValidateOptions<StreamingOptions>
{
    public ValidateOptionsResult Validate(string? name, StreamingOptions options)
    {
        var failures = new List<string>();
        Check(failures, "HeartbeatSeconds", options.HeartbeatSeconds, 1, 300);
        Check(failures, "MaxStreams", options.MaxStreams, 1, 100_000);
        Check(failures, "MaxStreamsPerClient", options.MaxStreamsPerClient, 1, 10_000);
        Check(failures, "MaxConsumers", options.MaxConsumers, 1, 10_000);
        Check(failures, "SubscriberBufferSize", options.SubscriberBufferSize, 1, 1_000_000);
        Check(failures, "SubscriberBufferBytes", options.SubscriberBufferBytes, 1024, 64 * 1024 * 1024);
        Check(failures, "MaxConcurrentBrowses", options.MaxConcurrentBrowses, 1, 1000);
        Check(failures, "MaxBrowseBytes", options.MaxBrowseBytes, 64 * 1024, 64 * 1024 * 1024);
        Check(failures, "MaxBrowseLimit", options.MaxBrowseLimit, 1, 10_000);
        Check(failures, "BrowseWaitSeconds", options.BrowseWaitSeconds, 1, 60);
        Check(failures, "PartitionCheckSeconds", options.PartitionCheckSeconds, 1, 3600);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(List<string> failures, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{StreamingOptions.SectionName}:{key} must be between {min} and {max} (was {value}).");
        }
    }
}
