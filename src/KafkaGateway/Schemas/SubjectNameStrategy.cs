namespace KafkaGateway.Schemas;

/// <summary>How a record's subject is named, as in Confluent's serializers (<c>*.subject.name.strategy</c>).</summary>
public enum SubjectNameStrategyKind
{
    /// <summary><c>{topic}-key</c> or <c>{topic}-value</c>: one schema lineage per topic (Confluent's default).</summary>
    TopicName,

    /// <summary><c>{record full name}</c>: one lineage per record type, shared across topics.</summary>
    RecordName,

    /// <summary><c>{topic}-{record full name}</c>: one lineage per record type within a topic.</summary>
    TopicRecordName,
}

/// <summary>Computes subjects the way Confluent's serializers do, so the gateway and Java clients agree.</summary>
public static class SubjectNameStrategy
{
    /// <summary>The subject for a key or value of <paramref name="topic"/>.</summary>
    /// <param name="strategy">The naming strategy.</param>
    /// <param name="topic">The topic produced to or consumed from.</param>
    /// <param name="isKey">True for the record key, false for the value.</param>
    /// <param name="recordFullName">
    /// The full name (namespace plus name) of the record schema; required by <see cref="SubjectNameStrategyKind.RecordName"/>
    /// and <see cref="SubjectNameStrategyKind.TopicRecordName"/>, ignored by <see cref="SubjectNameStrategyKind.TopicName"/>.
    /// </param>
    /// <exception cref="ArgumentException">The strategy needs a record name and none was given.</exception>
    public static string GetSubject(SubjectNameStrategyKind strategy, string topic, bool isKey, string? recordFullName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return strategy switch
        {
            SubjectNameStrategyKind.TopicName => isKey ? $"{topic}-key" : $"{topic}-value",
            SubjectNameStrategyKind.RecordName => RequireRecordName(strategy, recordFullName),
            SubjectNameStrategyKind.TopicRecordName => $"{topic}-{RequireRecordName(strategy, recordFullName)}",
            _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Unknown subject name strategy."),
        };
    }

    private static string RequireRecordName(SubjectNameStrategyKind strategy, string? recordFullName) =>
        string.IsNullOrEmpty(recordFullName)
            ? throw new ArgumentException(
                $"The {strategy} subject name strategy needs the schema's record full name; the schema is not a named record.",
                nameof(recordFullName))
            : recordFullName;
}
