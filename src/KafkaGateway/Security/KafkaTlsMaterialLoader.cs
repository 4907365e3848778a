using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace KafkaGateway.Security;

/// <summary>
/// Turns <see cref="KafkaTlsOptions"/> into <see cref="KafkaTlsMaterial"/>: reads PEM files or text, PKCS#12 and JKS
/// stores natively, checks that the key belongs to the certificate and that the certificate is currently valid, and
/// re-encodes everything as PEM for librdkafka. Every problem is a <see cref="KafkaTlsConfigurationException"/>
/// naming the configuration key, so a bad setting stops the start-up instead of the first connection.
/// </summary>
public static class KafkaTlsMaterialLoader
{
    private const string Prefix = KafkaTlsOptions.SectionName + ":";
    private const string CaLocationKey = Prefix + nameof(KafkaTlsOptions.CaLocation);
    private const string CaPemKey = Prefix + nameof(KafkaTlsOptions.CaPem);
    private const string CertificateLocationKey = Prefix + nameof(KafkaTlsOptions.CertificateLocation);
    private const string CertificatePemKey = Prefix + nameof(KafkaTlsOptions.CertificatePem);
    private const string KeyLocationKey = Prefix + nameof(KafkaTlsOptions.KeyLocation);
    private const string KeyPemKey = Prefix + nameof(KafkaTlsOptions.KeyPem);
    private const string KeyPasswordKey = Prefix + nameof(KafkaTlsOptions.KeyPassword);
    private const string KeyStoreLocationKey = Prefix + nameof(KafkaTlsOptions.KeyStoreLocation);
    private const string KeyStorePasswordKey = Prefix + nameof(KafkaTlsOptions.KeyStorePassword);
    private const string KeyStoreTypeKey = Prefix + nameof(KafkaTlsOptions.KeyStoreType);
    private const string TrustStoreLocationKey = Prefix + nameof(KafkaTlsOptions.TrustStoreLocation);
    private const string TrustStorePasswordKey = Prefix + nameof(KafkaTlsOptions.TrustStorePassword);

    // The PKCS#12 loader reports a failed MAC check (the password check) with Windows' ERROR_INVALID_PASSWORD on every
    // platform; System.Security.Cryptography.Pkcs, which could verify the MAC directly, is not in the shared framework.
    private const int ErrorInvalidPassword = unchecked((int)0x80070056);


    /// <summary>Loads and validates the configured TLS material.</summary>
    /// <param name="options">The <c>Kafka:Tls</c> settings.</param>
    /// <param name="time">Clock for the certificate validity check and <see cref="KafkaTlsMaterial.DaysUntilExpiry"/>.</param>
    /// <exception cref="KafkaTlsConfigurationException">A setting is missing, contradictory or points at unusable material.</exception>
    public static KafkaTlsMaterial Load(KafkaTlsOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (!options.IsTlsEnabled)
            return KafkaTlsMaterial.Disabled;

        ValidateCombination(options);

        var caCertificates = LoadCaCertificates(options);
        var caPem = caCertificates is null ? null : ToPem(caCertificates);

        ClientIdentity? identity = null;
        if (KafkaTlsOptions.HasValue(options.KeyStoreLocation))
            identity = LoadKeyStoreIdentity(options);
        else if (KafkaTlsOptions.HasValue(options.CertificateLocation) || KafkaTlsOptions.HasValue(options.CertificatePem))
            identity = LoadPemIdentity(options);

        if (identity is null)
        {
            return new KafkaTlsMaterial
            {
                CaPem = caPem,
                CaCertificateCount = caCertificates?.Count ?? 0,
                EnableHostnameVerification = options.EnableHostnameVerification,
            };
        }

        var leaf = X509CertificateLoader.LoadCertificate(identity.Chain[0]);
        try
        {
            var now = time.GetUtcNow();
            CheckValidity(leaf, now, identity.SourceKey);
            var pkcs8 = identity.PrivateKeyPkcs8;
            try
            {
                CheckKeyMatchesCertificate(pkcs8, leaf, identity.KeySourceKey);
                var notAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);
                var days = (int)Math.Floor((notAfter - now).TotalDays);
                return new KafkaTlsMaterial
                {
                    CaPem = caPem,
                    CaCertificateCount = caCertificates?.Count ?? 0,
                    CertificateChainPem = ToPem(identity.Chain),
                    PrivateKeyPem = PemEncoding.WriteString("PRIVATE KEY", pkcs8),
                    Certificate = leaf,
                    NotAfter = notAfter,
                    DaysUntilExpiry = days,
                    ExpiresSoon = days <= options.ExpiryWarningDays,
                    EnableHostnameVerification = options.EnableHostnameVerification,
                };
            }
            finally
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }
        }
        catch
        {
            leaf.Dispose();
            throw;
        }
    }

    // A DER chain (leaf first) and its key as PKCS#8 DER, plus which settings they came from for messages.
    private sealed record ClientIdentity(IReadOnlyList<byte[]> Chain, byte[] PrivateKeyPkcs8, string SourceKey, string KeySourceKey);

    private static void ValidateCombination(KafkaTlsOptions o)
    {
        static void OneOf(string firstKey, string? first, string secondKey, string? second, string what)
        {
            if (KafkaTlsOptions.HasValue(first) && KafkaTlsOptions.HasValue(second))
                throw new KafkaTlsConfigurationException(firstKey, $"both {firstKey} and {secondKey} are configured (ambiguous); configure the {what} only once");
        }

        OneOf(CaLocationKey, o.CaLocation, CaPemKey, o.CaPem, "CA certificates");
        OneOf(TrustStoreLocationKey, o.TrustStoreLocation, CaLocationKey, o.CaLocation, "CA certificates");
        OneOf(TrustStoreLocationKey, o.TrustStoreLocation, CaPemKey, o.CaPem, "CA certificates");
        OneOf(CertificateLocationKey, o.CertificateLocation, CertificatePemKey, o.CertificatePem, "client certificate");
        OneOf(KeyLocationKey, o.KeyLocation, KeyPemKey, o.KeyPem, "private key");
        OneOf(KeyStoreLocationKey, o.KeyStoreLocation, CertificateLocationKey, o.CertificateLocation, "client certificate");
        OneOf(KeyStoreLocationKey, o.KeyStoreLocation, CertificatePemKey, o.CertificatePem, "client certificate");
        OneOf(KeyStoreLocationKey, o.KeyStoreLocation, KeyLocationKey, o.KeyLocation, "private key");
        OneOf(KeyStoreLocationKey, o.KeyStoreLocation, KeyPemKey, o.KeyPem, "private key");

        var hasCertificate = KafkaTlsOptions.HasValue(o.CertificateLocation) || KafkaTlsOptions.HasValue(o.CertificatePem);
        var hasKey = KafkaTlsOptions.HasValue(o.KeyLocation) || KafkaTlsOptions.HasValue(o.KeyPem);
        if (hasCertificate && !hasKey)
            throw new KafkaTlsConfigurationException(KeyLocationKey, $"a client certificate is configured but no private key; set {KeyLocationKey} or {KeyPemKey}");
        if (hasKey && !hasCertificate)
            throw new KafkaTlsConfigurationException(CertificateLocationKey, $"a private key is configured but no client certificate; set {CertificateLocationKey} or {CertificatePemKey}");

        if (KafkaTlsOptions.HasValue(o.KeyStoreType))
            _ = ParseStoreType(o.KeyStoreType);
        if (o.ExpiryWarningDays < 0)
            throw new KafkaTlsConfigurationException(Prefix + nameof(KafkaTlsOptions.ExpiryWarningDays), "must not be negative");
    }

    // ---- CA certificates ------------------------------------------------------------------------------------------

    private static List<byte[]>? LoadCaCertificates(KafkaTlsOptions o)
    {
        if (KafkaTlsOptions.HasValue(o.CaLocation))
            return ParseCertificates(ReadText(o.CaLocation!, CaLocationKey), CaLocationKey, $"file '{o.CaLocation}'");
        if (KafkaTlsOptions.HasValue(o.CaPem))
            return ParseCertificates(o.CaPem!, CaPemKey, "the inline PEM");
        if (KafkaTlsOptions.HasValue(o.TrustStoreLocation))
            return LoadTrustStore(o);
        return null;
    }

    private static List<byte[]> LoadTrustStore(KafkaTlsOptions o)
    {
        var path = o.TrustStoreLocation!;
        var data = ReadBytes(path, TrustStoreLocationKey);
        // KeyStoreType describes the key store only; the magic bytes identify a trust store reliably, and a mixed pair
        // (JKS key store, PKCS#12 trust store) must keep working.
        var type = DetectStoreType(data, configured: null, TrustStoreLocationKey, path);
        List<byte[]> certificates;
        if (type == StoreType.Jks)
        {
            var store = ReadJks(data, o.TrustStorePassword, TrustStoreLocationKey, TrustStorePasswordKey, path);
            certificates = store.TrustedCertificates.Select(e => e.Certificate).ToList();
        }
        else
        {
            using var collection = new DisposableCollection(ReadPkcs12(data, o.TrustStorePassword, TrustStoreLocationKey, TrustStorePasswordKey, path));
            certificates = collection.Certificates.Where(c => !c.HasPrivateKey).Select(c => c.RawData).ToList();
        }

        if (certificates.Count == 0)
            throw new KafkaTlsConfigurationException(TrustStoreLocationKey, $"trust store '{path}' contains no trusted certificate");
        return certificates;
    }

    // ---- Client certificate and key from PEM -----------------------------------------------------------------------

    private static ClientIdentity LoadPemIdentity(KafkaTlsOptions o)
    {
        var (certificateKey, certificateText, certificateSource) = KafkaTlsOptions.HasValue(o.CertificateLocation)
            ? (CertificateLocationKey, ReadText(o.CertificateLocation!, CertificateLocationKey), $"file '{o.CertificateLocation}'")
            : (CertificatePemKey, o.CertificatePem!, "the inline PEM");
        var chain = ParseCertificates(certificateText, certificateKey, certificateSource);

        var (keyKey, keyText, keySource) = KafkaTlsOptions.HasValue(o.KeyLocation)
            ? (KeyLocationKey, ReadText(o.KeyLocation!, KeyLocationKey), $"file '{o.KeyLocation}'")
            : (KeyPemKey, o.KeyPem!, "the inline PEM");
        var pkcs8 = PrivateKeyPemReader.ReadPkcs8(keyText, o.KeyPassword, keyKey, keySource, KeyPasswordKey);
        return new ClientIdentity(chain, pkcs8, certificateKey, keyKey);
    }

    // ---- Client certificate and key from a key store ---------------------------------------------------------------

    private static ClientIdentity LoadKeyStoreIdentity(KafkaTlsOptions o)
    {
        var path = o.KeyStoreLocation!;
        var data = ReadBytes(path, KeyStoreLocationKey);
        return DetectStoreType(data, o.KeyStoreType, KeyStoreLocationKey, path) == StoreType.Jks
            ? LoadJksIdentity(data, o, path)
            : LoadPkcs12Identity(data, o, path);
    }

    private static ClientIdentity LoadJksIdentity(byte[] data, KafkaTlsOptions o, string path)
    {
        if (o.KeyStorePassword is null)
            throw new KafkaTlsConfigurationException(KeyStorePasswordKey, $"required to read the private key in JKS key store '{path}'");

        var store = ReadJks(data, o.KeyStorePassword, KeyStoreLocationKey, KeyStorePasswordKey, path);
        var alias = SingleKeyEntry(store.PrivateKeys.Select(e => e.Alias).ToList(), path);
        var entry = store.PrivateKeys.First(e => e.Alias == alias);
        if (entry.CertificateChain.Count == 0)
            throw new KafkaTlsConfigurationException(KeyStoreLocationKey, $"private key entry '{entry.Alias}' in '{path}' has no certificate");

        // Java protects each key with its own password; by convention (and keytool's default) it is the store's.
        var keyPassword = o.KeyPassword ?? o.KeyStorePassword;
        try
        {
            var pkcs8 = JksKeyStoreReader.DecryptPrivateKey(entry, keyPassword);
            return new ClientIdentity(entry.CertificateChain, pkcs8, KeyStoreLocationKey, KeyStoreLocationKey);
        }
        catch (JksKeyStoreException ex) when (ex.Error == JksKeyStoreError.WrongKeyPassword)
        {
            var problem = o.KeyPassword is null
                ? $"private key '{entry.Alias}' in key store '{path}' is protected by a password other than {KeyStorePasswordKey}; set {KeyPasswordKey} (key check digest mismatch)"
                : $"wrong password for private key '{entry.Alias}' in key store '{path}' (key check digest mismatch)";
            throw new KafkaTlsConfigurationException(KeyPasswordKey, problem, ex);
        }
        catch (JksKeyStoreException ex)
        {
            throw new KafkaTlsConfigurationException(KeyStoreLocationKey, $"key store '{path}': {ex.Message}", ex);
        }
    }

    private static ClientIdentity LoadPkcs12Identity(byte[] data, KafkaTlsOptions o, string path)
    {
        using var collection = new DisposableCollection(ReadPkcs12(data, o.KeyStorePassword, KeyStoreLocationKey, KeyStorePasswordKey, path));
        var withKey = collection.Certificates.Where(c => c.HasPrivateKey).ToList();
        var alias = SingleKeyEntry(withKey.Select(c => c.FriendlyName is { Length: > 0 } n ? n : c.Subject).ToList(), path);
        var leaf = withKey.First(c => (c.FriendlyName is { Length: > 0 } n ? n : c.Subject) == alias);

        byte[] pkcs8;
        try
        {
            using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)leaf.GetRSAPrivateKey()
                ?? (AsymmetricAlgorithm?)leaf.GetECDsaPrivateKey()
                ?? throw new KafkaTlsConfigurationException(KeyStoreLocationKey, $"the private key of '{leaf.Subject}' in '{path}' is neither RSA nor EC");
            pkcs8 = key.ExportPkcs8PrivateKey();
        }
        catch (CryptographicException ex)
        {
            throw new KafkaTlsConfigurationException(KeyStoreLocationKey, $"the private key of '{leaf.Subject}' in '{path}' cannot be exported", ex);
        }

        var chain = BuildChain(leaf, collection.Certificates);
        return new ClientIdentity(chain, pkcs8, KeyStoreLocationKey, KeyStoreLocationKey);
    }

    private static string SingleKeyEntry(List<string> aliases, string path) => aliases.Count switch
    {
        1 => aliases[0],
        0 => throw new KafkaTlsConfigurationException(KeyStoreLocationKey, $"key store '{path}' contains no private key entry"),
        _ => throw new KafkaTlsConfigurationException(KeyStoreLocationKey,
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

    private static StoreType ParseStoreType(string? configured) => configured?.Trim().ToUpperInvariant() switch
    {
        "PKCS12" or "P12" or "PFX" => StoreType.Pkcs12,
        "JKS" => StoreType.Jks,
        _ => throw new KafkaTlsConfigurationException(KeyStoreTypeKey, $"unknown store type '{configured}'; use PKCS12 or JKS"),
    };

    private static StoreType DetectStoreType(byte[] data, string? configured, string locationKey, string path)
    {
        if (KafkaTlsOptions.HasValue(configured))
            return ParseStoreType(configured);
        if (JksKeyStoreReader.IsJks(data))
            return StoreType.Jks;
        if (data.Length > 0 && data[0] == 0x30) // DER SEQUENCE: PKCS#12 PFX
            return StoreType.Pkcs12;
        if (data.Length >= 4 && data[0] == 0xCE && data[1] == 0xCE && data[2] == 0xCE && data[3] == 0xCE)
            throw new KafkaTlsConfigurationException(locationKey, $"'{path}' is a JCEKS store, which is not supported; convert it to PKCS12 with keytool -importkeystore");
        throw new KafkaTlsConfigurationException(locationKey, $"'{path}' is neither a JKS (magic 0xFEEDFEED) nor a PKCS#12 store; set {KeyStoreTypeKey} if the detection is wrong");
    }

    private static JksKeyStore ReadJks(byte[] data, string? password, string locationKey, string passwordKey, string path)
    {
        try
        {
            return JksKeyStoreReader.Read(data, password);
        }
        catch (JksKeyStoreException ex) when (ex.Error == JksKeyStoreError.WrongPassword)
        {
            throw new KafkaTlsConfigurationException(passwordKey, $"wrong password for '{path}' (JKS integrity check failed)", ex);
        }
        catch (JksKeyStoreException ex)
        {
            throw new KafkaTlsConfigurationException(locationKey, $"'{path}' cannot be read as JKS: {ex.Message}", ex);
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
            throw new KafkaTlsConfigurationException(passwordKey, $"wrong password for '{path}' (PKCS#12 MAC check failed)", ex);
        }
        catch (CryptographicException ex)
        {
            throw new KafkaTlsConfigurationException(locationKey, $"'{path}' cannot be read as PKCS#12: {ex.Message}", ex);
        }
    }

    // ---- Validation --------------------------------------------------------------------------------------------------

    private static void CheckValidity(X509Certificate2 leaf, DateTimeOffset now, string sourceKey)
    {
        var notBefore = leaf.NotBefore.ToUniversalTime();
        var notAfter = leaf.NotAfter.ToUniversalTime();
        if (now.UtcDateTime > notAfter)
            throw new KafkaTlsConfigurationException(sourceKey, $"client certificate '{leaf.Subject}' expired on {Format(notAfter)} (NotAfter)");
        if (now.UtcDateTime < notBefore)
            throw new KafkaTlsConfigurationException(sourceKey, $"client certificate '{leaf.Subject}' is not valid before {Format(notBefore)} (NotBefore); it expires on {Format(notAfter)}");

        static string Format(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private static void CheckKeyMatchesCertificate(byte[] pkcs8, X509Certificate2 leaf, string keySourceKey)
    {
        using var key = PrivateKeyPemReader.Import(pkcs8, keySourceKey);
        var keyPublic = key.ExportSubjectPublicKeyInfo();
        var certificatePublic = leaf.PublicKey.ExportSubjectPublicKeyInfo();
        if (!keyPublic.AsSpan().SequenceEqual(certificatePublic))
            throw new KafkaTlsConfigurationException(keySourceKey, $"the private key does not match the client certificate '{leaf.Subject}' (public keys differ)");
    }

    // ---- Files and PEM ---------------------------------------------------------------------------------------------

    private static byte[] ReadBytes(string path, string key)
    {
        if (!File.Exists(path))
            throw new KafkaTlsConfigurationException(key, $"file '{path}' not found");
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KafkaTlsConfigurationException(key, $"file '{path}' cannot be read: {ex.Message}", ex);
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
                    throw new KafkaTlsConfigurationException(key, $"certificate #{certificates.Count + 1} in {source} cannot be parsed", ex);
                }
            }

            remaining = remaining[fields.Location.End..];
        }

        if (certificates.Count == 0)
            throw new KafkaTlsConfigurationException(key, $"{source} contains no PEM certificate (-----BEGIN CERTIFICATE-----)");
        return certificates;
    }

    private static string ToPem(IEnumerable<byte[]> certificates)
    {
        var pem = new StringBuilder();
        foreach (var der in certificates)
            pem.Append(PemEncoding.WriteString("CERTIFICATE", der)).Append('\n');
        return pem.ToString();
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
