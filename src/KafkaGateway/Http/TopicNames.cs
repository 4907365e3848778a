using System.Text.RegularExpressions;

namespace KafkaGateway.Http;

/// <summary>Kafka's topic-name rules: 1-249 characters of [a-zA-Z0-9._-], and not "." or "..".</summary>
public static partial class TopicNames
{
    /// <summary>Longest legal topic name.</summary>
    public const int MaxLength = 249;

    /// <summary>Why <paramref name="topic"/> is not a legal topic name, or null when it is.</summary>
    public static string? Problem(string? topic)
    {
        if (string.IsNullOrEmpty(topic))
        {
            return "a topic name must not be empty";
        }

        if (topic.Length > MaxLength)
        {
            return $"a topic name has at most {MaxLength} characters (got {topic.Length})";
        }

        if (topic is "." or "..")
        {
            return "'.' and '..' are not legal topic names";
        }

        return Legal().IsMatch(topic) ? null : "a topic name may contain only ASCII letters, digits, '.', '_' and '-'";
    }

    /// <summary>Throws a 400 ProblemDetails when <paramref name="topic"/> is not a legal topic name.</summary>
    public static void EnsureValid(string topic)
    {
        if (Problem(topic) is { } problem)
        {
            throw new GatewayException(StatusCodes.Status400BadRequest, "invalid_topic_name", "Invalid topic name", $"'{Truncate(topic)}': {problem}.");
        }
    }

    private static string Truncate(string text) => text.Length <= 60 ? text : text[..60] + "...";

    [GeneratedRegex("^[a-zA-Z0-9._-]+$")]
    private static partial Regex Legal();
}
