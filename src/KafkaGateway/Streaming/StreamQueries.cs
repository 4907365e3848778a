using System.Globalization;
using FluentValidation;

namespace KafkaGateway.Streaming;

/// <summary>The query of <c>GET /topics/{topic}/stream</c>, as sent.</summary>
/// <param name="From"><c>latest</c> (default), <c>earliest</c> or an ISO-8601 timestamp.</param>
/// <param name="Partitions">Comma-separated partition ids, e.g. <c>0,2</c>.</param>
/// <param name="Key">Exact key text.</param>
/// <param name="Header">Repeated <c>name:value</c> pairs.</param>
/// <param name="LastEventId">A resume token (the <c>Last-Event-ID</c> header wins).</param>
/// <param name="Until"><c>end</c>: end the stream once caught up; absent: stay open.</param>
/// <param name="Group">Start at this consumer group's committed offsets (<see cref="From"/> where it has none).</param>
public sealed record StreamQuery(
    string? From, string? Partitions, string? Key, IReadOnlyList<string> Header, string? LastEventId, string? Until = null,
    string? Group = null)
{
    /// <summary>Longest consumer group id accepted.</summary>
    public const int MaxGroupLength = 255;

    /// <summary>The start without a resume token: the group's committed offsets, else <see cref="ParseFrom"/>.</summary>
    public StreamStart ParseStart() => string.IsNullOrEmpty(Group) ? ParseFrom() : new GroupStart(Group, ParseFrom());

    /// <summary>True for <c>until=end</c>.</summary>
    public bool UntilEnd => string.Equals(Until?.Trim(), "end", StringComparison.OrdinalIgnoreCase);

    /// <summary>The start the query asks for when it carries no resume token.</summary>
    public StreamStart ParseFrom() => From?.Trim().ToUpperInvariant() switch
    {
        null or "" or "LATEST" => StreamStart.Latest,
        "EARLIEST" => StreamStart.Earliest,
        _ => new TimestampStart(ParseTimestamp(From)!.Value),
    };

    /// <summary>The partition filter, or null for all partitions.</summary>
    public IReadOnlySet<int>? ParsePartitions() => TryParsePartitions(Partitions, out var set) ? set : null;

    /// <summary>The header filter pairs.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ParseHeaders() =>
        Header.Select(h => h.IndexOf(':', StringComparison.Ordinal) is var i and > 0
            ? KeyValuePair.Create(h[..i], h[(i + 1)..])
            : KeyValuePair.Create(h, "")).ToArray();

    internal static DateTimeOffset? ParseTimestamp(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;

    internal static bool TryParsePartitions(string? text, out HashSet<int>? partitions)
    {
        partitions = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var set = new HashSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return false;
            }

            set.Add(id);
        }

        partitions = set;
        return true;
    }
}

/// <summary>Validates <see cref="StreamQuery"/>; failures name the query parameter.</summary>
internal sealed class StreamQueryValidator : AbstractValidator<StreamQuery>
{
    public StreamQueryValidator()
    {
        RuleFor(q => q.From)
            .Must(from => from is null || from.Trim() is "" || from.Trim().Equals("latest", StringComparison.OrdinalIgnoreCase)
                || from.Trim().Equals("earliest", StringComparison.OrdinalIgnoreCase) || StreamQuery.ParseTimestamp(from) is not null)
            .WithMessage("from must be 'latest', 'earliest' or an ISO-8601 timestamp such as 2026-01-31T12:00:00Z.");
        RuleFor(q => q.Partitions)
            .Must(p => StreamQuery.TryParsePartitions(p, out _))
            .WithMessage("partitions must be comma-separated partition ids, e.g. 0,2.");
        RuleFor(q => q.Group)
            .Must(g => g is null || (g.Length is > 0 and <= StreamQuery.MaxGroupLength && !g.Any(char.IsControl)))
            .WithMessage($"group must be a consumer group id of 1-{StreamQuery.MaxGroupLength} characters without control characters.");
        RuleFor(q => q.Until)
            .Must(until => string.IsNullOrWhiteSpace(until) || until.Trim().Equals("end", StringComparison.OrdinalIgnoreCase))
            .WithMessage("until must be 'end' (end the stream once it has caught up), or absent.");
        RuleForEach(q => q.Header)
            .Must(h => h.IndexOf(':', StringComparison.Ordinal) > 0)
            .WithMessage("header must be name:value, e.g. header=tenant:acme.");
    }
}

/// <summary>The query of <c>GET /topics/{topic}/records</c>, as sent.</summary>
/// <param name="Partition">Only this partition (default: all).</param>
/// <param name="Offset">Start offset (default: earliest).</param>
/// <param name="Timestamp">Start at the first record at or after this ISO-8601 time.</param>
/// <param name="Limit">Records per page (default 20, capped at Streaming:MaxBrowseLimit).</param>
/// <param name="Cursor">The <c>next</c> of the previous page.</param>
public sealed record BrowseQuery(int? Partition, long? Offset, string? Timestamp, int? Limit, string? Cursor);

/// <summary>Validates <see cref="BrowseQuery"/>.</summary>
internal sealed class BrowseQueryValidator : AbstractValidator<BrowseQuery>
{
    public BrowseQueryValidator()
    {
        RuleFor(q => q.Partition).GreaterThanOrEqualTo(0).WithMessage("partition must be 0 or more.");
        RuleFor(q => q.Offset).GreaterThanOrEqualTo(0).WithMessage("offset must be 0 or more.");
        RuleFor(q => q.Timestamp)
            .Must(t => t is null || StreamQuery.ParseTimestamp(t) is not null)
            .WithMessage("timestamp must be an ISO-8601 time such as 2026-01-31T12:00:00Z.");
        RuleFor(q => q.Limit).GreaterThanOrEqualTo(1).WithMessage("limit must be 1 or more.");
        RuleFor(q => q)
            .Must(q => q.Offset is null || q.Timestamp is null)
            .WithName("timestamp")
            .WithMessage("Give offset or timestamp, not both.");
    }
}
