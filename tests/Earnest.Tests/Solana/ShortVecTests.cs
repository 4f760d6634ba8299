using Earnest.Solana;
using Xunit;

namespace Earnest.Tests.Solana;

public sealed class ShortVecTests
{
    [Theory]
    [InlineData(0, new byte[] { 0x00 })]
    [InlineData(1, new byte[] { 0x01 })]
    [InlineData(127, new byte[] { 0x7f })]
    [InlineData(128, new byte[] { 0x80, 0x01 })]
    [InlineData(255, new byte[] { 0xff, 0x01 })]
    [InlineData(16383, new byte[] { 0xff, 0x7f })]
    [InlineData(16384, new byte[] { 0x80, 0x80, 0x01 })]
    [InlineData(65535, new byte[] { 0xff, 0xff, 0x03 })]
    public void known_values_encode_to_their_bytes_and_decode_back(int value, byte[] bytes)
    {
        Assert.Equal(bytes, ShortVec.Encode(value));
        Assert.Equal(bytes.Length, ShortVec.EncodedLength(value));
        Assert.Equal((value, bytes.Length), ShortVec.Read([.. bytes, 0xAA])); // trailing bytes are not read
    }

    [Fact]
    public void every_value_round_trips_in_the_fewest_bytes()
    {
        for (var value = 0; value <= ShortVec.MaxValue; value++)
        {
            var bytes = ShortVec.Encode(value);
            Assert.Equal(value < 128 ? 1 : value < 16384 ? 2 : 3, bytes.Length);
            Assert.Equal((value, bytes.Length), ShortVec.Read(bytes));
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    public void values_outside_u16_are_refused(int value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ShortVec.Encode(value));
        Assert.Contains("0 to 65535", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { }, "cut short")]
    [InlineData(new byte[] { 0x80 }, "cut short")]
    [InlineData(new byte[] { 0xff, 0xff }, "cut short")]
    [InlineData(new byte[] { 0x80, 0x00 }, "shortest form")] // an alias of 0
    [InlineData(new byte[] { 0xff, 0x80, 0x00 }, "shortest form")] // an alias of 127
    [InlineData(new byte[] { 0xff, 0xff, 0x04 }, "at most 65535")]
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x01 }, "at most 3 bytes")]
    public void malformed_bytes_are_refused_with_the_reason(byte[] bytes, string reason)
    {
        var error = Assert.Throws<FormatException>(() => ShortVec.Read(bytes));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
