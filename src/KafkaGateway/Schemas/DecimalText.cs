using System.Globalization;
using System.Numerics;

namespace KafkaGateway.Schemas;

internal enum DecimalTextStatus
{
    Ok,
    Invalid,
    OutOfRange,
}

/// <summary>
/// Exact parsing of decimal number text (JSON numbers and decimal strings) into <c>unscaled × 10^-scale</c>.
/// Going through <see cref="double"/> or <see cref="decimal"/> would round, and the gateway must not change values.
/// </summary>
internal static class DecimalText
{
    // Beyond these the value cannot fit any Avro number we write; refusing early keeps hostile input cheap.
    private const int MaxDigits = 400;
    private const int MaxExponent = 400;

    /// <summary>Parses <c>-?digits(.digits)?([eE][+-]?digits)?</c>; a leading '+' or bare '.' is not accepted.</summary>
    public static DecimalTextStatus TryParse(ReadOnlySpan<char> text, out BigInteger unscaled, out int scale)
    {
        unscaled = BigInteger.Zero;
        scale = 0;
        var i = 0;
        var negative = false;
        if (i < text.Length && text[i] == '-')
        {
            negative = true;
            i++;
        }

        var intStart = i;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        var intDigits = text[intStart..i];
        if (intDigits.IsEmpty)
        {
            return DecimalTextStatus.Invalid;
        }

        ReadOnlySpan<char> fracDigits = default;
        if (i < text.Length && text[i] == '.')
        {
            var fracStart = ++i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            fracDigits = text[fracStart..i];
            if (fracDigits.IsEmpty)
            {
                return DecimalTextStatus.Invalid;
            }
        }

        var exponent = 0;
        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            i++;
            var expNegative = false;
            if (i < text.Length && (text[i] == '+' || text[i] == '-'))
            {
                expNegative = text[i] == '-';
                i++;
            }

            var expStart = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            var expDigits = text[expStart..i];
            if (expDigits.IsEmpty)
            {
                return DecimalTextStatus.Invalid;
            }

            expDigits = expDigits.TrimStart('0');
            if (expDigits.Length > 4)
            {
                return DecimalTextStatus.OutOfRange;
            }

            exponent = expDigits.IsEmpty ? 0 : int.Parse(expDigits, NumberStyles.None, CultureInfo.InvariantCulture);
            if (exponent > MaxExponent)
            {
                return DecimalTextStatus.OutOfRange;
            }

            exponent = expNegative ? -exponent : exponent;
        }

        if (i != text.Length)
        {
            return DecimalTextStatus.Invalid;
        }

        if (intDigits.Length + fracDigits.Length > MaxDigits)
        {
            return DecimalTextStatus.OutOfRange;
        }

        Span<char> digits = stackalloc char[intDigits.Length + fracDigits.Length];
        intDigits.CopyTo(digits);
        fracDigits.CopyTo(digits[intDigits.Length..]);
        unscaled = BigInteger.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        if (negative)
        {
            unscaled = -unscaled;
        }

        scale = fracDigits.Length - exponent;
        return DecimalTextStatus.Ok;
    }

    /// <summary>
    /// Brings <paramref name="unscaled"/> × 10^-<paramref name="scale"/> to exactly <paramref name="targetScale"/>
    /// fractional digits. Fails when that would drop a non-zero digit; trailing zeros are lossless and dropped.
    /// </summary>
    public static bool TryRescale(BigInteger unscaled, int scale, int targetScale, out BigInteger result)
    {
        while (scale > targetScale)
        {
            var quotient = BigInteger.DivRem(unscaled, 10, out var remainder);
            if (!remainder.IsZero)
            {
                result = BigInteger.Zero;
                return false;
            }

            unscaled = quotient;
            scale--;
        }

        result = scale < targetScale ? unscaled * BigInteger.Pow(10, targetScale - scale) : unscaled;
        return true;
    }

    /// <summary>Number of decimal digits of |value|; zero has one digit.</summary>
    public static int CountDigits(BigInteger value) =>
        value.IsZero ? 1 : BigInteger.Abs(value).ToString(CultureInfo.InvariantCulture).Length;

    /// <summary>Formats an unscaled value with exactly <paramref name="scale"/> fractional digits, e.g. 1230, 2 → "12.30".</summary>
    public static string Format(BigInteger unscaled, int scale)
    {
        var digits = BigInteger.Abs(unscaled).ToString(CultureInfo.InvariantCulture);
        if (scale > 0)
        {
            digits = digits.PadLeft(scale + 1, '0');
            digits = string.Concat(digits.AsSpan(0, digits.Length - scale), ".", digits.AsSpan(digits.Length - scale));
        }

        return unscaled.Sign < 0 ? "-" + digits : digits;
    }
}
