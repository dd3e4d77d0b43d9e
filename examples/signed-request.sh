#!/usr/bin/env bash
# check-identity signed with a partner AK/SK (Huawei Cloud SDK-HMAC-SHA256) using only bash, curl and openssl:
# what the official SDK signers compute, spelled out. Defaults: `npm start`'s API and local key pair.
#   examples/signed-request.sh [name|email|mobile] [value]
set -euo pipefail
API="${API:-http://127.0.0.1:3000}"
AK="${LOCAL_PARTNER_AK:-VGLOCALPARTNERAK0001}"
SK="${LOCAL_PARTNER_SK:-vglocalpartnersk0000000000000000000000001}"
BODY="{\"search_type\":\"${1:-name}\",\"search_value\":\"${2:-ceshiyonghu001}\"}"
ROUTE=/v2/partners/sub-customers/users/check-identity

HOST="${API#*://}"
DATE="$(date -u +%Y%m%dT%H%M%SZ)"
SIGNED_HEADERS='content-type;host;x-sdk-date'
sha256() { printf '%s' "$1" | openssl dgst -sha256 -hex | sed 's/^.* //'; }

# METHOD, path with a trailing /, query (none), one name:value line per signed header (sorted), a blank
# line, the signed header names, the body's SHA-256.
CANONICAL_REQUEST="POST
${ROUTE}/

content-type:application/json
host:${HOST}
x-sdk-date:${DATE}

${SIGNED_HEADERS}
$(sha256 "$BODY")"
STRING_TO_SIGN="SDK-HMAC-SHA256
${DATE}
$(sha256 "$CANONICAL_REQUEST")"
SIGNATURE="$(printf '%s' "$STRING_TO_SIGN" | openssl dgst -sha256 -hmac "$SK" -hex | sed 's/^.* //')"

curl -sS "${API}${ROUTE}" \
  -H 'Content-Type: application/json' \
  -H "X-Sdk-Date: ${DATE}" \
  -H "Authorization: SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=${SIGNED_HEADERS}, Signature=${SIGNATURE}" \
  -d "$BODY"
echo
