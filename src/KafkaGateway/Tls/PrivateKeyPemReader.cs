using System.Security.Cryptography;
using System.Formats.Asn1;

namespace KafkaGateway.Tls;

/// <summary>
/// Reads a private key from PEM in the encodings platforms hand out and normalises it to unencrypted PKCS#8,
/// the one form librdkafka's <c>ssl.key.pem</c> takes without a separate password setting.
/// </summary>
internal static class PrivateKeyPemReader
{
    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcOid = "1.2.840.10045.2.1";

    /// <summary>Returns the key as PKCS#8 PrivateKeyInfo DER; the caller zeroes it after use.</summary>
    public static byte[] ReadPkcs8(string pem, string? password, string key, string source, string passwordKey)
    {
        // OpenSSL's legacy "Proc-Type: 4,ENCRYPTED" headers (openssl -traditional, DEK-Info AES-*-CBC or DES-EDE3-CBC)
        // are outside RFC 7468, so PemEncoding would not even find the block: BouncyCastle's PemReader decrypts them.
        if (pem.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
            return ReadLegacyEncrypted(pem, password, key, source, passwordKey);

        var remaining = pem.AsSpan();
        while (PemEncoding.TryFind(remaining, out var fields))
        {
            var label = remaining[fields.Label].ToString();
            if (label is "PRIVATE KEY" or "ENCRYPTED PRIVATE KEY" or "RSA PRIVATE KEY" or "EC PRIVATE KEY")
            {
                var der = Convert.FromBase64String(remaining[fields.Base64Data].ToString());
                try
                {
                    return ToPkcs8(label, der, password, key, source, passwordKey);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(der);
                }
            }

            remaining = remaining[fields.Location.End..];
        }

        throw new TlsConfigurationException(key, $"{source} contains no PEM private key (PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    /// <summary>Imports PKCS#8 DER as an RSA or ECDsa key (the algorithms Kafka client certificates use).</summary>
    public static AsymmetricAlgorithm Import(byte[] pkcs8, string key)
    {
        string oid;
        try
        {
            // PrivateKeyInfo ::= SEQUENCE { version INTEGER, privateKeyAlgorithm AlgorithmIdentifier, ... }
            var privateKeyInfo = new AsnReader(pkcs8, AsnEncodingRules.BER).ReadSequence();
            _ = privateKeyInfo.ReadInteger();
            oid = privateKeyInfo.ReadSequence().ReadObjectIdentifier();
        }
        catch (AsnContentException ex)
        {
            throw new TlsConfigurationException(key, "the private key is not valid PKCS#8", ex);
        }

        AsymmetricAlgorithm algorithm = oid switch
        {
            RsaOid => RSA.Create(),
            EcOid => ECDsa.Create(),
            _ => throw new TlsConfigurationException(key, $"private key algorithm {oid} is not supported; use an RSA or EC key"),
        };
        try
        {
            algorithm.ImportPkcs8PrivateKey(pkcs8, out _);
            return algorithm;
        }
        catch (CryptographicException ex)
        {
            algorithm.Dispose();
            throw new TlsConfigurationException(key, "the private key cannot be imported", ex);
        }
    }

    private static byte[] ToPkcs8(string label, byte[] der, string? password, string key, string source, string passwordKey)
    {
        try
        {
            switch (label)
            {
                case "PRIVATE KEY":
                    using (Import(der, key))
                        return der.ToArray();
                case "RSA PRIVATE KEY":
                    using (var rsa = RSA.Create())
                    {
                        rsa.ImportRSAPrivateKey(der, out _);
                        return rsa.ExportPkcs8PrivateKey();
                    }

                case "EC PRIVATE KEY":
                    using (var ec = ECDsa.Create())
                    {
                        ec.ImportECPrivateKey(der, out _);
                        return ec.ExportPkcs8PrivateKey();
                    }

                default: // ENCRYPTED PRIVATE KEY
                    if (password is null)
                        throw new TlsConfigurationException(passwordKey, $"the private key in {source} is encrypted; set {passwordKey}");
                    return Decrypt(der, password, source, passwordKey);
            }
        }
        catch (CryptographicException ex)
        {
            throw new TlsConfigurationException(key, $"the {label} in {source} cannot be parsed", ex);
        }
    }

    private static byte[] ReadLegacyEncrypted(string pem, string? password, string key, string source, string passwordKey)
    {
        if (password is null)
            throw new TlsConfigurationException(passwordKey, $"the private key in {source} is encrypted; set {passwordKey}");

        object? read;
        try
        {
            using var text = new StringReader(pem);
            // PemReader.ReadObject returns the first object: skip certificates a combined file may put before the key.
            var reader = new Org.BouncyCastle.OpenSsl.PemReader(text, new FixedPassword(password));
            do
            {
                read = reader.ReadObject();
            }
            while (read is not null and not Org.BouncyCastle.Crypto.AsymmetricCipherKeyPair and not Org.BouncyCastle.Crypto.AsymmetricKeyParameter);
        }
        catch (Exception ex) when (ex is IOException or Org.BouncyCastle.Crypto.InvalidCipherTextException
            or Org.BouncyCastle.Crypto.CryptoException or ArgumentException or InvalidOperationException or FormatException)
        {
            // A wrong password shows as bad padding (InvalidCipherTextException) or, 1 time in 256, as garbage DER
            // (PemException). BouncyCastle's message is not passed on: it could quote decrypted bytes.
            throw new TlsConfigurationException(passwordKey, $"wrong password for the encrypted private key in {source} (decryption failed)", ex);
        }

        var privateKey = read switch
        {
            Org.BouncyCastle.Crypto.AsymmetricCipherKeyPair pair => pair.Private,
            Org.BouncyCastle.Crypto.AsymmetricKeyParameter { IsPrivate: true } single => single,
            _ => throw new TlsConfigurationException(key, $"{source} contains no PEM private key (PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)"),
        };
        byte[] pkcs8;
        try
        {
            pkcs8 = Org.BouncyCastle.Pkcs.PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey).GetEncoded();
        }
        catch (Exception ex) when (ex is ArgumentException or IOException)
        {
            throw new TlsConfigurationException(key, $"the private key in {source} is neither RSA nor EC", ex);
        }

        // Through the platform importer: it rejects algorithms Kafka clients do not use (DSA) with the usual message.
        using (Import(pkcs8, key))
            return pkcs8;
    }

    private sealed class FixedPassword(string password) : Org.BouncyCastle.OpenSsl.IPasswordFinder
    {
        public char[] GetPassword() => password.ToCharArray();
    }

    private static byte[] Decrypt(byte[] der, string password, string source, string passwordKey)
    {
        // Without System.Security.Cryptography.Pkcs (not in the shared framework) there is no algorithm-neutral
        // decryptor, so try the two key types we support. PBES2 has no password check value: a wrong password
        // surfaces as bad padding or garbage DER, which both importers reject.
        using (var rsa = RSA.Create())
        {
            try
            {
                rsa.ImportEncryptedPkcs8PrivateKey(password, der, out _);
                return rsa.ExportPkcs8PrivateKey();
            }
            catch (CryptographicException)
            {
            }
        }

        using var ec = ECDsa.Create();
        try
        {
            ec.ImportEncryptedPkcs8PrivateKey(password, der, out _);
            return ec.ExportPkcs8PrivateKey();
        }
        catch (CryptographicException ex)
        {
            throw new TlsConfigurationException(passwordKey, $"wrong password for the encrypted private key in {source} (decryption failed)", ex);
        }
    }
}
