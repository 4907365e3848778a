#!/usr/bin/env bash
# Creates every certificate, key store and password the compose stack (and a Kubernetes Secret) needs:
#   a CA; the broker's certificate with its JKS key store, trust store and SSL properties snippet; the gateway's
#   HTTPS server certificate; client certificates for the gateway, the schema registry and an admin, each as PEM,
#   PKCS#12 and JKS; an admin API key for the gateway (printed once, with the curl line that uses it); and an env
#   file with the generated passwords, the key and its SHA-256 (docker compose reads ./.env).
#
# Usage: deploy/certs/generate.sh [--out DIR] [--env-file FILE] [--force]
#   --out DIR       where the material goes (default deploy/certs/out, gitignored)
#   --env-file FILE where the passwords go (default ./.env at the repository root with the default --out,
#                   otherwise DIR/.env)
#   --force         throw away existing material and passwords and start over
# Re-running without --force keeps everything that exists and only creates what is missing, so certificates
# already trusted elsewhere stay valid. Nothing here is ever committed: the output folder and .env are gitignored.
# Needs openssl; keytool (any JDK) for the JKS stores — without it the JKS files are skipped with a message.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)

out="$script_dir/out"
env_file=""
force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --env-file) env_file="$2"; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$env_file" ]; then
  if [ "$out" = "$script_dir/out" ]; then env_file="$repo_root/.env"; else env_file="$out/.env"; fi
fi

CA_DAYS=${CA_DAYS:-1825}     # 5 years
LEAF_DAYS=${LEAF_DAYS:-365}  # 1 year
# Host names the broker is reached by: the compose service, its container name, the Kubernetes service, loopback.
BROKER_SANS=${BROKER_SANS:-"DNS:kafka,DNS:kafkagateway-kafka-1,DNS:kafka.kafka.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:::1"}
GATEWAY_SANS=${GATEWAY_SANS:-"DNS:gateway,DNS:gateway-confluent-sr,DNS:kafkagateway,DNS:localhost,IP:127.0.0.1,IP:::1"}
SECRETS_DIR=${SECRETS_DIR:-/etc/kafka/secrets}  # where the broker sees this folder (apache/kafka image convention)

command -v openssl >/dev/null 2>&1 || { echo "openssl is required" >&2; exit 1; }
have_keytool=0
if command -v keytool >/dev/null 2>&1; then have_keytool=1; fi

if [ "$force" -eq 1 ] && [ -d "$out" ]; then
  echo "--force: removing $out"
  rm -rf "$out"
fi
# The containers run as their own users and read this folder through a bind mount: folder and key stores are
# world-readable (the stores are password-protected); plain private keys and passwords are not.
umask 022
mkdir -p "$out"
chmod 755 "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { printf '  %s\n' "$*"; }

# --- passwords: out/passwords.env is the source of truth, the env file gets a copy -----------------------------
passwords="$out/passwords.env"
password_names="KAFKA_SSL_PASSWORD TRUSTSTORE_PASSWORD GATEWAY_KEYSTORE_PASSWORD GATEWAY_HTTPS_KEY_PASSWORD SCHEMA_REGISTRY_KEYSTORE_PASSWORD ADMIN_KEYSTORE_PASSWORD"
if [ -f "$passwords" ]; then
  # shellcheck disable=SC1090
  . "$passwords"
elif [ -f "$out/ca.crt" ]; then
  echo "$out holds certificates but no passwords.env; re-run with --force to start over" >&2
  exit 1
fi
( umask 077; : > "$tmp/passwords.env" )
for name in $password_names; do
  value=${!name:-}
  [ -n "$value" ] || value=$(openssl rand -hex 16)
  printf -v "$name" '%s' "$value"
  printf '%s=%s\n' "$name" "$value" >> "$tmp/passwords.env"
done
KAFKA_CLUSTER_ID=${KAFKA_CLUSTER_ID:-$(openssl rand -base64 16 | tr '+/' '-_' | cut -c1-22)}
printf 'KAFKA_CLUSTER_ID=%s\n' "$KAFKA_CLUSTER_ID" >> "$tmp/passwords.env"

# --- the gateway's admin API key: the key is a credential like the passwords; the gateway is given only its SHA-256
# (Security:Authentication:ApiKeys:0:Sha256). Kept across runs like the passwords; printed only when created.
admin_key_created=0
if [ -z "${ADMIN_API_KEY:-}" ]; then
  ADMIN_API_KEY=$(openssl rand -hex 32)
  admin_key_created=1
fi
ADMIN_API_KEY_SHA256=$(printf %s "$ADMIN_API_KEY" | openssl dgst -sha256 -r | cut -d' ' -f1)
( umask 077; printf 'ADMIN_API_KEY=%s\nADMIN_API_KEY_SHA256=%s\n' "$ADMIN_API_KEY" "$ADMIN_API_KEY_SHA256" >> "$tmp/passwords.env" )
install -m 600 "$tmp/passwords.env" "$passwords"

# What the gateway's pod needs from passwords.env, and nothing else (the admin key itself stays out of the cluster):
# kubectl create secret generic kafkagateway-passwords --from-env-file=gateway-secrets.env (README "Kubernetes").
( umask 077; printf 'GATEWAY_KEYSTORE_PASSWORD=%s\nGATEWAY_HTTPS_KEY_PASSWORD=%s\nADMIN_API_KEY_SHA256=%s\n' \
  "$GATEWAY_KEYSTORE_PASSWORD" "$GATEWAY_HTTPS_KEY_PASSWORD" "$ADMIN_API_KEY_SHA256" > "$tmp/gateway-secrets.env" )
install -m 600 "$tmp/gateway-secrets.env" "$out/gateway-secrets.env"

# --- CA ---------------------------------------------------------------------------------------------------------
echo "Certificates in $out"
if [ ! -f "$out/ca.crt" ]; then
  # A new CA invalidates everything it signed.
  find "$out" -maxdepth 1 -type f ! -name passwords.env ! -name gateway-secrets.env -delete
  ( umask 077; openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$out/ca.key" 2>/dev/null )
  openssl req -x509 -new -key "$out/ca.key" -out "$out/ca.crt" -days "$CA_DAYS" -sha256 \
    -subj "/O=KafkaGateway/CN=KafkaGateway Development CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
  say "created ca.crt (valid $CA_DAYS days)"
else
  say "kept ca.crt"
fi

# issue NAME CN EXTENDED_KEY_USAGE SANS: NAME.key (PKCS#8, 0600), NAME.crt (leaf), signed by the CA.
issue() {
  local name=$1 cn=$2 eku=$3 sans=${4:-}
  if [ -f "$out/$name.crt" ] && [ -f "$out/$name.key" ]; then
    say "kept $name.crt"
    return 0
  fi
  ( umask 077; openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$out/$name.key" 2>/dev/null )
  openssl req -new -key "$out/$name.key" -subj "/O=KafkaGateway/CN=$cn" -out "$tmp/$name.csr"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    echo "subjectKeyIdentifier=hash"
    echo "authorityKeyIdentifier=keyid"
    if [ -n "$sans" ]; then echo "subjectAltName=$sans"; fi
  } > "$tmp/$name.ext"
  openssl x509 -req -in "$tmp/$name.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
    -CAserial "$out/ca.srl" -days "$LEAF_DAYS" -sha256 -extfile "$tmp/$name.ext" -out "$out/$name.crt" 2>/dev/null
  # A newly issued certificate invalidates the stores made from the previous one.
  rm -f "$out/$name.p12" "$out/$name.keystore.jks"
  say "created $name.crt (CN=$cn, valid $LEAF_DAYS days)"
}

# stores NAME PASSWORD: NAME.p12 (key + certificate + CA) and NAME.keystore.jks.
stores() {
  local name=$1 password=$2
  if [ ! -f "$out/$name.p12" ]; then
    openssl pkcs12 -export -name "$name" -inkey "$out/$name.key" -in "$out/$name.crt" -certfile "$out/ca.crt" \
      -passout "pass:$password" -out "$out/$name.p12"
    chmod 644 "$out/$name.p12"  # password-protected; containers read it as their own user
    say "created $name.p12"
  fi
  if [ "$have_keytool" -eq 1 ] && [ ! -f "$out/$name.keystore.jks" ]; then
    keytool -importkeystore -noprompt -srckeystore "$out/$name.p12" -srcstoretype PKCS12 -srcstorepass "$password" \
      -destkeystore "$out/$name.keystore.jks" -deststoretype JKS -deststorepass "$password" -destkeypass "$password" \
      >/dev/null 2>&1
    say "created $name.keystore.jks"
  fi
}

issue kafka "kafka" "serverAuth,clientAuth" "$BROKER_SANS"
stores kafka "$KAFKA_SSL_PASSWORD"
issue gateway-https "gateway" "serverAuth" "$GATEWAY_SANS"
issue gateway-client "kafkagateway" "clientAuth"
stores gateway-client "$GATEWAY_KEYSTORE_PASSWORD"
issue schema-registry-client "schema-registry" "clientAuth"
stores schema-registry-client "$SCHEMA_REGISTRY_KEYSTORE_PASSWORD"
issue admin "admin" "clientAuth"
stores admin "$ADMIN_KEYSTORE_PASSWORD"

# Kestrel reads the HTTPS key from the bind mount as the container user: an encrypted copy is safe to share.
if [ ! -f "$out/gateway-https.key.enc" ] || [ "$out/gateway-https.key" -nt "$out/gateway-https.key.enc" ]; then
  openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$out/gateway-https.key" -passout "pass:$GATEWAY_HTTPS_KEY_PASSWORD" \
    -out "$out/gateway-https.key.enc"
  chmod 644 "$out/gateway-https.key.enc"
  say "created gateway-https.key.enc (PKCS#8, encrypted with GATEWAY_HTTPS_KEY_PASSWORD)"
fi

# --- trust stores and the broker's SSL settings --------------------------------------------------------------------
if [ "$have_keytool" -eq 1 ]; then
  for store in kafka.truststore.jks truststore.jks; do
    if [ "$store" = kafka.truststore.jks ]; then pw=$KAFKA_SSL_PASSWORD; else pw=$TRUSTSTORE_PASSWORD; fi
    if [ ! -f "$out/$store" ] || [ "$out/ca.crt" -nt "$out/$store" ]; then
      rm -f "$out/$store"
      keytool -importcert -noprompt -alias kafkagateway-ca -file "$out/ca.crt" -keystore "$out/$store" \
        -storetype JKS -storepass "$pw" >/dev/null 2>&1
      say "created $store"
    fi
  done
else
  echo "keytool not found: skipped every .jks file (the broker needs kafka.keystore.jks and kafka.truststore.jks;" \
    "install a JDK, e.g. apt-get install openjdk-17-jre-headless, and re-run)" >&2
fi

# The apache/kafka image reads the store passwords from these files in its secrets folder.
for creds in kafka_keystore_creds kafka_ssl_key_creds kafka_truststore_creds; do
  printf '%s' "$KAFKA_SSL_PASSWORD" > "$out/$creds"
  chmod 644 "$out/$creds"
done

cat > "$out/kafka-ssl.properties" <<EOF
# Broker SSL settings (server.properties snippet) made by deploy/certs/generate.sh. Contains passwords.
ssl.keystore.type=JKS
ssl.keystore.location=$SECRETS_DIR/kafka.keystore.jks
ssl.keystore.password=$KAFKA_SSL_PASSWORD
ssl.key.password=$KAFKA_SSL_PASSWORD
ssl.truststore.type=JKS
ssl.truststore.location=$SECRETS_DIR/kafka.truststore.jks
ssl.truststore.password=$KAFKA_SSL_PASSWORD
ssl.client.auth=required
ssl.enabled.protocols=TLSv1.3,TLSv1.2
ssl.endpoint.identification.algorithm=https
EOF
chmod 600 "$out/kafka-ssl.properties"

# Admin tooling over mTLS, e.g. kafka-topics.sh --bootstrap-server localhost:19094 --command-config admin-client.properties
cat > "$out/admin-client.properties" <<EOF
security.protocol=SSL
ssl.keystore.type=PKCS12
ssl.keystore.location=$out/admin.p12
ssl.keystore.password=$ADMIN_KEYSTORE_PASSWORD
ssl.truststore.type=PEM
ssl.truststore.location=$out/ca.crt
ssl.endpoint.identification.algorithm=https
EOF
chmod 600 "$out/admin-client.properties"

# --- env file: replace our keys, keep any other lines ----------------------------------------------------------------
mkdir -p "$(dirname "$env_file")"
( umask 077; : > "$tmp/env" )
if [ -f "$env_file" ]; then
  grep -Ev "^($(echo "$password_names KAFKA_CLUSTER_ID ADMIN_API_KEY ADMIN_API_KEY_SHA256" | tr ' ' '|'))=" "$env_file" >> "$tmp/env" || true
fi
cat "$passwords" >> "$tmp/env"
install -m 600 "$tmp/env" "$env_file"
echo "Passwords in $env_file (gitignored; docker compose reads it)."
if [ "$admin_key_created" -eq 1 ]; then
  # Printed this once; afterwards it is only in the two files above.
  echo
  echo "Admin API key (all permissions on the gateway; also ADMIN_API_KEY in $passwords and $env_file):"
  echo "  $ADMIN_API_KEY"
  echo "  curl --cacert $out/ca.crt -H \"X-API-Key: $ADMIN_API_KEY\" https://localhost:8443/cluster"
else
  say "kept the admin API key (ADMIN_API_KEY in $env_file)"
fi
