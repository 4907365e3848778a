using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace KafkaGateway.Tls;

/// <summary>
/// The one reader of TLS material, for the Kafka clients (<c>Kafka:Tls</c>, <c>Kafka:Identities</c>), the external
/// schema registry client (<c>SchemaRegistry:Tls</c>) and the HTTPS server certificate: PEM files or text (every
/// key encoding, encrypted or not), PKCS#12 and JKS stores, trust stores. It checks that the key belongs to the
/// certificate and that the certificate is currently valid. Every problem is a <see cref="TlsConfigurationException"/>
/// naming the configuration key, so a bad setting stops the start-up instead of the first connection.
/// </summary>
public static class TlsMaterialLoader
{
    // The PKCS#12 loader reports a failed MAC check (the password check) with Windows' ERROR_INVALID_PASSWORD on every
    // platform; System.Security.Cryptography.Pkcs, which could verify the MAC directly, is not in the shared framework.
    private const int ErrorInvalidPassword = unchecked((int)0x80070056);

    /// <summary>Loads and validates the material <paramref name="source"/> describes.</summary>
    /// <param name="source">The settings and the configuration keys they came from.</param>
    /// <param name="time">Clock for the certificate validity check and <see cref="TlsMaterial.DaysUntilExpiry"/>.</param>
    /// <exception cref="TlsConfigurationException">A setting is missing, contradictory or points at unusable material.</exception>
    public static TlsMaterial Load(TlsMaterialSource source, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(time);
        var keys = new Keys(source);
        ValidateCombination(source, keys);

        var caCertificates = LoadCaCertificates(source, keys);

        ClientIdentity? identity = null;
        if (HasValue(source.KeyStoreLocation))
            identity = LoadKeyStoreIdentity(source, keys);
        else if (HasValue(source.CertificateLocation) || HasValue(source.CertificatePem))
            identity = LoadPemIdentity(source, keys);

        if (identity is null)
            return new TlsMaterial { CaCertificates = caCertificates };

        var leaf = X509CertificateLoader.LoadCertificate(identity.Chain[0]);
        try
        {
            var now = time.GetUtcNow();
            CheckValidity(leaf, now, identity.SourceKey, source.CertificateRole);
            CheckKeyMatchesCertificate(identity.PrivateKeyPkcs8, leaf, identity.KeySourceKey, source.CertificateRole);
            var notAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            var days = (int)Math.Floor((notAfter - now).TotalDays);
            return new TlsMaterial
            {
                CaCertificates = caCertificates,
                CertificateChain = identity.Chain,
                PrivateKeyPkcs8 = identity.PrivateKeyPkcs8,
                Certificate = leaf,
                NotAfter = notAfter,
                DaysUntilExpiry = days,
                ExpiresSoon = days <= source.ExpiryWarningDays,
            };
        }
        catch
        {
            leaf.Dispose();
            CryptographicOperations.ZeroMemory(identity.PrivateKeyPkcs8);
            throw;
        }
    }

    /// <summary>PEM text of DER certificates, one block each, in order.</summary>
    public static string ToPem(IEnumerable<byte[]> certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        var pem = new StringBuilder();
        foreach (var der in certificates)
            pem.Append(PemEncoding.WriteString("CERTIFICATE", der)).Append('\n');
        return pem.ToString();
    }

    internal static bool HasValue(string? value) => !string.IsNullOrWhiteSpace(value);

    // The full configuration key of every setting, for messages.
    private sealed class Keys(TlsMaterialSource source)
    {
        public string CaLocation { get; } = source.KeyOf(nameof(TlsMaterialSource.CaLocation));
        public string CaPem { get; } = source.KeyOf(nameof(TlsMaterialSource.CaPem));
        public string CertificateLocation { get; } = source.KeyOf(nameof(TlsMaterialSource.CertificateLocation));
        public string CertificatePem { get; } = source.KeyOf(nameof(TlsMaterialSource.CertificatePem));
        public string KeyLocation { get; } = source.KeyOf(nameof(TlsMaterialSource.KeyLocation));
        public string KeyPem { get; } = source.KeyOf(nameof(TlsMaterialSource.KeyPem));
        public string KeyPassword { get; } = source.KeyOf(nameof(TlsMaterialSource.KeyPassword));
        public string KeyStoreLocation { get; } = source.KeyOf(nameof(TlsMaterialSource.KeyStoreLocation));
        public string KeyStorePassword { get; } = source.KeyOf(nameof(TlsMaterialSource.KeyStorePassword));
        public string KeyStoreType { get; } = source.KeyOf(nameof(TlsMaterialSource.KeyStoreType));
        public string TrustStoreLocation { get; } = source.KeyOf(nameof(TlsMaterialSource.TrustStoreLocation));
        public string TrustStorePassword { get; } = source.KeyOf(nameof(TlsMaterialSource.TrustStorePassword));
        public string ExpiryWarningDays { get; } = source.KeyOf(nameof(TlsMaterialSource.ExpiryWarningDays));
    }

    // A DER chain (leaf first) and its key as PKCS#8 DER, plus which settings they came from for messages.
    private sealed record ClientIdentity(IReadOnlyList<byte[]> Chain, byte[] PrivateKeyPkcs8, string SourceKey, string KeySourceKey);

    private static void ValidateCombination(TlsMaterialSource o, Keys k)
    {
        static void OneOf(string firstKey, string? first, string secondKey, string? second, string what)
        {
            if (HasValue(first) && HasValue(second))
                throw new TlsConfigurationException(firstKey, $"both {firstKey} and {secondKey} are configured (ambiguous); configure the {what} only once");
        }

        OneOf(k.CaLocation, o.CaLocation, k.CaPem, o.CaPem, "CA certificates");
        OneOf(k.TrustStoreLocation, o.TrustStoreLocation, k.CaLocation, o.CaLocation, "CA certificates");
        OneOf(k.TrustStoreLocation, o.TrustStoreLocation, k.CaPem, o.CaPem, "CA certificates");
        OneOf(k.CertificateLocation, o.CertificateLocation, k.CertificatePem, o.CertificatePem, o.CertificateRole);
        OneOf(k.KeyLocation, o.KeyLocation, k.KeyPem, o.KeyPem, "private key");
        OneOf(k.KeyStoreLocation, o.KeyStoreLocation, k.CertificateLocation, o.CertificateLocation, o.CertificateRole);
        OneOf(k.KeyStoreLocation, o.KeyStoreLocation, k.CertificatePem, o.CertificatePem, o.CertificateRole);
        OneOf(k.KeyStoreLocation, o.KeyStoreLocation, k.KeyLocation, o.KeyLocation, "private key");
        OneOf(k.KeyStoreLocation, o.KeyStoreLocation, k.KeyPem, o.KeyPem, "private key");

        var hasCertificate = HasValue(o.CertificateLocation) || HasValue(o.CertificatePem);
        var hasKey = HasValue(o.KeyLocation) || HasValue(o.KeyPem);
        if (hasCertificate && !hasKey)
            throw new TlsConfigurationException(k.KeyLocation, $"a {o.CertificateRole} is configured but no private key; set {k.KeyLocation} or {k.KeyPem}");
        if (hasKey && !hasCertificate)
            throw new TlsConfigurationException(k.CertificateLocation, $"a private key is configured but no {o.CertificateRole}; set {k.CertificateLocation} or {k.CertificatePem}");

        if (HasValue(o.KeyStoreType))
            _ = ParseStoreType(o.KeyStoreType, k);
        if (o.ExpiryWarningDays < 0)
            throw new TlsConfigurationException(k.ExpiryWarningDays, "must not be negative");
    }

    // ---- CA certificates ------------------------------------------------------------------------------------------

    private static List<byte[]>? LoadCaCertificates(TlsMaterialSource o, Keys k)
    {
        if (HasValue(o.CaLocation))
            return ParseCertificates(ReadText(o.CaLocation!, k.CaLocation), k.CaLocation, $"file '{o.CaLocation}'");
        if (HasValue(o.CaPem))
            return ParseCertificates(o.CaPem!, k.CaPem, "the inline PEM");
        if (HasValue(o.TrustStoreLocation))
            return LoadTrustStore(o, k);
        return null;
    }

    private static List<byte[]> LoadTrustStore(TlsMaterialSource o, Keys k)
    {
        var path = o.TrustStoreLocation!;
        var data = ReadBytes(path, k.TrustStoreLocation);
        // KeyStoreType describes the key store only; the magic bytes identify a trust store reliably, and a mixed pair
        // (JKS key store, PKCS#12 trust store) must keep working.
        var type = DetectStoreType(data, configured: null, k.TrustStoreLocation, path, k);
        List<byte[]> certificates;
        if (type == StoreType.Jks)
        {
            var store = ReadJks(data, o.TrustStorePassword, k.TrustStoreLocation, k.TrustStorePassword, path);
            certificates = store.TrustedCertificates.Select(e => e.Certificate).ToList();
        }
        else
        {
            using var collection = new DisposableCollection(ReadPkcs12(data, o.TrustStorePassword, k.TrustStoreLocation, k.TrustStorePassword, path));
            certificates = collection.Certificates.Where(c => !c.HasPrivateKey).Select(c => c.RawData).ToList();
        }

        if (certificates.Count == 0)
            throw new TlsConfigurationException(k.TrustStoreLocation, $"trust store '{path}' contains no trusted certificate");
        return certificates;
    }

    // ---- Client certificate and key from PEM -----------------------------------------------------------------------

    private static ClientIdentity LoadPemIdentity(TlsMaterialSource o, Keys k)
    {
        var (certificateKey, certificateText, certificateSource) = HasValue(o.CertificateLocation)
            ? (k.CertificateLocation, ReadText(o.CertificateLocation!, k.CertificateLocation), $"file '{o.CertificateLocation}'")
            : (k.CertificatePem, o.CertificatePem!, "the inline PEM");
        var chain = ParseCertificates(certificateText, certificateKey, certificateSource);

        var (keyKey, keyText, keySource) = HasValue(o.KeyLocation)
            ? (k.KeyLocation, ReadText(o.KeyLocation!, k.KeyLocation), $"file '{o.KeyLocation}'")
            : (k.KeyPem, o.KeyPem!, "the inline PEM");
        var pkcs8 = PrivateKeyPemReader.ReadPkcs8(keyText, o.KeyPassword, keyKey, keySource, k.KeyPassword);
        return new ClientIdentity(chain, pkcs8, certificateKey, keyKey);
    }

    // ---- Client certificate and key from a key store ---------------------------------------------------------------

    private static ClientIdentity LoadKeyStoreIdentity(TlsMaterialSource o, Keys k)
    {
        var path = o.KeyStoreLocation!;
        var data = ReadBytes(path, k.KeyStoreLocation);
        return DetectStoreType(data, o.KeyStoreType, k.KeyStoreLocation, path, k) == StoreType.Jks
            ? LoadJksIdentity(data, o, k, path)
            : LoadPkcs12Identity(data, o, k, path);
    }

    private static ClientIdentity LoadJksIdentity(byte[] data, TlsMaterialSource o, Keys k, string path)
    {
        if (o.KeyStorePassword is null)
            throw new TlsConfigurationException(k.KeyStorePassword, $"required to read the private key in JKS key store '{path}'");

        var store = ReadJks(data, o.KeyStorePassword, k.KeyStoreLocation, k.KeyStorePassword, path);
        var alias = SingleKeyEntry(store.PrivateKeys.Select(e => e.Alias).ToList(), path, k);
        var entry = store.PrivateKeys.First(e => e.Alias == alias);
        if (entry.CertificateChain.Count == 0)
            throw new TlsConfigurationException(k.KeyStoreLocation, $"private key entry '{entry.Alias}' in '{path}' has no certificate");

        // Java protects each key with its own password; by convention (and keytool's default) it is the store's.
        var keyPassword = o.KeyPassword ?? o.KeyStorePassword;
        try
        {
            var pkcs8 = JksKeyStoreReader.DecryptPrivateKey(entry, keyPassword);
            return new ClientIdentity(entry.CertificateChain, pkcs8, k.KeyStoreLocation, k.KeyStoreLocation);
        }
        catch (JksKeyStoreException ex) when (ex.Error == JksKeyStoreError.WrongKeyPassword)
        {
            var problem = o.KeyPassword is null
                ? $"private key '{entry.Alias}' in key store '{path}' is protected by a password other than {k.KeyStorePassword}; set {k.KeyPassword} (key check digest mismatch)"
                : $"wrong password for private key '{entry.Alias}' in key store '{path}' (key check digest mismatch)";
            throw new TlsConfigurationException(k.KeyPassword, problem, ex);
        }
        catch (JksKeyStoreException ex)
        {
            throw new TlsConfigurationException(k.KeyStoreLocation, $"key store '{path}': {ex.Message}", ex);
        }
    }

    private static ClientIdentity LoadPkcs12Identity(byte[] data, TlsMaterialSource o, Keys k, string path)
    {
        using var collection = new DisposableCollection(ReadPkcs12(data, o.KeyStorePassword, k.KeyStoreLocation, k.KeyStorePassword, path));
        var withKey = collection.Certificates.Where(c => c.HasPrivateKey).ToList();
        var alias = SingleKeyEntry(withKey.Select(c => c.FriendlyName is { Length: > 0 } n ? n : c.Subject).ToList(), path, k);
        var leaf = withKey.First(c => (c.FriendlyName is { Length: > 0 } n ? n : c.Subject) == alias);

        byte[] pkcs8;
        try
        {
            using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)leaf.GetRSAPrivateKey()
                ?? (AsymmetricAlgorithm?)leaf.GetECDsaPrivateKey()
                ?? throw new TlsConfigurationException(k.KeyStoreLocation, $"the private key of '{leaf.Subject}' in '{path}' is neither RSA nor EC");
            pkcs8 = key.ExportPkcs8PrivateKey();
        }
        catch (CryptographicException ex)
        {
            throw new TlsConfigurationException(k.KeyStoreLocation, $"the private key of '{leaf.Subject}' in '{path}' cannot be exported", ex);
        }

        var chain = BuildChain(leaf, collection.Certificates);
        return new ClientIdentity(chain, pkcs8, k.KeyStoreLocation, k.KeyStoreLocation);
    }

    private static string SingleKeyEntry(List<string> aliases, string path, Keys k) => aliases.Count switch
    {
        1 => aliases[0],
        0 => throw new TlsConfigurationException(k.KeyStoreLocation, $"key store '{path}' contains no private key entry"),
        _ => throw new TlsConfigurationException(k.KeyStoreLocation,
            $"key store '{path}' contains {aliases.Count} private key entries ({string.Join(", ", aliases.Select(a => $"'{a}'"))}); keep exactly one"),
    };

    // PKCS#12 bags carry no order, so walk issuer links from the leaf; unrelated certificates are left out.
    private static List<byte[]> BuildChain(X509Certificate2 leaf, X509Certificate2Collection all)
    {
        var chain = new List<byte[]> { leaf.RawData };
        var current = leaf;
        while (!current.SubjectName.RawData.AsSpan().SequenceEqual(current.IssuerName.RawData) && chain.Count < 10)
        {
            var issuer = all.FirstOrDefault(c =>
                c.SubjectName.RawData.AsSpan().SequenceEqual(current.IssuerName.RawData)
                && !chain.Any(d => d.AsSpan().SequenceEqual(c.RawData)));
            if (issuer is null)
                break;
            chain.Add(issuer.RawData);
            current = issuer;
        }

        return chain;
    }

    // ---- Store readers ---------------------------------------------------------------------------------------------

    private enum StoreType
    {
        Pkcs12,
        Jks,
    }

    private static StoreType ParseStoreType(string? configured, Keys k) => configured?.Trim().ToUpperInvariant() switch
    {
        "PKCS12" or "P12" or "PFX" => StoreType.Pkcs12,
        "JKS" => StoreType.Jks,
        _ => throw new TlsConfigurationException(k.KeyStoreType, $"unknown store type '{configured}'; use PKCS12 or JKS"),
    };

    private static StoreType DetectStoreType(byte[] data, string? configured, string locationKey, string path, Keys k)
    {
        if (HasValue(configured))
            return ParseStoreType(configured, k);
        if (JksKeyStoreReader.IsJks(data))
            return StoreType.Jks;
        if (data.Length > 0 && data[0] == 0x30) // DER SEQUENCE: PKCS#12 PFX
            return StoreType.Pkcs12;
        if (data.Length >= 4 && data[0] == 0xCE && data[1] == 0xCE && data[2] == 0xCE && data[3] == 0xCE)
            throw new TlsConfigurationException(locationKey, $"'{path}' is a JCEKS store, which is not supported; convert it to PKCS12 with keytool -importkeystore");
        throw new TlsConfigurationException(locationKey, $"'{path}' is neither a JKS (magic 0xFEEDFEED) nor a PKCS#12 store; set {k.KeyStoreType} if the detection is wrong");
    }

    private static JksKeyStore ReadJks(byte[] data, string? password, string locationKey, string passwordKey, string path)
    {
        try
        {
            return JksKeyStoreReader.Read(data, password);
        }
        catch (JksKeyStoreException ex) when (ex.Error == JksKeyStoreError.WrongPassword)
        {
            throw new TlsConfigurationException(passwordKey, $"wrong password for '{path}' (JKS integrity check failed)", ex);
        }
        catch (JksKeyStoreException ex)
        {
            throw new TlsConfigurationException(locationKey, $"'{path}' cannot be read as JKS: {ex.Message}", ex);
        }
    }

    private static X509Certificate2Collection ReadPkcs12(byte[] data, string? password, string locationKey, string passwordKey, string path)
    {
        // EphemeralKeySet keeps keys off disk where the platform supports it (not macOS).
        var flags = OperatingSystem.IsMacOS()
            ? X509KeyStorageFlags.Exportable
            : X509KeyStorageFlags.Exportable | X509KeyStorageFlags.EphemeralKeySet;
        try
        {
            return X509CertificateLoader.LoadPkcs12Collection(data, password, flags);
        }
        catch (CryptographicException ex) when (ex.HResult == ErrorInvalidPassword)
        {
            throw new TlsConfigurationException(passwordKey, $"wrong password for '{path}' (PKCS#12 MAC check failed)", ex);
        }
        catch (CryptographicException ex)
        {
            throw new TlsConfigurationException(locationKey, $"'{path}' cannot be read as PKCS#12: {ex.Message}", ex);
        }
    }

    // ---- Validation --------------------------------------------------------------------------------------------------

    private static void CheckValidity(X509Certificate2 leaf, DateTimeOffset now, string sourceKey, string role)
    {
        var notBefore = leaf.NotBefore.ToUniversalTime();
        var notAfter = leaf.NotAfter.ToUniversalTime();
        if (now.UtcDateTime > notAfter)
            throw new TlsConfigurationException(sourceKey, $"{role} '{leaf.Subject}' expired on {Format(notAfter)} (NotAfter)");
        if (now.UtcDateTime < notBefore)
            throw new TlsConfigurationException(sourceKey, $"{role} '{leaf.Subject}' is not valid before {Format(notBefore)} (NotBefore); it expires on {Format(notAfter)}");

        static string Format(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private static void CheckKeyMatchesCertificate(byte[] pkcs8, X509Certificate2 leaf, string keySourceKey, string role)
    {
        using var key = PrivateKeyPemReader.Import(pkcs8, keySourceKey);
        var keyPublic = key.ExportSubjectPublicKeyInfo();
        var certificatePublic = leaf.PublicKey.ExportSubjectPublicKeyInfo();
        if (!keyPublic.AsSpan().SequenceEqual(certificatePublic))
            throw new TlsConfigurationException(keySourceKey, $"the private key does not match the {role} '{leaf.Subject}' (public keys differ)");
    }

    // ---- Files and PEM ---------------------------------------------------------------------------------------------

    private static byte[] ReadBytes(string path, string key)
    {
        if (!File.Exists(path))
            throw new TlsConfigurationException(key, $"file '{path}' not found");
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new TlsConfigurationException(key, $"file '{path}' cannot be read: {ex.Message}", ex);
        }
    }

    private static string ReadText(string path, string key) => Encoding.UTF8.GetString(ReadBytes(path, key));

    private static List<byte[]> ParseCertificates(string text, string key, string source)
    {
        var certificates = new List<byte[]>();
        var remaining = text.AsMemory();
        while (PemEncoding.TryFind(remaining.Span, out var fields))
        {
            var span = remaining.Span;
            if (span[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                var der = Convert.FromBase64String(span[fields.Base64Data].ToString());
                try
                {
                    // Parse to reject garbage now; keep the DER so the PEM we emit is canonical.
                    using var certificate = X509CertificateLoader.LoadCertificate(der);
                    certificates.Add(certificate.RawData);
                }
                catch (CryptographicException ex)
                {
                    throw new TlsConfigurationException(key, $"certificate #{certificates.Count + 1} in {source} cannot be parsed", ex);
                }
            }

            remaining = remaining[fields.Location.End..];
        }

        if (certificates.Count == 0)
            throw new TlsConfigurationException(key, $"{source} contains no PEM certificate (-----BEGIN CERTIFICATE-----)");
        return certificates;
    }

    private sealed class DisposableCollection(X509Certificate2Collection certificates) : IDisposable
    {
        public X509Certificate2Collection Certificates { get; } = certificates;

        public void Dispose()
        {
            foreach (var certificate in Certificates)
                certificate.Dispose();
        }
    }
}
