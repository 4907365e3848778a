#!/usr/bin/env bash
# Regenerates the TLS test material used by tests/KafkaGateway.Tests/Security.
# The output is committed so the tests never need openssl or keytool at run time; run this only to
# change or renew the material (see README.md beside it). Requires OpenSSL 3 and a JDK keytool (17+).
# Every key here is a throw-away test key: never use it anywhere else.
set -euo pipefail

cd "$(dirname "$0")"

STORE_PASS='store-secret-9431'   # keystore / truststore password (and JKS key password unless noted)
KEY_PASS='key-secret-2718'       # password of the encrypted PEM key and of the separate-key-password JKS
DAYS=3650

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rm -f -- *.pem *.crt *.key *.p12 *.jks

# --- Certificate authorities -------------------------------------------------------------------------
# Root CA (RSA) -> intermediate CA (EC P-256) -> client leaf certificates. A second, unrelated root makes
# the CA bundle and the truststores hold more than one certificate.
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$DAYS" \
  -subj '/O=KafkaGateway Tests/CN=KafkaGateway Test Root CA' \
  -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
  -keyout "$work/root-ca.key" -out root-ca.crt 2>/dev/null

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$DAYS" \
  -subj '/O=KafkaGateway Tests/CN=KafkaGateway Other Test Root CA' \
  -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
  -keyout "$work/other-ca.key" -out other-ca.crt 2>/dev/null

openssl ecparam -name prime256v1 -genkey -noout -out "$work/intermediate-ca.sec1"
openssl pkcs8 -topk8 -nocrypt -in "$work/intermediate-ca.sec1" -out "$work/intermediate-ca.key"
openssl req -new -key "$work/intermediate-ca.key" -subj '/O=KafkaGateway Tests/CN=KafkaGateway Test Intermediate CA' \
  -out "$work/intermediate-ca.csr"
cat > "$work/intermediate.ext" <<'EXT'
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
EXT
openssl x509 -req -sha256 -days "$DAYS" -in "$work/intermediate-ca.csr" \
  -CA root-ca.crt -CAkey "$work/root-ca.key" -CAcreateserial -CAserial "$work/root.srl" \
  -extfile "$work/intermediate.ext" -out intermediate-ca.crt 2>/dev/null

cat root-ca.crt other-ca.crt > ca-bundle.pem

cat > "$work/client.ext" <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
EXT

sign_client() { # $1 = key file, $2 = CN, $3 = output certificate
  openssl req -new -key "$1" -subj "/O=KafkaGateway Tests/CN=$2" -out "$work/$2.csr"
  openssl x509 -req -sha256 -days "$DAYS" -in "$work/$2.csr" \
    -CA intermediate-ca.crt -CAkey "$work/intermediate-ca.key" -CAcreateserial -CAserial "$work/intermediate.srl" \
    -extfile "$work/client.ext" -out "$3" 2>/dev/null
}

# --- RSA client: PEM in every key encoding ---------------------------------------------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out client.key 2>/dev/null  # PKCS#8 "PRIVATE KEY"
openssl rsa -in client.key -traditional -out client.pkcs1.key 2>/dev/null               # PKCS#1 "RSA PRIVATE KEY"
openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -in client.key \
  -passout "pass:$KEY_PASS" -out client.encrypted.key                                   # "ENCRYPTED PRIVATE KEY"
openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -in client.key \
  -passout "pass:$KEY_PASS" -out client.encrypted-pbes1.key                             # PKCS#8, older PBES1 (Java-era tools)
sign_client client.key kafka-gateway-client client.crt
cat client.crt intermediate-ca.crt > client-chain.pem

# --- EC client: SEC1 "EC PRIVATE KEY" ------------------------------------------------------------------
openssl ecparam -name prime256v1 -genkey -noout -out client-ec.sec1.key
sign_client client-ec.sec1.key kafka-gateway-ec-client client-ec.crt

# --- A key that belongs to no certificate --------------------------------------------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out mismatched.key 2>/dev/null

# --- An expired client certificate (valid 2015-01-01 .. 2016-01-01) ------------------------------------
# OpenSSL 3.0's x509 cannot backdate; 'openssl ca' can, given a throw-away CA database.
mkdir -p "$work/ca/newcerts"; : > "$work/ca/index.txt"; echo 1000 > "$work/ca/serial"
cat > "$work/ca.cnf" <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = $work/ca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sha256
policy = policy_any
copy_extensions = none
unique_subject = no
[ policy_any ]
commonName = supplied
organizationName = optional
[ client_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
CNF
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out client-expired.key 2>/dev/null
openssl req -new -key client-expired.key -subj '/O=KafkaGateway Tests/CN=kafka-gateway-expired-client' \
  -out "$work/expired.csr"
openssl ca -batch -config "$work/ca.cnf" -extensions client_ext -notext \
  -cert intermediate-ca.crt -keyfile "$work/intermediate-ca.key" \
  -startdate 20150101000000Z -enddate 20160101000000Z \
  -in "$work/expired.csr" -out client-expired.crt 2>/dev/null

# --- PKCS#12 key stores ---------------------------------------------------------------------------------
# openssl-made (OpenSSL 3 defaults: PBES2/AES-256-CBC, HMAC-SHA256 MAC), leaf + intermediate.
openssl pkcs12 -export -name kafka-client -inkey client.key -in client.crt -certfile intermediate-ca.crt \
  -passout "pass:$STORE_PASS" -out keystore.openssl.p12
# keytool-made: keytool re-encodes the whole store with Java's own PKCS#12 writer.
keytool -importkeystore -noprompt -srckeystore keystore.openssl.p12 -srcstoretype PKCS12 \
  -srcstorepass "$STORE_PASS" -destkeystore keystore.keytool.p12 -deststoretype PKCS12 \
  -deststorepass "$STORE_PASS" -destkeypass "$STORE_PASS" 2>/dev/null

# --- JKS key stores (the Hopsworks layout: keyStore.jks + trustStore.jks + one password) ---------------
keytool -importkeystore -noprompt -srckeystore keystore.openssl.p12 -srcstoretype PKCS12 \
  -srcstorepass "$STORE_PASS" -destkeystore keystore.jks -deststoretype JKS \
  -deststorepass "$STORE_PASS" -destkeypass "$STORE_PASS" 2>/dev/null
# Same key with a key password that differs from the store password.
keytool -importkeystore -noprompt -srckeystore keystore.openssl.p12 -srcstoretype PKCS12 \
  -srcstorepass "$STORE_PASS" -destkeystore keystore.keypass.jks -deststoretype JKS \
  -deststorepass "$STORE_PASS" -destkeypass "$KEY_PASS" 2>/dev/null
# EC key in JKS.
openssl pkcs12 -export -name kafka-ec-client -inkey client-ec.sec1.key -in client-ec.crt \
  -certfile intermediate-ca.crt -passout "pass:$STORE_PASS" -out "$work/keystore-ec.p12"
keytool -importkeystore -noprompt -srckeystore "$work/keystore-ec.p12" -srcstoretype PKCS12 \
  -srcstorepass "$STORE_PASS" -destkeystore keystore-ec.jks -deststoretype JKS \
  -deststorepass "$STORE_PASS" -destkeypass "$STORE_PASS" 2>/dev/null

# --- Truststores ------------------------------------------------------------------------------------------
for type in JKS PKCS12; do
  out=truststore.jks; [ "$type" = PKCS12 ] && out=truststore.p12
  keytool -importcert -noprompt -alias root-ca -file root-ca.crt -keystore "$out" -storetype "$type" \
    -storepass "$STORE_PASS" 2>/dev/null
  keytool -importcert -noprompt -alias other-ca -file other-ca.crt -keystore "$out" -storetype "$type" \
    -storepass "$STORE_PASS" 2>/dev/null
done

# --- Legacy OpenSSL-encrypted PEM keys ("Proc-Type: 4,ENCRYPTED", openssl -traditional) ----------------
# What older tooling and many platforms still hand out; the same RSA key as client.key, and the EC client key.
openssl rsa -in client.key -traditional -aes256 -passout "pass:$KEY_PASS" -out client.legacy-aes.key 2>/dev/null
openssl rsa -in client.key -traditional -des3 -passout "pass:$KEY_PASS" -out client.legacy-des3.key 2>/dev/null
openssl ec -in client-ec.sec1.key -aes128 -passout "pass:$KEY_PASS" -out client-ec.legacy-aes.key 2>/dev/null

# --- A CRL made by 'openssl ca' (RFC 5280 v2 CRL), with two revoked serials ---------------------------
# Its own CA, since the other CAs' keys are thrown away above: crl-ca issues crl-revoked, crl-revoked-too and
# crl-good, revokes the first two and publishes the CRL as PEM and DER.
mkdir -p "$work/crlca/newcerts"; : > "$work/crlca/index.txt"; echo 2000 > "$work/crlca/serial"; echo 01 > "$work/crlca/crlnumber"
cat > "$work/crl-ca.cnf" <<CNF
[ ca ]
default_ca = crl_ca
[ crl_ca ]
dir = $work/crlca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
default_md = sha256
default_days = $DAYS
default_crl_days = $DAYS
policy = policy_any
copy_extensions = none
unique_subject = no
[ policy_any ]
commonName = supplied
organizationName = optional
[ client_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
CNF
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$DAYS" \
  -subj '/O=KafkaGateway Tests/CN=KafkaGateway Test CRL CA' \
  -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
  -keyout "$work/crl-ca.key" -out crl-ca.crt 2>/dev/null
for name in crl-revoked crl-revoked-too crl-good; do
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/$name.key" 2>/dev/null
  openssl req -new -key "$work/$name.key" -subj "/O=KafkaGateway Tests/CN=$name" -out "$work/$name.csr"
  openssl ca -batch -config "$work/crl-ca.cnf" -extensions client_ext -notext \
    -cert crl-ca.crt -keyfile "$work/crl-ca.key" -in "$work/$name.csr" -out "$name.crt" 2>/dev/null
done
openssl ca -config "$work/crl-ca.cnf" -cert crl-ca.crt -keyfile "$work/crl-ca.key" -revoke crl-revoked.crt -crl_reason keyCompromise 2>/dev/null
openssl ca -config "$work/crl-ca.cnf" -cert crl-ca.crt -keyfile "$work/crl-ca.key" -revoke crl-revoked-too.crt 2>/dev/null
openssl ca -config "$work/crl-ca.cnf" -cert crl-ca.crt -keyfile "$work/crl-ca.key" -gencrl -out crl.pem 2>/dev/null
openssl crl -in crl.pem -outform DER -out crl.der

echo "TLS test material written to $(pwd)"
