using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.Formatters;

namespace KafkaGateway.Http;

/// <summary>
/// <c>[Consumes]</c> as endpoint metadata only: routing's accepts policy (<see cref="IAcceptsMetadata"/>) answers a request
/// whose Content-Type matches none of <see cref="ContentTypes"/> with 415 before an action is chosen, and ApiExplorer
/// (<see cref="IApiRequestMetadataProvider"/>) puts them in the OpenAPI document, both exactly as for
/// <see cref="Microsoft.AspNetCore.Mvc.ConsumesAttribute"/>. What it leaves out is that attribute's resource filter,
/// which checked the same Content-Type again on every request that routing had already let through (a LINQ scan of the
/// action's filters and a media-type parse, ~1 % of a single-record produce request's CPU, and a resource stage with
/// its two contexts in MVC's invoker). It checks no more: a request without Content-Type reaches the action, which
/// answers it itself (as the framework attribute let it through too). For one action per route and method only: the
/// framework attribute's action-constraint part (choosing among several actions by Content-Type) is not here.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
internal sealed class ConsumesMetadataAttribute : Attribute, IAcceptsMetadata, IApiRequestMetadataProvider
{
    private readonly string[] _contentTypes;

    /// <param name="contentType">A media type the action reads.</param>
    /// <param name="otherContentTypes">More of them.</param>
    public ConsumesMetadataAttribute(string contentType, params string[] otherContentTypes)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        _contentTypes = [contentType, .. otherContentTypes];
        foreach (var type in _contentTypes)
        {
            // What the framework attribute refuses at start-up: a malformed type, or one matching every subtype.
            var mediaType = new MediaType(Microsoft.Net.Http.Headers.MediaTypeHeaderValue.Parse(type).ToString());
            if (mediaType.MatchesAllTypes || mediaType.MatchesAllSubTypes)
            {
                throw new InvalidOperationException($"'{type}' matches all types or subtypes; name the media types the action reads.");
            }
        }
    }

    /// <summary>The media types the action reads.</summary>
    public IReadOnlyList<string> ContentTypes => _contentTypes;

    /// <inheritdoc />
    Type? IAcceptsMetadata.RequestType => null;

    /// <inheritdoc />
    bool IAcceptsMetadata.IsOptional => false;

    /// <inheritdoc />
    public void SetContentTypes(MediaTypeCollection contentTypes)
    {
        ArgumentNullException.ThrowIfNull(contentTypes);
        contentTypes.Clear();
        foreach (var contentType in _contentTypes)
        {
            contentTypes.Add(contentType);
        }
    }
}
