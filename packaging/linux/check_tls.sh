#!/usr/bin/env bash
# Prove that a frozen desktop-chat verifies HTTPS against the system's CA store as users have it.
# In a private mount namespace /usr/lib/ssl is hidden (where the bundled OpenSSL was built to
# look; Fedora, Arch and openSUSE have no such directory) and the system bundle
# /etc/ssl/certs/ca-certificates.crt holds only a throw-away CA; the app streams an answer from
# the demo endpoint served over HTTPS on 127.0.0.1 with a certificate that CA signed.
# SSL_CERT_FILE, SSL_CERT_DIR, REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE are unset: users' machines
# do not set them. As a control, the same request with the distribution's own bundle must fail.
#
#   bash packaging/linux/check_tls.sh /usr/bin/desktop-chat     (as root: unshare -m, mount)
set -euo pipefail
bin=$1
cd "$(dirname "$0")/../.."
python=${PYTHON:-.venv/bin/python}
system_bundle=/etc/ssl/certs/ca-certificates.crt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The server (tests/support/tls.py) writes the CA, prints its base URL and serves until its
# stdin closes, so it ends with this script whatever happens.
coproc server { exec "$python" -m tests.support.tls "$work/tls"; }
read -r -t 30 base_url <&"${server[0]}" || { echo "tls: the HTTPS test server did not start" >&2; exit 1; }

# $1: the file shown as the system bundle; the rest: the command.
hide='mount -t tmpfs none /usr/lib/ssl && mount --bind "$1" '"$system_bundle"' && shift && exec "$@"'
ask() {
  env -u SSL_CERT_FILE -u SSL_CERT_DIR -u REQUESTS_CA_BUNDLE -u CURL_CA_BUNDLE \
    timeout --kill-after=10 60 unshare -m sh -c "$hide" sh "$1" \
    "$bin" --profile-dir "$work/profile" ask --protocol openai --base-url "$base_url" \
    --model demo-model --max-retries 0 "hello"
}
if ! answer=$(ask "$work/tls/ca.pem" 2>"$work/err"); then
  echo "tls: the frozen app refused a server signed by a CA in $system_bundle: $(cat "$work/err")" >&2
  exit 1
fi
[ -n "$answer" ] || { echo "tls: no answer streamed" >&2; exit 1; }
if ask "$system_bundle" >/dev/null 2>"$work/err"; then
  echo "tls: the throw-away CA was trusted without being in the system bundle" >&2
  exit 1
fi
grep -q "TLS certificate of 127.0.0.1" "$work/err" || {
  echo "tls: unexpected failure with the distribution's bundle: $(cat "$work/err")" >&2; exit 1; }
exec {server[1]}>&-
wait "$server_PID" || true
echo "tls: streamed $(printf '%s' "$answer" | wc -c) bytes over HTTPS trusted through $system_bundle"
