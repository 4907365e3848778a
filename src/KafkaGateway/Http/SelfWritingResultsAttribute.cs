using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Infrastructure;

namespace KafkaGateway.Http;

/// <summary>
/// Declares that every result of the action writes its answer itself (<see cref="JsonAnswer{T}"/>,
/// <see cref="GatewayProblemResult"/>): neither an <see cref="ObjectResult"/> nor an <see cref="IClientErrorActionResult"/>.
/// The only result filters MVC gives such an action then act on nothing: <c>[Produces]</c> sets the content types of
/// an <see cref="ObjectResult"/>, and <c>[ApiController]</c>'s client-error filter turns an
/// <see cref="IClientErrorActionResult"/> into ProblemDetails. <see cref="ApiMetadataFilters"/> takes the two out of
/// the action's runtime filter list, so the invoker builds no result-stage contexts for it (~140 B of a single-record
/// produce request, docs/benchmarks session 8); ApiExplorer still describes the action with them.
/// </summary>
/// <remarks>
/// Should such an action return another result after all, the answer degrades without breaking: JSON is the only
/// output format the gateway has, and a bare error status still gets its ProblemDetails body from the status-code pages.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
internal sealed class SelfWritingResultsAttribute : Attribute;
