namespace KafkaGateway.Schemas;

/// <summary>
/// A strict ISO-8601 subset for the temporal logical types: <c>yyyy-MM-dd</c>, <c>HH:mm[:ss[.f{1,9}]]</c> and
/// <c>yyyy-MM-ddTHH:mm[:ss[.f{1,9}]][Z|±HH:mm]</c>. Written by hand because the framework parsers either accept
/// culture-dependent forms or stop at 100 ns, and timestamp-nanos needs all nine fraction digits.
/// </summary>
internal static class IsoTemporalText
{
    private const long NanosPerSecond = 1_000_000_000;
    private static readonly int s_epochDayNumber = new DateOnly(1970, 1, 1).DayNumber;

    /// <summary>Days since 1970-01-01 for <c>yyyy-MM-dd</c>.</summary>
    public static bool TryParseDate(ReadOnlySpan<char> text, out int epochDay)
    {
        epochDay = 0;
        if (text.Length != 10 || !TryParseDateCore(text, out var date))
        {
            return false;
        }

        epochDay = date.DayNumber - s_epochDayNumber;
        return true;
    }

    /// <summary>Nanoseconds since midnight for <c>HH:mm[:ss[.fraction]]</c>.</summary>
    public static bool TryParseTime(ReadOnlySpan<char> text, out long nanosOfDay)
    {
        nanosOfDay = 0;
        return TryParseTimeCore(text, out var consumed, out nanosOfDay) && consumed == text.Length;
    }

    /// <summary>
    /// Seconds and nanoseconds since the epoch for a date-time. With an offset (or Z) the instant is converted to UTC;
    /// without one the wall-clock value is taken as is, which is what the local-timestamp types store.
    /// </summary>
    public static bool TryParseDateTime(ReadOnlySpan<char> text, out long epochSecond, out int nanos, out bool hasOffset)
    {
        epochSecond = 0;
        nanos = 0;
        hasOffset = false;
        if (text.Length < 16 || (text[10] != 'T' && text[10] != 't') || !TryParseDateCore(text[..10], out var date))
        {
            return false;
        }

        var rest = text[11..];
        if (!TryParseTimeCore(rest, out var consumed, out var nanosOfDay))
        {
            return false;
        }

        var zone = rest[consumed..];
        var offsetSeconds = 0;
        if (zone.Length == 1 && (zone[0] == 'Z' || zone[0] == 'z'))
        {
            hasOffset = true;
        }
        else if (zone.Length == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':'
            && TryTwoDigits(zone[1..], out var offsetHours) && TryTwoDigits(zone[4..], out var offsetMinutes)
            && offsetHours <= 18 && offsetMinutes <= 59)
        {
            hasOffset = true;
            offsetSeconds = ((offsetHours * 60) + offsetMinutes) * 60 * (zone[0] == '-' ? -1 : 1);
        }
        else if (!zone.IsEmpty)
        {
            return false;
        }

        var days = (long)(date.DayNumber - s_epochDayNumber);
        var secondOfDay = nanosOfDay / NanosPerSecond;
        epochSecond = (days * 86_400) + secondOfDay - offsetSeconds;
        nanos = (int)(nanosOfDay % NanosPerSecond);
        return true;
    }

    private static bool TryParseDateCore(ReadOnlySpan<char> text, out DateOnly date)
    {
        date = default;
        if (text.Length != 10 || text[4] != '-' || text[7] != '-'
            || !TryDigits(text[..4], out var year) || !TryTwoDigits(text[5..], out var month)
            || !TryTwoDigits(text[8..], out var day))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        date = new DateOnly(year, month, day);
        return true;
    }

    private static bool TryParseTimeCore(ReadOnlySpan<char> text, out int consumed, out long nanosOfDay)
    {
        consumed = 0;
        nanosOfDay = 0;
        if (text.Length < 5 || text[2] != ':' || !TryTwoDigits(text, out var hour) || !TryTwoDigits(text[3..], out var minute)
            || hour > 23 || minute > 59)
        {
            return false;
        }

        var second = 0;
        long fraction = 0;
        var i = 5;
        if (i < text.Length && text[i] == ':')
        {
            if (text.Length < 8 || !TryTwoDigits(text[6..], out second) || second > 59)
            {
                return false;
            }

            i = 8;
            if (i < text.Length && text[i] == '.')
            {
                var start = ++i;
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    i++;
                }

                var digits = i - start;
                if (digits is 0 or > 9)
                {
                    return false;
                }

                for (var d = start; d < start + 9; d++)
                {
                    fraction = (fraction * 10) + (d < i ? text[d] - '0' : 0);
                }
            }
        }

        consumed = i;
        nanosOfDay = ((((hour * 60L) + minute) * 60) + second) * NanosPerSecond + fraction;
        return true;
    }

    private static bool TryTwoDigits(ReadOnlySpan<char> text, out int value) => TryDigits(text[..2], out value);

    private static bool TryDigits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
