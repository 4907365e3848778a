using FluentValidation;
using FluentValidation.Results;

namespace KafkaGateway.Http;

/// <summary>Turns validation failures into a ProblemDetails body that lists every field path.</summary>
public static class ValidationProblems
{
    /// <summary>400 <c>validation_failed</c> with <c>errors</c>: field path -> messages.</summary>
    public static GatewayException ToException(IEnumerable<ValidationFailure> failures)
    {
        var errors = failures
            .GroupBy(f => ToJsonPath(f.PropertyName), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).ToArray(), StringComparer.Ordinal);
        return new GatewayException(GatewayErrors.ValidationFailed, $"{errors.Values.Sum(v => v.Length)} validation error(s); see errors.")
        {
            Extensions = { ["errors"] = errors },
        };
    }

    /// <summary>Validates and throws <see cref="ValidationException"/> (answered as 400) when invalid.</summary>
    public static async Task ValidateAndThrowProblemAsync<T>(this IValidator<T> validator, T instance, CancellationToken cancellationToken)
    {
        var result = await validator.ValidateAsync(instance, cancellationToken);
        if (!result.IsValid)
        {
            throw new ValidationException(result.Errors);
        }
    }

    /// <summary>FluentValidation property names (<c>Records[0].Value</c>) as JSON paths (<c>$.records[0].value</c>).</summary>
    public static string ToJsonPath(string propertyName)
    {
        if (string.IsNullOrEmpty(propertyName))
        {
            return "$";
        }

        if (propertyName.StartsWith('$'))
        {
            return propertyName;
        }

        var parts = propertyName.Split('.');
        return "$." + string.Join('.', parts.Select(p => p.Length > 0 ? char.ToLowerInvariant(p[0]) + p[1..] : p));
    }
}
