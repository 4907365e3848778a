using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Security.Certificates;
using Org.BouncyCastle.X509;

namespace KafkaGateway.Tls;

/// <summary>
/// The revoked serial numbers of an X.509 CRL (RFC 5280 §5), after checking its signature against the trusted CAs.
/// .NET's chain builder cannot be handed a CRL file on every platform, so the gateway reads it itself.
/// </summary>
public sealed class CertificateRevocationList
{
    private readonly HashSet<string> _revokedSerials;

    private CertificateRevocationList(HashSet<string> revokedSerials, DateTimeOffset? nextUpdate)
    {
        _revokedSerials = revokedSerials;
        NextUpdate = nextUpdate;
    }

    /// <summary>When the issuer promises the next CRL; a later date means this one is stale.</summary>
    public DateTimeOffset? NextUpdate { get; }

    /// <summary>Number of revoked certificates.</summary>
    public int Count => _revokedSerials.Count;

    /// <summary>True when <paramref name="certificate"/>'s serial number is listed.</summary>
    public bool IsRevoked(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return _revokedSerials.Contains(Normalize(certificate.SerialNumber));
    }

    /// <summary>Reads a PEM (<c>X509 CRL</c>) or DER CRL and verifies it was signed by one of <paramref name="issuers"/>.</summary>
    /// <exception cref="CryptographicException">Malformed, or not signed by a trusted CA.</exception>
    public static CertificateRevocationList Load(byte[] data, X509Certificate2Collection issuers)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(issuers);

        X509Crl? crl;
        try
        {
            // Parsing is BouncyCastle's (PEM or DER, v1 and v2 CRLs); which signatures count stays decided here.
            crl = new X509CrlParser().ReadCrl(data);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new CryptographicException("the CRL is malformed: " + ex.Message, ex);
        }

        if (crl is null)
        {
            throw new CryptographicException("the CRL is malformed: no PEM 'X509 CRL' block or DER CRL found");
        }

        if (!s_acceptedSignatureAlgorithms.Contains(crl.SigAlgOid) || !issuers.Any(ca => IsSignedBy(crl, ca)))
        {
            throw new CryptographicException("the CRL is not signed by a configured CA");
        }

        var revoked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in crl.GetRevokedCertificates() ?? new HashSet<X509CrlEntry>())
        {
            // Two's complement big-endian, as X509Certificate2.SerialNumber shows the encoded serial.
            revoked.Add(Normalize(Convert.ToHexString(entry.SerialNumber.ToByteArray())));
        }

        DateTimeOffset? nextUpdate = crl.NextUpdate is { } next ? new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc)) : null;
        return new CertificateRevocationList(revoked, nextUpdate);
    }

    // SHA-2 with RSA PKCS#1 v1.5 or ECDSA, as before the switch to BouncyCastle: a CRL signed with SHA-1 or MD5 is not
    // trusted even though the library could verify it.
    private static readonly HashSet<string> s_acceptedSignatureAlgorithms = new(StringComparer.Ordinal)
    {
        "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13",
        "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4",
    };

    private static string Normalize(string hexSerial) => hexSerial.TrimStart('0').ToUpperInvariant();

    private static bool IsSignedBy(X509Crl crl, X509Certificate2 ca)
    {
        try
        {
            crl.Verify(PublicKeyFactory.CreateKey(ca.PublicKey.ExportSubjectPublicKeyInfo()));
            return true;
        }
        catch (Exception ex) when (ex is InvalidKeyException or SignatureException or CrlException
            or Org.BouncyCastle.Crypto.CryptoException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
