using System.Buffers.Binary;
using System.Security.Cryptography;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace KafkaGateway.Tls;

/// <summary>
/// Reads Java KeyStore (JKS) files as <c>keytool -storetype JKS</c> writes them, without a JVM, through
/// BouncyCastle's <see cref="JksStore"/>; this class only classifies its failures so that the caller can name the
/// configuration key at fault (store password, key password, or the file itself).
/// </summary>
/// <remarks>
/// A JKS file's entries are not encrypted: the store password only feeds a SHA-1 integrity digest at the end of the
/// file, and each private key is protected with Sun's key protector under its own password. The store is therefore
/// parsed first without the digest (a failure there means the file is not a well-formed JKS store), then checked
/// with the password (a failure there means a wrong password or an altered file).
/// </remarks>
public static class JksKeyStoreReader
{
    private const uint JksMagic = 0xFEEDFEED;
    private const uint JceksMagic = 0xCECECECE;

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
        if (data.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(data) == JceksMagic)
            throw new JksKeyStoreException(JksKeyStoreError.Unsupported, "the store is JCEKS, not JKS; convert it to PKCS12 with keytool -importkeystore");
        if (!IsJks(data))
            throw new JksKeyStoreException(JksKeyStoreError.Malformed, "not a JKS key store (magic number 0xFEEDFEED missing)");

        // Note: JksStore allocates each length field's bytes before reading them, so a corrupt length costs up to 2 GB
        // once before failing as malformed. The file is the operator's own configuration, read at start and on
        // rotation, so that is accepted rather than pre-walking the format here (the hand-written parser this replaced).
        var bytes = data.ToArray();
        var store = new JksStore();
        try
        {
            store.LoadUnchecked(new MemoryStream(bytes, writable: false));
        }
        catch (Exception ex) when (IsParseFailure(ex))
        {
            // BouncyCastle's messages describe the structure ("Invalid keystore format", end of stream); they never
            // carry key material, since the keys are still protected at this point.
            throw new JksKeyStoreException(JksKeyStoreError.Malformed, $"the file is not a well-formed JKS store ({ex.Message})", ex);
        }

        if (storePassword is not null)
        {
            try
            {
                new JksStore().Load(new MemoryStream(bytes, writable: false), storePassword.AsSpan());
            }
            catch (IOException ex)
            {
                throw new JksKeyStoreException(JksKeyStoreError.WrongPassword, "wrong store password, or the store was altered (integrity check failed)", ex);
            }
        }

        var privateKeys = new List<JksPrivateKeyEntry>();
        var trusted = new List<JksTrustedCertificateEntry>();
        foreach (var alias in store.Aliases.Order(StringComparer.Ordinal))
        {
            var created = new DateTimeOffset(DateTime.SpecifyKind(store.GetCreationDate(alias) ?? DateTime.UnixEpoch, DateTimeKind.Utc));
            if (store.IsKeyEntry(alias))
            {
                var chain = store.GetCertificateChain(alias)?.Select(c => c.GetEncoded()).ToArray() ?? [];
                privateKeys.Add(new JksPrivateKeyEntry(alias, created, chain) { Store = store });
            }
            else
            {
                trusted.Add(new JksTrustedCertificateEntry(alias, created, store.GetCertificate(alias).GetEncoded()));
            }
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
        if (entry.Store is null)
            throw new ArgumentException("the entry was not read by JksKeyStoreReader.Read", nameof(entry));

        Org.BouncyCastle.Crypto.AsymmetricKeyParameter? key;
        try
        {
            key = entry.Store.GetKey(entry.Alias, keyPassword.AsSpan());
        }
        catch (IOException ex) when (ex.Message.Contains("unknown encryption algorithm", StringComparison.Ordinal))
        {
            throw new JksKeyStoreException(JksKeyStoreError.Unsupported, $"private key '{entry.Alias}' is not protected with the JKS key protector", ex);
        }
        catch (IOException ex)
        {
            // "cannot recover key": the check digest over password and key does not match.
            throw new JksKeyStoreException(JksKeyStoreError.WrongKeyPassword, $"wrong password for private key '{entry.Alias}' (key check digest mismatch)", ex);
        }
        catch (Exception ex) when (IsParseFailure(ex))
        {
            throw new JksKeyStoreException(JksKeyStoreError.Malformed, $"private key '{entry.Alias}' is not a valid PKCS#8 key", ex);
        }

        if (key is null)
            throw new JksKeyStoreException(JksKeyStoreError.Malformed, $"private key entry '{entry.Alias}' disappeared from the store");
        return PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetEncoded();
    }

    // What a truncated or foreign file makes BouncyCastle throw while parsing (not programming errors).
    private static bool IsParseFailure(Exception ex) =>
        ex is IOException or NotSupportedException or ArgumentException or InvalidCastException or InvalidOperationException
            or Org.BouncyCastle.Security.Certificates.CertificateException or CryptographicException;
}

/// <summary>The entries of a JKS store; certificates are DER-encoded X.509.</summary>
public sealed record JksKeyStore(
    IReadOnlyList<JksPrivateKeyEntry> PrivateKeys,
    IReadOnlyList<JksTrustedCertificateEntry> TrustedCertificates);

/// <summary>
/// A JKS private key entry: its alias and certificate chain, leaf first. The key stays protected until
/// <see cref="JksKeyStoreReader.DecryptPrivateKey"/> is given its password.
/// </summary>
public sealed record JksPrivateKeyEntry(
    string Alias,
    DateTimeOffset Created,
    IReadOnlyList<byte[]> CertificateChain)
{
    /// <summary>The parsed store the protected key lives in; set by <see cref="JksKeyStoreReader.Read"/>.</summary>
    internal JksStore? Store { get; init; }
}

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
