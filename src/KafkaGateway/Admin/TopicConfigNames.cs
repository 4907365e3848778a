namespace KafkaGateway.Admin;

/// <summary>Kafka's topic-level configuration names (Kafka 3.x/4.x documentation, "Topic-Level Configs").</summary>
public static class TopicConfigNames
{
    /// <summary>Every topic-level config name Kafka accepts.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        "cleanup.policy",
        "compression.gzip.level",
        "compression.lz4.level",
        "compression.type",
        "compression.zstd.level",
        "delete.retention.ms",
        "file.delete.delay.ms",
        "flush.messages",
        "flush.ms",
        "follower.replication.throttled.replicas",
        "index.interval.bytes",
        "leader.replication.throttled.replicas",
        "local.retention.bytes",
        "local.retention.ms",
        "max.compaction.lag.ms",
        "max.message.bytes",
        "message.downconversion.enable",
        "message.format.version",
        "message.timestamp.after.max.ms",
        "message.timestamp.before.max.ms",
        "message.timestamp.difference.max.ms",
        "message.timestamp.type",
        "min.cleanable.dirty.ratio",
        "min.compaction.lag.ms",
        "min.insync.replicas",
        "preallocate",
        "remote.log.copy.disable",
        "remote.log.delete.on.disable",
        "remote.storage.enable",
        "retention.bytes",
        "retention.ms",
        "segment.bytes",
        "segment.index.bytes",
        "segment.jitter.ms",
        "segment.ms",
        "unclean.leader.election.enable",
    };

    /// <summary>True for a known topic-level config name.</summary>
    public static bool IsKnown(string name) => All.Contains(name);

    /// <summary>The known name closest to <paramref name="name"/> (by edit distance), or null when none is close.</summary>
    public static string? Closest(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var normalized = name.Trim().ToLowerInvariant().Replace('_', '.').Replace('-', '.');
        if (All.Contains(normalized))
        {
            return normalized;
        }

        var (best, distance) = All
            .Select(candidate => (candidate, distance: EditDistance(normalized, candidate)))
            .OrderBy(c => c.distance)
            .ThenBy(c => c.candidate, StringComparer.Ordinal)
            .First();
        return distance <= Math.Max(3, best.Length / 3) ? best : null;
    }

    /// <summary>The validation message for an unknown name.</summary>
    public static string UnknownMessage(string name) => Closest(name) is { } closest
        ? $"'{name}' is not a topic-level config. Did you mean '{closest}'?"
        : $"'{name}' is not a topic-level config (e.g. cleanup.policy, retention.ms, retention.bytes, segment.bytes, min.insync.replicas, compression.type, max.message.bytes).";

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
