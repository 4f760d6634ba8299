namespace Earnest.Solana;

/// <summary>
/// A message and its signatures. On the wire: a compact-u16 count of signatures, the 64-byte signatures in the
/// order of the message's signers (64 zero bytes for one not yet given), then the message's bytes. The whole must fit
/// one packet (<see cref="TransactionLimits.PacketSize"/> bytes).
/// </summary>
public sealed class Transaction
{
    private readonly Signature?[] _signatures;
    private readonly byte[] _messageBytes;

    /// <summary>An unsigned transaction of <paramref name="message"/>.</summary>
    /// <exception cref="TransactionException">The transaction would not fit one packet.</exception>
    public Transaction(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Message = message;
        _messageBytes = message.Serialize();
        _signatures = new Signature?[message.Header.RequiredSignatures];
        var size = ShortVec.EncodedLength(_signatures.Length) + (_signatures.Length * Signature.Length) +
            _messageBytes.Length;
        if (size > TransactionLimits.PacketSize)
        {
            throw new TransactionException(
                $"The transaction is {size} bytes ({_signatures.Length} signatures and a {_messageBytes.Length}-byte message); one packet holds at most {TransactionLimits.PacketSize}.");
        }
    }

    /// <summary>The message the signatures sign.</summary>
    public Message Message { get; }

    /// <summary>The message's bytes (a copy): what each signer signs.</summary>
    public byte[] MessageBytes => (byte[])_messageBytes.Clone();

    /// <summary>The signatures in signer order; null where a signer has not signed yet.</summary>
    public IReadOnlyList<Signature?> Signatures => _signatures;

    /// <summary>True when every signer has signed.</summary>
    public bool IsFullySigned => Array.TrueForAll(_signatures, s => s is not null);

    /// <summary>The transaction's id: the fee payer's signature.</summary>
    public Signature? Id => _signatures.Length > 0 ? _signatures[0] : null;

    /// <summary>
    /// Signs with each key, in the slot of its address; other slots keep what they hold. Signing again with the same
    /// key gives the same signature (Ed25519 is deterministic).
    /// </summary>
    /// <exception cref="TransactionException">A key's address is not one of the message's signers.</exception>
    public Transaction Sign(params IEnumerable<Keypair> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var signers = Message.Signers;
        var all = keys.ToList();
        var strangers = all.Where(k => !signers.Contains(k.PublicKey)).Select(k => k.PublicKey.ToString()).ToList();
        if (strangers.Count > 0)
        {
            throw new TransactionException(
                $"{string.Join(", ", strangers)} cannot sign this transaction: its signers are {string.Join(", ", signers)}.");
        }
        foreach (var key in all)
        {
            for (var i = 0; i < signers.Count; i++)
            {
                if (signers[i] == key.PublicKey)
                {
                    _signatures[i] = key.Sign(_messageBytes);
                }
            }
        }
        return this;
    }

    /// <summary>Puts a signature made elsewhere (a wallet) in the slot of <paramref name="signer"/>.</summary>
    /// <exception cref="TransactionException">
    /// The address is not a signer of the message, or the signature is not its signature of the message.
    /// </exception>
    public Transaction AddSignature(PublicKey signer, Signature signature)
    {
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(signature);
        var index = Message.Signers.ToList().IndexOf(signer);
        if (index < 0)
        {
            throw new TransactionException($"{signer} is not a signer of this transaction.");
        }
        if (!Verifies(signer, signature))
        {
            throw new TransactionException($"The signature {signature} is not {signer}'s signature of this message.");
        }
        _signatures[index] = signature;
        return this;
    }

    private bool Verifies(PublicKey signer, Signature signature)
    {
        var algorithm = NSec.Cryptography.SignatureAlgorithm.Ed25519;
        return NSec.Cryptography.PublicKey.TryImport(algorithm, signer.Bytes, NSec.Cryptography.KeyBlobFormat.RawPublicKey,
                out var key) && key is not null && algorithm.Verify(key, _messageBytes, signature.Bytes);
    }

    /// <summary>The wire bytes (unsigned slots as 64 zero bytes, as @solana/kit writes them).</summary>
    public byte[] Serialize()
    {
        var writer = new ByteWriter();
        writer.ShortVec(_signatures.Length);
        Span<byte> zeros = stackalloc byte[Signature.Length];
        zeros.Clear();
        foreach (var signature in _signatures)
        {
            writer.Bytes(signature is null ? zeros : signature.Bytes);
        }
        writer.Bytes(_messageBytes);
        return writer.ToArray();
    }

    /// <summary>The wire bytes in base64: what <c>sendTransaction</c> takes with <c>encoding: "base64"</c>.</summary>
    public string ToBase64() => Convert.ToBase64String(Serialize());
}
