# SPDX-License-Identifier: GPL-2.0
# The metrics endpoint with --web-config, on 127.0.0.1: build/unit/serve_httpd
# (user/httpd.c and user/webconfig.c under ASan and UBSan, with a made-up
# exposition), a throw-away certificate from openssl, bcrypt users, curl as
# the client. Over TLS, the certificate checked against its SAN: the right
# credentials get 200 and the metrics; none, a wrong password or an unknown
# user get 401 asking for Basic realm="khoscope"; plain HTTP and TLS 1.1 get
# nothing; scrapes still share the 1-s exposition, and a client trickling a
# handshake is still cut at the deadline. Then basic auth over plain HTTP,
# and a key that is not the certificate's refused at start. The trap stops
# any server left, however the test ends; each must exit 0 (no leak).
. "$(dirname "$0")/lib.bash"

srv=$ROOT/build/unit/serve_httpd
[[ -x "$srv" ]] || { echo "FAIL $srv missing: run make unit"; exit 1; }
for tool in openssl curl python3; do
	command -v "$tool" >/dev/null || { echo "FAIL $tool is not installed: run make setup"; exit 1; }
done
DEADLINE_S=2
# htpasswd -nbB -C 5 prometheus 'khoscope-scrape', and alice 'correct horse'.
PROM_HASH='$2y$05$iMZfOdoUgMr37e4zuh1jau8VZfhvmz2KcRW07aoN/NQzjUsiqi7ZG'
ALICE_HASH='$2y$04$UEqDpEyXVKgPOjKgVab0aOt6lFj62FZsnePqxmt0Bev2e4gysNh4u'

pid=""
port=""
# stop_server: SIGTERM, then its exit status must be 0.
stop_server() {
	local rc=0

	[[ -n "$pid" ]] || return 0
	kill "$pid" 2>/dev/null || true
	wait "$pid" || rc=$?
	pid=""
	if ((rc != 0)); then
		echo "FAIL serve_httpd exited $rc:"; cat "$TMP/srv.err"; exit 1
	fi
}
trap '[[ -z "$pid" ]] || kill "$pid" 2>/dev/null || true; wait || true; rm -rf "$TMP"' EXIT

# start CONFIG: serve on a free port of 127.0.0.1 as CONFIG says, 60 s at most.
start() {
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$srv" "127.0.0.1:$port" "$1" "$DEADLINE_S" 60 >"$TMP/srv.out" 2>"$TMP/srv.err" &
	pid=$!
	for _ in $(seq 100); do
		grep -q '^serving$' "$TMP/srv.out" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "FAIL serve_httpd did not start with $1:"; cat "$TMP/srv.err"; exit 1
}

# get URL CURL_ARGS...: the HTTP status, 000 for no HTTP answer; the body in
# $TMP/body, the headers in $TMP/headers.
get() {
	local url=$1
	shift
	: >"$TMP/headers"
	curl -s --max-time 5 --cacert "$TMP/conf/server.crt" -D "$TMP/headers" -o "$TMP/body" \
		-w '%{http_code}' "$@" "$url" || true
}

# want WHAT GOT EXPECTED
want() {
	if [[ "$2" != "$3" ]]; then
		echo "FAIL $1: got '$2', want '$3'"; cat "$TMP/srv.err"; exit 1
	fi
	echo "ok   $1: $2"
}

mkdir "$TMP/conf"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=localhost \
	-addext subjectAltName=IP:127.0.0.1 -days 2 \
	-keyout "$TMP/conf/server.key" -out "$TMP/conf/server.crt" 2>"$TMP/openssl.err" ||
	{ echo "FAIL openssl req:"; cat "$TMP/openssl.err"; exit 1; }
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:prime256v1 -out "$TMP/conf/other.key" \
	2>"$TMP/openssl.err" || { echo "FAIL openssl genpkey:"; cat "$TMP/openssl.err"; exit 1; }
# Relative paths: to the file's directory, not to the server's.
cat >"$TMP/conf/web.yml" <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: server.key
basic_auth_users:
  prometheus: $PROM_HASH
  alice: '$ALICE_HASH'
EOF

cd /
start "$TMP/conf/web.yml"
url=https://127.0.0.1:$port/metrics
want "TLS, right credentials" "$(get "$url" -u prometheus:khoscope-scrape)" 200
grep -q '^ks_test_renders [0-9]*$' "$TMP/body" || { echo "FAIL no metrics:"; cat "$TMP/body"; exit 1; }
echo "ok   the body is the exposition: $(cat "$TMP/body")"
want "TLS, another user's right credentials" "$(get "$url" -u 'alice:correct horse')" 200
want "TLS, no credentials" "$(get "$url")" 401
grep -qi '^WWW-Authenticate: Basic realm="khoscope"' "$TMP/headers" ||
	{ echo "FAIL no WWW-Authenticate in the 401:"; cat "$TMP/headers"; exit 1; }
echo "ok   the 401 asks for Basic realm=\"khoscope\""
want "TLS, wrong password" "$(get "$url" -u prometheus:khoscope-scrapE)" 401
want "TLS, another user's password" "$(get "$url" -u 'prometheus:correct horse')" 401
want "TLS, unknown user" "$(get "$url" -u mallory:khoscope-scrape)" 401
want "TLS, another path without credentials" "$(get "https://127.0.0.1:$port/")" 401
want "TLS, another path with credentials" "$(get "https://127.0.0.1:$port/" -u prometheus:khoscope-scrape)" 404
want "plain HTTP to the TLS port" "$(get "http://127.0.0.1:$port/metrics" -u prometheus:khoscope-scrape)" 000
want "TLS 1.1" "$(get "$url" -u prometheus:khoscope-scrape --tls-max 1.1 --ciphers 'DEFAULT:@SECLEVEL=0')" 000
want "TLS 1.2" "$(get "$url" -u prometheus:khoscope-scrape --tls-max 1.2)" 200

# Two scrapes within a second: one exposition.
sleep 1.1
curl -s --max-time 5 --cacert "$TMP/conf/server.crt" -u prometheus:khoscope-scrape "$url" "$url" \
	>"$TMP/two"
want "two scrapes within a second share one exposition" \
	"$(sort -u "$TMP/two" | wc -l) of $(wc -l <"$TMP/two")" "1 of 2"

# Clients that trickle a byte every 0.3 s, in the handshake or in the
# request after it (each byte resets any idle timeout): cut at the deadline.
for stage in handshake request; do
	took=$(python3 - "$port" "$stage" "$TMP/conf/server.crt" <<'PY'
import socket, ssl, sys, time
port, stage, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
start = time.monotonic()
if stage == "handshake":
    s.sendall(b"\x16\x03\x01\x02\x00")    # a TLS record header; its body follows
    byte = b"\x00"
else:
    s = ssl.create_default_context(cafile=ca).wrap_socket(s, server_hostname="127.0.0.1")
    byte = b"G"
s.settimeout(0.3)
try:
    while time.monotonic() - start < 8:
        s.send(byte)
        try:
            if not s.recv(256):
                break
        except (socket.timeout, ssl.SSLWantReadError):
            pass
except (ConnectionError, ssl.SSLError):
    pass
print(f"{time.monotonic() - start:.1f}")
PY
)
	if ! python3 -c "import sys; t = float(sys.argv[1]); sys.exit(not ($DEADLINE_S - 0.2 <= t < $DEADLINE_S + 1.5))" "$took"; then
		echo "FAIL a client trickling its $stage was cut after $took s, not at the deadline ($DEADLINE_S s)"
		exit 1
	fi
	echo "ok   a client trickling its $stage is cut at the deadline: $took s"
done
stop_server
if ss -ltn | grep -q "127.0.0.1:$port "; then
	echo "FAIL port $port still open"; exit 1
fi
echo "ok   the server stopped, exit 0, port closed"

# Basic auth alone: plain HTTP.
printf 'basic_auth_users:\n  prometheus: %s\n' "$PROM_HASH" >"$TMP/conf/auth.yml"
start "$TMP/conf/auth.yml"
url=http://127.0.0.1:$port/metrics
want "HTTP, right credentials" "$(get "$url" -u prometheus:khoscope-scrape)" 200
want "HTTP, no credentials" "$(get "$url")" 401
want "HTTPS to the plain port" "$(get "https://127.0.0.1:$port/metrics" -u prometheus:khoscope-scrape)" 000
stop_server

# A key that is not the certificate's: refused before serving, exit 2.
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: other.key\n' >"$TMP/conf/other.yml"
rc=0
"$srv" 127.0.0.1:1 "$TMP/conf/other.yml" "$DEADLINE_S" 5 >"$TMP/srv.out" 2>"$TMP/srv.err" || rc=$?
want "the certificate with another key: exit status" "$rc" 2
grep -q "^khoscope: --web-config: libmicrohttpd cannot serve TLS with its cert_file and key_file: " \
	"$TMP/srv.err" || { echo "FAIL no message:"; cat "$TMP/srv.err"; exit 1; }
echo "ok   $(cat "$TMP/srv.err")"
