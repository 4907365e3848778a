using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace KafkaGateway.Http;

/// <summary>
/// The parameter describes the request to ApiExplorer (the OpenAPI document, Swagger UI, the XML docs) exactly as a
/// bound parameter does, but MVC does not bind it: its argument is always the type's default and the action reads the
/// value from the request itself. MVC's binding costs a binding context, value-provider lookups and model-state
/// entries per parameter on every request; for the single-record produce route that was the largest MVC cost in the
/// allocation profile (docs/benchmarks/README.md, session 5). It uses MVC's own hook for this
/// (<see cref="IRequestPredicateProvider"/>: a parameter whose predicate says no is skipped before any of that work).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class ReadByActionAttribute : Attribute, IRequestPredicateProvider
{
    private static readonly Func<ActionContext, bool> s_never = _ => false;

    /// <inheritdoc />
    public Func<ActionContext, bool> RequestPredicate => s_never;
}
