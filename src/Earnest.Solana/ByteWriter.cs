using System.Buffers;

namespace Earnest.Solana;

/// <summary>Appends bytes, single bytes and compact-u16 lengths to a growing buffer.</summary>
internal sealed class ByteWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public void Byte(byte value) => Bytes([value]);

    public void Bytes(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

    public void ShortVec(int value)
    {
        Span<byte> bytes = stackalloc byte[Solana.ShortVec.MaxLength];
        _buffer.Write(bytes[..Solana.ShortVec.Write(value, bytes)]);
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}
