#!/usr/bin/env bash
# Privilege separation of amana-relay, as root (CI runs as root): with
# `user = nobody` (created with useradd if missing) the relay binds, then
# the network process and the signer both drop to that user and chroot
# into the data folder; only the signer can sign checkpoints; SIGHUP still
# reloads the certificate and the limits from inside the chroot.
# Not root: prints a SKIP line and exits 77 (meson's "skipped").
# $1: build dir, $2: source dir.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: relay_privsep_test needs root (it checks setuid and chroot)"
	exit 77
fi
# LeakSanitizer reads /proc/PID/task at exit, which does not exist inside
# the chroot: leaks are checked by tests/relay_test.sh (no chroot) instead.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
B=$(cd "$1" && pwd)
RELAY=$B/relay/amana-relay
CL=$B/tests/relay_client
T=$(mktemp -d)
chmod 0755 "$T"
D=$T/data
LOG=$T/relay.out
PID=""
SPID=""
FAILS=0
CHECKS=0
USER_NAME=nobody

cleanup() {
	if [ -n "$SPID" ]; then kill -9 "$SPID" 2>/dev/null || true; fi
	if [ -n "$PID" ]; then kill -9 "$PID" 2>/dev/null || true; fi
	if [ -n "${KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

ok() { CHECKS=$((CHECKS + 1)); }
bad() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL: $*" >&2; }
check() { if eval "$1"; then ok; else bad "$2"; fi; }

if ! getent passwd "$USER_NAME" >/dev/null; then
	useradd --system --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
fi
UID_N=$(id -u "$USER_NAME")
GID_N=$(id -g "$USER_NAME")

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
APORT=$(free_port)
URL=https://127.0.0.1:$PORT
CURL=(curl -sS --max-time 10 --cacert "$D/tls/cert.pem")

# The config and the authority key live in the data folder, so that SIGHUP
# can re-read them from inside the chroot.
mkdir -m 0700 "$D"
"$CL" keygen authority.test "$T/auth"
"$CL" keygen ngo.test "$T/ngo"
cp "$T/auth.vkey" "$D/authority.vkey"
cat >"$D/relay.conf" <<EOF
admin = 127.0.0.1:$APORT
user = $USER_NAME
chroot = yes
max_body_bytes = 1048576
EOF
"$RELAY" --config "$D/relay.conf" --data "$D" --listen "127.0.0.1:$PORT" \
    >"$LOG" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
	if curl -s --max-time 1 "http://127.0.0.1:$APORT/healthz" >/dev/null 2>&1; then
		break
	fi
	sleep 0.05
done
check 'curl -s "http://127.0.0.1:$APORT/healthz" | grep -qx ok' "relay up as $USER_NAME ($(tr '\n' ' ' <"$LOG"))"
SPID=$(pgrep -P "$PID" | head -1 || true)

ids() {	# ids PID FIELD: the four ids of Uid: or Gid: in /proc/PID/status
	awk -v f="$2:" '$1 == f { print $2, $3, $4, $5 }' "/proc/$1/status"
}
check '[ "$(ids "$PID" Uid)" = "$UID_N $UID_N $UID_N $UID_N" ]' "network process Uid ($(ids "$PID" Uid))"
check '[ "$(ids "$PID" Gid)" = "$GID_N $GID_N $GID_N $GID_N" ]' "network process Gid ($(ids "$PID" Gid))"
check '[ "$(awk "/^Groups:/ { print \$2 }" "/proc/$PID/status")" = "$GID_N" ]' "network process: no supplementary groups"
check '[ "$(awk "/^CapEff:/ { print \$2 }" "/proc/$PID/status")" = 0000000000000000 ]' "network process: no capabilities"
check '[ "$(readlink "/proc/$PID/root")" = "$(realpath "$D")" ]' "network process chrooted into the data folder"
check '[ -n "$SPID" ] && [ "$SPID" != "$PID" ]' "signer is a separate process"
check '[ "$(ids "$SPID" Uid)" = "$UID_N $UID_N $UID_N $UID_N" ]' "signer Uid ($(ids "$SPID" Uid))"
check '[ "$(readlink "/proc/$SPID/root")" = "$(realpath "$D")" ]' "signer chrooted into the data folder"
check '[ "$(stat -c "%U %a" "$D/relay.key")" = "root 600" ]' "relay.key stays root's, mode 0600"
check '! ls -l "/proc/$PID/fd" | grep -q relay.key' "network process has no relay.key open"

# The signer signs: a roster record gets a receipt that verifies.
"$CL" roster "$T/auth.key" accreditation "$T/ngo.vkey" "NGO" 30 "$T/acc.note"
code=$("${CURL[@]}" -o "$T/r1" -w '%{http_code}' --data-binary "@$T/acc.note" "$URL/v1/roster" || true)
check '[ "$code" = 201 ] && "$CL" receipt "$D/relay.vkey" "$T/r1" "$T/acc.note" >/dev/null' "write signed by the signer ($code)"

# SIGHUP from inside the chroot: certificate and limits.
served_fp() {
	openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
	    </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$T/new.key" -out "$T/new.pem" -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
FPN=$(openssl x509 -in "$T/new.pem" -noout -fingerprint -sha256)
cp "$T/new.key" "$D/tls/key.pem"
cp "$T/new.pem" "$D/tls/cert.pem"
echo "max_body_bytes = 4096" >>"$D/relay.conf"
kill -HUP "$PID"
sleep 0.5
check '[ "$(served_fp)" = "$FPN" ]' "SIGHUP under chroot: new certificate served"
check 'grep -q "reload: limits" "$LOG"' "SIGHUP under chroot: limits reloaded"
"$CL" envelope "$T/ngo.key" "$T/big.env" 8192 1
code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' --data-binary "@$T/big.env" "$URL/v1/alerts" || true)
check '[ "$code" = 413 ]' "reloaded max_body_bytes enforced ($code)"

# Without the signer the network process cannot sign: writes fail, 503.
kill -9 "$SPID"
SPID=""
"$CL" envelope "$T/ngo.key" "$T/a2.env" 1024 2
code=$("${CURL[@]}" -o "$T/body" -w '%{http_code}' --data-binary "@$T/a2.env" "$URL/v1/alerts" || true)
check '[ "$code" = 503 ]' "no signer, no commit: 503 ($code)"

kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=""
check '[ $rc -eq 0 ]' "SIGTERM: exit 0 ($rc)"

# Regression: the data folder now belongs to $USER_NAME, who may plant
# symbolic links there. Restarting as root must neither chown a link's
# target to that user nor load TLS material through a link.
probe() {	# starts the relay, waits up to 3 s, stops it if it runs
	"$RELAY" --config "$D/relay.conf" --data "$D" \
	    --listen "127.0.0.1:$PORT" >>"$LOG" 2>&1 &
	PID=$!
	for _ in $(seq 1 30); do
		kill -0 "$PID" 2>/dev/null || break
		curl -s --max-time 1 "http://127.0.0.1:$APORT/healthz" \
		    >/dev/null 2>&1 && break
		sleep 0.1
	done
	kill -TERM "$PID" 2>/dev/null || true
	wait "$PID" 2>/dev/null || true
	PID=""
}
mkdir -m 0700 "$T/victim"
cp "$D/tls/cert.pem" "$T/victim/cert.pem"
cp "$D/tls/key.pem" "$T/victim/key.pem"
chown -R root:root "$T/victim"
chmod 0600 "$T/victim/cert.pem" "$T/victim/key.pem"
rm -f "$D/tls/cert.pem" "$D/tls/key.pem"
ln -s "$T/victim/cert.pem" "$D/tls/cert.pem"
ln -s "$T/victim/key.pem" "$D/tls/key.pem"
probe
check '[ "$(stat -c %U "$T/victim/cert.pem" "$T/victim/key.pem" | sort -u)" = root ]' "linked TLS files: targets stay root's"
check '[ "$(stat -c %U "$T/victim")" = root ]' "victim folder stays root's"
check '! grep -q "^amana-relay: serving" <(tail -n 3 "$LOG")' "linked TLS files refused"
rm -f "$D/tls/cert.pem" "$D/tls/key.pem"
rmdir "$D/tls"
ln -s "$T/victim" "$D/tls"
probe
check '[ "$(stat -c %U "$T/victim" "$T/victim/cert.pem" "$T/victim/key.pem" | sort -u)" = root ]' "linked tls folder: stays root's"
echo "relay_privsep_test: $CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
