using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace KafkaGateway.Schemas.Registry;

/// <summary>The media types of the Confluent registry API and the choice of the answer's one.</summary>
public static class RegistryMediaTypes
{
    /// <summary>Confluent's versioned type and its default answer.</summary>
    public const string V1 = "application/vnd.schemaregistry.v1+json";

    /// <summary>Confluent's unversioned type.</summary>
    public const string Unversioned = "application/vnd.schemaregistry+json";

    /// <summary>Plain JSON.</summary>
    public const string Json = "application/json";

    internal static readonly string[] All = [V1, Unversioned, Json];

    /// <summary>
    /// Answers keep schemas readable in a terminal: the default encoder writes every quote inside a schema string as
    /// <c>\u0022</c> (and <c>&lt;</c>, <c>&gt;</c>, non-ASCII likewise), which is valid but unreadable. The relaxed
    /// encoder still escapes what JSON requires (<c>\"</c>, control characters); these bodies are JSON API answers
    /// (never HTML), so the HTML-safety the default buys is not needed here.
    /// </summary>
    internal static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// The type to answer with: the first of the request's Accept types (by quality) that the API speaks, and
    /// <see cref="V1"/> for <c>*/*</c>, a missing Accept header or anything else, as Confluent does.
    /// </summary>
    public static string Negotiate(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted))
        {
            return V1;
        }

        foreach (var type in accepted.OrderByDescending(a => a.Quality ?? 1.0))
        {
            var name = type.MediaType.Value;
            foreach (var known in All)
            {
                if (string.Equals(name, known, StringComparison.OrdinalIgnoreCase))
                {
                    return known;
                }
            }

            if (name is "*/*" or "application/*")
            {
                return V1;
            }
        }

        return V1;
    }
}
