using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KafkaGateway.Security;

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
        var text = System.Text.Encoding.ASCII.GetString(data);
        if (PemEncoding.TryFind(text, out var fields))
        {
            data = Convert.FromBase64String(text[fields.Base64Data]);
        }

        try
        {
            var outer = new AsnReader(data, AsnEncodingRules.DER).ReadSequence();
            var tbsEncoded = outer.ReadEncodedValue();
            var algorithm = outer.ReadSequence().ReadObjectIdentifier();
            var signature = outer.ReadBitString(out _);
            if (!issuers.Any(ca => Verify(ca, algorithm, tbsEncoded.Span, signature)))
            {
                throw new CryptographicException("the CRL is not signed by a configured CA");
            }

            var tbs = new AsnReader(tbsEncoded, AsnEncodingRules.DER).ReadSequence();
            if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            {
                _ = tbs.ReadInteger();
            }

            _ = tbs.ReadSequence(); // signature algorithm
            _ = tbs.ReadEncodedValue(); // issuer
            _ = ReadTime(tbs); // thisUpdate
            DateTimeOffset? nextUpdate = null;
            if (tbs.HasData && (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) || tbs.PeekTag().HasSameClassAndValue(Asn1Tag.GeneralizedTime)))
            {
                nextUpdate = ReadTime(tbs);
            }

            var revoked = new HashSet<string>(StringComparer.Ordinal);
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var entries = tbs.ReadSequence();
                while (entries.HasData)
                {
                    var entry = entries.ReadSequence();
                    revoked.Add(Normalize(Convert.ToHexString(entry.ReadIntegerBytes().Span)));
                }
            }

            return new CertificateRevocationList(revoked, nextUpdate);
        }
        catch (AsnContentException ex)
        {
            throw new CryptographicException("the CRL is malformed: " + ex.Message, ex);
        }
    }

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();

    private static string Normalize(string hexSerial) => hexSerial.TrimStart('0').ToUpperInvariant();

    private static bool Verify(X509Certificate2 ca, string algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        var hash = algorithm switch
        {
            "1.2.840.113549.1.1.11" or "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
            "1.2.840.113549.1.1.12" or "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
            "1.2.840.113549.1.1.13" or "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
            _ => default,
        };
        if (hash == default)
        {
            return false;
        }

        using var rsa = ca.GetRSAPublicKey();
        if (rsa is not null)
        {
            return rsa.VerifyData(data, signature, hash, RSASignaturePadding.Pkcs1);
        }

        using var ecdsa = ca.GetECDsaPublicKey();
        return ecdsa is not null && ecdsa.VerifyData(data, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
    }
}
