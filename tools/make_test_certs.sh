#!/usr/bin/env bash
# make_test_certs.sh DIR: throw-away certificates for trying warrend's TCP
# listeners (--listen) and for the tests. Needs the `openssl` command.
# NOT for production: the CA key is left next to the certificates.
#
# DIR gets (each *.pem with its *.key, EC P-256):
#   ca.pem              the CA: --client_ca, and clients' -cacert
#   server.pem          warrend's --tls_cert (CN warrend; SAN IP 127.0.0.1,
#                       DNS localhost)
#   server-rotated.pem  another server certificate of the same CA
#                       (CN warrend-rotated), to try SIGHUP rotation
#   agent-a.pem         client, URI SAN spiffe://cluster/agent-a (its identity)
#   viewer-b.pem        client with only CN viewer-b (its identity)
#   stranger.pem        client of ca with CN stranger, not in policy.textproto
#   operator-a.pem, operator-b.pem, operator-c.pem
#                       clients with only CN operator-a/-b/-c (tenant tests)
#   other-ca.pem        an unrelated CA
#   intruder.pem        client of other-ca claiming spiffe://cluster/agent-a
#   expired.pem         client of ca claiming spiffe://cluster/agent-a, expired
#   policy.textproto    a --policy: agent-a admin, viewer-b viewer
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
command -v openssl >/dev/null || {
  echo "make_test_certs: the openssl command is missing (apt-get install openssl)" >&2
  exit 1
}
dir=$1
mkdir -p "$dir"
cd "$dir"
umask 077

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }
serial() { echo "0x$(openssl rand -hex 8)"; }

# ca NAME CN: a self-signed CA.
ca() {
  newkey "$1"
  openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 3650 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# leaf NAME CA CN DAYS EXTENSIONS: a certificate of CA for NAME.key.
leaf() {
  local name=$1 ca=$2 cn=$3 days=$4 ext=$5
  newkey "$name"
  openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr" 2>/dev/null
  printf '%b\n' "$ext" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" \
    -set_serial "$(serial)" -days "$days" -extfile "$name.ext" \
    -out "$name.pem" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

server_ext="basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost"
client_ext="basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth"
agent_ext="$client_ext\nsubjectAltName=URI:spiffe://cluster/agent-a"

ca ca "warren test CA"
ca other-ca "some other CA"
leaf server ca warrend 825 "$server_ext"
leaf server-rotated ca warrend-rotated 825 "$server_ext"
leaf agent-a ca agent-a 825 "$agent_ext"
leaf viewer-b ca viewer-b 825 "$client_ext"
leaf stranger ca stranger 825 "$client_ext"
for op in operator-a operator-b operator-c; do
  leaf "$op" ca "$op" 825 "$client_ext"
done
leaf intruder other-ca agent-a 825 "$agent_ext"
# -days -1: it ended a day before it began, so it is expired right away.
leaf expired ca agent-a -1 "$agent_ext"

cat >policy.textproto <<'EOF'
# warrend --policy (warren.v1.AccessPolicy, see proto/warren/v1/policy.proto)
entries {
  identity: "spiffe://cluster/agent-a"
  tenant: "cluster"
  role: "admin"
}
entries {
  identity: "viewer-b"
  tenant: "team-b"
  role: "viewer"
}
EOF
chmod 0644 ./*.pem policy.textproto
echo "make_test_certs: certificates in $(pwd)"
