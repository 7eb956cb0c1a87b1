#!/usr/bin/env bash
# Makes certificates for mutual TLS between Snakepit hosts
# (docs/distribution.md, "Certificates"), with OpenSSL 3:
#
#   scripts/cluster-certs.sh ca DIR NAME
#       a CA for the cluster: DIR/NAME.pem and DIR/NAME.key
#   scripts/cluster-certs.sh member DIR NAME CA SUBJECT_ALT_NAMES
#       a host's certificate signed by DIR/CA.pem: DIR/NAME.pem, DIR/NAME.key;
#       SUBJECT_ALT_NAMES as OpenSSL writes them,
#       e.g. "DNS:host-a.example.org,IP:10.0.0.5"
#
# Keys are P-256, unencrypted, mode 0600. Certificates last DAYS days
# (environment; default 825 for members, 3650 for a CA).
set -euo pipefail

usage() { sed -n '2,13p' "$0" >&2; exit 2; }
[ $# -ge 3 ] || usage
kind=$1 dir=$2 name=$3
mkdir -p "$dir"
umask 077

case "$kind" in
  ca)
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout "$dir/$name.key" -out "$dir/$name.pem" -days "${DAYS:-3650}" \
      -subj "/CN=snakepit $name" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign"
    ;;
  member)
    [ $# -eq 5 ] || usage
    ca=$4 names=$5
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "/CN=$name" \
     
    printf '%s\n' "basicConstraints=CA:FALSE" \
      "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=serverAuth,clientAuth" \
      "subjectAltName=$names" > "$dir/$name.ext"
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.pem" \
      -CAkey "$dir/$ca.key" -CAcreateserial -out "$dir/$name.pem" \
      -days "${DAYS:-825}" -sha256 -extfile "$dir/$name.ext"
    rm -f "$dir/$name.csr" "$dir/$name.ext"
    ;;
  *) usage ;;
esac
