namespace Earnest.Solana;

/// <summary>
/// Solana's compact-u16 ("shortvec") integer: 7 bits per byte, least significant group first, the high bit of a byte
/// set when another byte follows; one to three bytes for 0 to 65,535. Lengths of every list in a message use it.
/// </summary>
public static class ShortVec
{
    /// <summary>The largest value a compact-u16 holds.</summary>
    public const int MaxValue = ushort.MaxValue;

    /// <summary>The most bytes a compact-u16 takes.</summary>
    public const int MaxLength = 3;

    /// <summary>How many bytes <paramref name="value"/> takes (1 to 3).</summary>
    public static int EncodedLength(int value)
    {
        CheckRange(value);
        return value < 0x80 ? 1 : value < 0x4000 ? 2 : 3;
    }

    /// <summary>Writes <paramref name="value"/> at the start of <paramref name="destination"/>; the bytes written.</summary>
    public static int Write(int value, Span<byte> destination)
    {
        var length = EncodedLength(value);
        if (destination.Length < length)
        {
            throw new ArgumentException($"A compact-u16 of {value} needs {length} bytes; the destination has {destination.Length}.",
                nameof(destination));
        }
        var rest = value;
        for (var i = 0; i < length; i++)
        {
            var group = rest & 0x7f;
            rest >>= 7;
            destination[i] = (byte)(rest == 0 ? group : group | 0x80);
        }
        return length;
    }

    /// <summary>The bytes of <paramref name="value"/>.</summary>
    public static byte[] Encode(int value)
    {
        var bytes = new byte[EncodedLength(value)];
        Write(value, bytes);
        return bytes;
    }

    /// <summary>
    /// Reads a compact-u16 from the start of <paramref name="source"/>, refusing what the Solana runtime refuses: a
    /// truncated value, a fourth byte, a value above 65,535, and an alias (a longer encoding of a value that has a
    /// shorter one, such as <c>0x80 0x00</c> for 0).
    /// </summary>
    /// <returns>The value and the number of bytes it took.</returns>
    public static (int Value, int Length) Read(ReadOnlySpan<byte> source)
    {
        var value = 0;
        for (var i = 0; i < MaxLength; i++)
        {
            if (i >= source.Length)
            {
                throw new FormatException(
                    $"A compact-u16 is cut short: byte {i} is missing (the bytes end after {source.Length}).");
            }
            var b = source[i];
            var group = b & 0x7f;
            if (i > 0 && b == 0)
            {
                throw new FormatException(
                    $"A compact-u16 is not in its shortest form: byte {i} is 0x00 after a continuation bit.");
            }
            value |= group << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (value > MaxValue)
                {
                    throw new FormatException($"A compact-u16 holds at most {MaxValue}; these bytes hold {value}.");
                }
                return (value, i + 1);
            }
        }
        throw new FormatException("A compact-u16 takes at most 3 bytes; the third byte has its continuation bit set.");
    }

    private static void CheckRange(int value)
    {
        if (value is < 0 or > MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value,
                $"A compact-u16 holds 0 to {MaxValue}.");
        }
    }
}
