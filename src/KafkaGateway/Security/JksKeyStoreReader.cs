using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace KafkaGateway.Security;

/// <summary>
/// Reads Java KeyStore (JKS) files as <c>keytool -storetype JKS</c> writes them, without a JVM.
/// </summary>
/// <remarks>
/// Layout (all integers big-endian): magic 0xFEEDFEED, version (1 or 2), entry count, then per entry a tag
/// (1 = private key, 2 = trusted certificate), the alias and a creation time in epoch milliseconds. A private key
/// entry carries a DER EncryptedPrivateKeyInfo protected with Sun's proprietary key protector and its certificate
/// chain; a trusted certificate entry carries one certificate. Version 2 prefixes every certificate with its type
/// ("X.509"). The file ends with a SHA-1 over the password (UTF-16BE), the bytes of "Mighty Aphrodite" and all
/// preceding bytes: the only thing that tells a wrong store password apart, since the entries are not encrypted.
/// </remarks>
public static class JksKeyStoreReader
{
    /// <summary>OID of Sun's JKS key protector (SHA-1 keystream XOR), <c>1.3.6.1.4.1.42.2.17.1.1</c>.</summary>
    public const string KeyProtectorOid = "1.3.6.1.4.1.42.2.17.1.1";

    private const uint JksMagic = 0xFEEDFEED;
    private const uint JceksMagic = 0xCECECECE;
    private const int PrivateKeyTag = 1;
    private const int TrustedCertificateTag = 2;
    private const int DigestLength = 20; // SHA-1
    private static readonly byte[] s_integrityWhitener = Encoding.UTF8.GetBytes("Mighty Aphrodite");

    /// <summary>True when <paramref name="data"/> starts with the JKS magic number 0xFEEDFEED.</summary>
    public static bool IsJks(ReadOnlySpan<byte> data) =>
        data.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(data) == JksMagic;

    /// <summary>
    /// Parses a JKS store and, when <paramref name="storePassword"/> is not null, verifies its integrity digest.
    /// A null password skips the check, as Java does for trust stores opened without a password.
    /// </summary>
    /// <exception cref="JksKeyStoreException">The data is not a JKS store, is corrupt, or the password is wrong.</exception>
    public static JksKeyStore Read(ReadOnlySpan<byte> data, string? storePassword)
    {
        var reader = new BigEndianReader(data);
        var magic = reader.ReadUInt32();
        if (magic == JceksMagic)
            throw new JksKeyStoreException(JksKeyStoreError.Unsupported, "the store is JCEKS, not JKS; convert it to PKCS12 with keytool -importkeystore");
        if (magic != JksMagic)
            throw new JksKeyStoreException(JksKeyStoreError.Malformed, "not a JKS key store (magic number 0xFEEDFEED missing)");

        var version = reader.ReadUInt32();
        if (version is not (1 or 2))
            throw new JksKeyStoreException(JksKeyStoreError.Unsupported, $"unsupported JKS version {version}");

        var count = reader.ReadUInt32();
        // Every entry needs at least a tag, an alias length and a date; bounding by it keeps a corrupt count from
        // turning into a huge allocation.
        if (count > (uint)data.Length / 14)
            throw new JksKeyStoreException(JksKeyStoreError.Malformed, $"entry count {count} exceeds the file size");

        var privateKeys = new List<JksPrivateKeyEntry>();
        var trusted = new List<JksTrustedCertificateEntry>();
        for (var i = 0; i < count; i++)
        {
            var tag = reader.ReadUInt32();
            var alias = reader.ReadModifiedUtf8();
            var created = DateTimeOffset.FromUnixTimeMilliseconds(reader.ReadInt64());
            switch (tag)
            {
                case PrivateKeyTag:
                    var protectedKey = reader.ReadBytes(reader.ReadLength());
                    var chainLength = reader.ReadLength();
                    var chain = new List<byte[]>(Math.Min(chainLength, 16));
                    for (var c = 0; c < chainLength; c++)
                        chain.Add(ReadCertificate(ref reader, version));
                    privateKeys.Add(new JksPrivateKeyEntry(alias, created, protectedKey, chain));
                    break;
                case TrustedCertificateTag:
                    trusted.Add(new JksTrustedCertificateEntry(alias, created, ReadCertificate(ref reader, version)));
                    break;
                default:
                    // Tag 3 (secret key) exists only in JCEKS/PKCS12; anything else means we lost our place.
                    throw new JksKeyStoreException(JksKeyStoreError.Malformed, $"entry '{alias}' has unknown tag {tag}");
            }
        }

        var contentLength = reader.Position;
        var storedDigest = reader.ReadBytes(DigestLength);
        if (reader.Position != data.Length)
            throw new JksKeyStoreException(JksKeyStoreError.Malformed, "unexpected data after the integrity digest");

        if (storePassword is not null)
        {
            var digest = ComputeIntegrityDigest(data[..contentLength], storePassword);
            if (!CryptographicOperations.FixedTimeEquals(digest, storedDigest))
                throw new JksKeyStoreException(JksKeyStoreError.WrongPassword, "wrong store password, or the store was altered (integrity check failed)");
        }

        return new JksKeyStore(privateKeys, trusted);
    }

    /// <summary>
    /// Recovers the PKCS#8 PrivateKeyInfo (DER) of a private key entry protected with Sun's key protector.
    /// </summary>
    /// <exception cref="JksKeyStoreException">The key password is wrong or the protected key is corrupt.</exception>
    public static byte[] DecryptPrivateKey(JksPrivateKeyEntry entry, string keyPassword)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(keyPassword);

        ReadOnlyMemory<byte> protectedKey;
        try
        {
            var sequence = new AsnReader(entry.EncryptedPrivateKeyInfo, AsnEncodingRules.BER).ReadSequence();
            var algorithm = sequence.ReadSequence();
            var oid = algorithm.ReadObjectIdentifier();
            if (oid != KeyProtectorOid)
                throw new JksKeyStoreException(JksKeyStoreError.Unsupported, $"private key '{entry.Alias}' is protected with algorithm {oid}, not the JKS key protector");
            protectedKey = sequence.ReadOctetString();
        }
        catch (AsnContentException ex)
        {
            throw new JksKeyStoreException(JksKeyStoreError.Malformed, $"private key '{entry.Alias}' is not a valid EncryptedPrivateKeyInfo", ex);
        }

        // salt(20) || key XOR keystream || SHA-1(password || key)
        var data = protectedKey.Span;
        if (data.Length <= 2 * DigestLength)
            throw new JksKeyStoreException(JksKeyStoreError.Malformed, $"private key '{entry.Alias}' is truncated");
        var salt = data[..DigestLength];
        var encrypted = data[DigestLength..^DigestLength];
        var check = data[^DigestLength..];

        var password = Encoding.BigEndianUnicode.GetBytes(keyPassword);
        var plain = new byte[encrypted.Length];
        try
        {
            // The keystream is SHA-1(password || previous block), seeded with the salt.
            Span<byte> block = stackalloc byte[DigestLength];
            salt.CopyTo(block);
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            for (var offset = 0; offset < encrypted.Length; offset += DigestLength)
            {
                sha1.AppendData(password);
                sha1.AppendData(block);
                sha1.GetHashAndReset(block);
                var n = Math.Min(DigestLength, encrypted.Length - offset);
                for (var i = 0; i < n; i++)
                    plain[offset + i] = (byte)(encrypted[offset + i] ^ block[i]);
            }

            sha1.AppendData(password);
            sha1.AppendData(plain);
            Span<byte> digest = stackalloc byte[DigestLength];
            sha1.GetHashAndReset(digest);
            CryptographicOperations.ZeroMemory(block);
            if (!CryptographicOperations.FixedTimeEquals(digest, check))
            {
                CryptographicOperations.ZeroMemory(plain);
                throw new JksKeyStoreException(JksKeyStoreError.WrongKeyPassword, $"wrong password for private key '{entry.Alias}' (key check digest mismatch)");
            }

            return plain;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
        }
    }

    private static byte[] ComputeIntegrityDigest(ReadOnlySpan<byte> content, string storePassword)
    {
        var password = Encoding.BigEndianUnicode.GetBytes(storePassword);
        try
        {
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            sha1.AppendData(password);
            sha1.AppendData(s_integrityWhitener);
            sha1.AppendData(content);
            return sha1.GetHashAndReset();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
        }
    }

    private static byte[] ReadCertificate(ref BigEndianReader reader, uint version)
    {
        if (version == 2)
        {
            var type = reader.ReadModifiedUtf8();
            if (type != "X.509")
                throw new JksKeyStoreException(JksKeyStoreError.Unsupported, $"certificate type '{type}' is not X.509");
        }

        return reader.ReadBytes(reader.ReadLength());
    }

    private ref struct BigEndianReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;

        public int Position { get; private set; }

        public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

        public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

        public int ReadLength()
        {
            var length = ReadUInt32();
            if (length > (uint)(_data.Length - Position))
                throw new JksKeyStoreException(JksKeyStoreError.Malformed, $"length {length} at offset {Position - 4} runs past the end of the file");
            return (int)length;
        }

        public byte[] ReadBytes(int count) => Take(count).ToArray();

        /// <summary>Java's DataInput.readUTF: a u16 length, then modified UTF-8 (NUL as C0 80, surrogates encoded singly).</summary>
        public string ReadModifiedUtf8()
        {
            var bytes = Take(BinaryPrimitives.ReadUInt16BigEndian(Take(2)));
            var chars = new StringBuilder(bytes.Length);
            for (var i = 0; i < bytes.Length;)
            {
                int b = bytes[i];
                if (b < 0x80)
                {
                    chars.Append((char)b);
                    i += 1;
                }
                else if ((b & 0xE0) == 0xC0 && i + 1 < bytes.Length)
                {
                    chars.Append((char)(((b & 0x1F) << 6) | (bytes[i + 1] & 0x3F)));
                    i += 2;
                }
                else if ((b & 0xF0) == 0xE0 && i + 2 < bytes.Length)
                {
                    chars.Append((char)(((b & 0x0F) << 12) | ((bytes[i + 1] & 0x3F) << 6) | (bytes[i + 2] & 0x3F)));
                    i += 3;
                }
                else
                {
                    throw new JksKeyStoreException(JksKeyStoreError.Malformed, $"invalid modified UTF-8 at offset {Position - bytes.Length + i}");
                }
            }

            return chars.ToString();
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > _data.Length - Position)
                throw new JksKeyStoreException(JksKeyStoreError.Malformed, $"unexpected end of file at offset {Position}");
            var slice = _data.Slice(Position, count);
            Position += count;
            return slice;
        }
    }
}

/// <summary>The entries of a JKS store; certificates are DER-encoded X.509.</summary>
public sealed record JksKeyStore(
    IReadOnlyList<JksPrivateKeyEntry> PrivateKeys,
    IReadOnlyList<JksTrustedCertificateEntry> TrustedCertificates);

/// <summary>
/// A JKS private key entry: the protected key (DER EncryptedPrivateKeyInfo, see
/// <see cref="JksKeyStoreReader.DecryptPrivateKey"/>) and its certificate chain, leaf first.
/// </summary>
public sealed record JksPrivateKeyEntry(
    string Alias,
    DateTimeOffset Created,
    byte[] EncryptedPrivateKeyInfo,
    IReadOnlyList<byte[]> CertificateChain);

/// <summary>A JKS trusted certificate entry (keytool's <c>trustedCertEntry</c>).</summary>
public sealed record JksTrustedCertificateEntry(string Alias, DateTimeOffset Created, byte[] Certificate);

/// <summary>Why a JKS store could not be read.</summary>
public enum JksKeyStoreError
{
    /// <summary>Not a JKS file, truncated, or internally inconsistent.</summary>
    Malformed,

    /// <summary>A valid variant this reader does not handle (JCEKS, non-X.509 certificates, other key protectors).</summary>
    Unsupported,

    /// <summary>The store password does not match the integrity digest.</summary>
    WrongPassword,

    /// <summary>The key password does not match the private key's check digest.</summary>
    WrongKeyPassword,
}

/// <summary>A JKS store could not be read; the message never contains a password or key material.</summary>
public sealed class JksKeyStoreException : Exception
{
    public JksKeyStoreException(JksKeyStoreError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    /// <summary>The kind of failure, so callers can name the right configuration key.</summary>
    public JksKeyStoreError Error { get; }
}
