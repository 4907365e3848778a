using System.ComponentModel;
using System.Globalization;
using FluentValidation.Results;

namespace KafkaGateway.Http;

/// <summary>
/// Query and header values read by an action itself (<see cref="ParametersDescribedByAttribute"/>), with the rules MVC's
/// model binding applies to them: the first value of a query key, header values joined with commas, blank means
/// absent, integers parsed as MVC's type converter parses them (invariant culture, also <c>0x</c> hex), and an
/// unparsable value reported as MVC reports it (<c>The value 'x' is not valid.</c> at the parameter's name).
/// </summary>
internal static class RequestValues
{
    private static readonly TypeConverter s_int32 = TypeDescriptor.GetConverter(typeof(int));

    /// <summary>An optional integer query parameter; a bad value is added to <paramref name="failures"/>.</summary>
    public static int? QueryInt32(HttpRequest request, string name, ref List<ValidationFailure>? failures)
    {
        var raw = QueryString(request, name);
        if (raw is null)
        {
            return null;
        }

        if (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        try
        {
            // The rare forms only the converter takes (hex); anything else it refuses is the client's error.
            return (int)s_int32.ConvertFromString(null, CultureInfo.InvariantCulture, raw)!;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException or NotSupportedException)
        {
            (failures ??= []).Add(new ValidationFailure(name, $"The value '{raw}' is not valid."));
            return null;
        }
    }

    /// <summary>An optional text query parameter: its first value, null when absent or blank.</summary>
    public static string? QueryString(HttpRequest request, string name)
    {
        if (request.QueryString.HasValue && request.Query.TryGetValue(name, out var values) && values.Count > 0)
        {
            var first = values[0];
            return string.IsNullOrWhiteSpace(first) ? null : first;
        }

        return null;
    }

    /// <summary>An optional header: its values joined with commas, null when absent or blank.</summary>
    public static string? Header(HttpRequest request, string name)
    {
        var value = request.Headers[name].ToString();
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }
}
