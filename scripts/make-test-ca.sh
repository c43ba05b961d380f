#!/usr/bin/env bash
# Makes a throwaway certificate authority and certificates for the TLS tests, with openssl, in
# DIR (created; nothing here is ever committed):
#   ca.pem, ca.key            the test CA (its certificate is what clients trust)
#   server.pem, server.key    a server certificate for localhost and 127.0.0.1, signed by the CA
#   fullchain.pem             server.pem then ca.pem (a chain, as certbot writes it)
#   renewed.pem, renewed.key  a second server certificate (another key, a later expiry), for reload
#   other.key                 a key that matches neither certificate
#   redis.pem, redis.key      a certificate for redis-server (localhost, 127.0.0.1)
#   server.spki               the base64 SHA-256 of server.pem's public key (Chromium's
#                             --ignore-certificate-errors-spki-list)
# Usage: scripts/make-test-ca.sh DIR
set -euo pipefail
DIR="${1:?usage: make-test-ca.sh DIR}"
mkdir -p "$DIR"
cd "$DIR"
umask 077

# EC P-256 keys: quick to make, and what ACME clients issue by default today.
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

key ca.key
openssl req -x509 -new -key ca.key -sha256 -days 2 -subj "/CN=swift-socketio test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem 2>/dev/null

# sign NAME DAYS: NAME.key and NAME.pem for localhost and 127.0.0.1, valid DAYS days.
sign() {
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=localhost" -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days "$2" -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
sign server 1
sign renewed 2
sign redis 1
cat server.pem ca.pem >fullchain.pem
key other.key
openssl x509 -in server.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64 >server.spki
# Readable by the servers the tests start (redis-server may run as another user in CI).
chmod 644 ./*.pem ./*.key server.spki
echo "test CA in $DIR"
