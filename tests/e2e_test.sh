#!/usr/bin/env bash
# e2e_test: the whole job of issue 7 with the real relay on 127.0.0.1 (TLS,
# its self-signed certificate trusted through AMANA_CA) and the real CLI:
# accredit + credential, 20 alerts with 300 KB attachments and verified
# receipts, fetch, open (exact bytes), ack + reply, inbox, audit twice with
# a state file, Debian's age on a payload; the refusals (unaccredited,
# revoked, expired, uncredentialed, another NGO's replies); the auditor
# catching a relay restarted on another data folder under the same key;
# unreachable relay and untrusted certificate. Loopback only; the relays
# are killed by the EXIT trap.
#   $1 build dir, $2 source dir.
set -uo pipefail

build=$(cd "${1:?build dir}" && pwd)
amana="$build/client/amana"
relay="$build/relay/amana-relay"
[ -x "$amana" ] && [ -x "$relay" ] || { echo "FAIL: binaries missing"; exit 1; }

work=$(mktemp -d /tmp/amana-e2e.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
umask 077
fails=0
checks=0
ok() { checks=$((checks + 1)); }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }
expect() {
	local want=$1 got
	shift
	"$@" >out.txt 2>err.txt </dev/null
	got=$?
	if [ "$got" != "$want" ]; then
		bad "exit $got (want $want): $*: $(head -c 300 err.txt)"
		return 1
	fi
	if [ "$want" = 1 ] && [ "$(wc -l <err.txt)" -lt 1 ]; then
		bad "no error line: $*"
		return 1
	fi
	ok
}

port=$((20000 + RANDOM % 20000))
start_relay() {	# DATA PORT
	# no fixed admin port clash; bodies up to 128 MiB (the upload test)
	printf 'admin = off\nmax_body_bytes = 134217728\n' >"$1.conf"
	"$relay" --config "$1.conf" --data "$1" --listen "127.0.0.1:$2" \
	    --authority auth/authority.vkey >"$1.log" 2>&1 &
	pids+=($!)
	local i
	for i in $(seq 1 100); do
		[ -s "$1/tls/cert.pem" ] && "$amana" get --ca "$1/tls/cert.pem" \
		    "https://127.0.0.1:$2/checkpoint" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "FAIL: relay on $1 did not start: $(cat "$1.log")"
	exit 1
}

"$amana" keygen authority -o auth </dev/null >/dev/null
"$amana" keygen ngo --name ngo-a -o ngoA </dev/null >/dev/null
"$amana" keygen ngo --name ngo-b -o ngoB </dev/null >/dev/null
"$amana" keygen ngo --name ngo-c -o ngoC </dev/null >/dev/null
"$amana" keygen investigator --name inv-1 -o inv </dev/null >/dev/null
"$amana" keygen investigator --name inv-2 -o inv2 </dev/null >/dev/null
"$amana" keygen investigator --name inv-3 -o inv3 </dev/null >/dev/null
start_relay data "$port"
export AMANA_CA="$work/data/tls/cert.pem"
export AMANA_RELAY="https://127.0.0.1:$port"
for d in ngoA ngoB ngoC inv inv2 inv3; do cp data/relay.vkey "$d/relay.vkey"; done
rcpt=auth/authority.recipient

# --- the authority publishes the roster
"$amana" accredit --authority-key auth/authority.key --ngo ngoA/ngo.vkey \
    --name "NGO A" -o accA.note
"$amana" accredit --authority-key auth/authority.key --ngo ngoB/ngo.vkey \
    --name "NGO B" -o accB.note
"$amana" accredit --authority-key auth/authority.key --ngo ngoC/ngo.vkey \
    --name "NGO C" --seconds 2 -o accC.note
"$amana" credential --authority-key auth/authority.key \
    --investigator inv/investigator.vkey -o cred.note
"$amana" credential --authority-key auth/authority.key \
    --investigator inv3/investigator.vkey -o cred3.note
if ! "$amana" roster push --log-key data/relay.vkey accA.note accB.note \
    accC.note cred.note cred3.note >out.txt 2>err.txt; then
	if grep -q 'malformed roster record' err.txt; then
		echo "SKIP: this relay does not accept roster records yet"
		exit 77
	fi
	bad "roster push: $(cat err.txt)"
fi

# --- refusals before anything is stored
echo "unaccredited" >m0.txt
"$amana" keygen ngo --name stranger -o ngoX </dev/null >/dev/null
cp data/relay.vkey ngoX/
expect 1 "$amana" submit --ngo-key ngoX/ngo.key --to $rcpt m0.txt
grep -q 'refused' err.txt && ok || bad "unaccredited: no clear refusal"
sleep 2.5	# NGO C's accreditation expires
expect 1 "$amana" submit --ngo-key ngoC/ngo.key --to $rcpt m0.txt
grep -qi 'expired' err.txt && ok || bad "expired: $(cat err.txt)"
expect 1 "$amana" fetch --key inv2/investigator.key -o inbox2
grep -q 'refused' err.txt && ok || bad "uncredentialed fetch"

# --- NGO A submits 20 alerts with 300 KB attachments
for i in $(seq 1 20); do
	printf 'Alert %d: irregular tender in commune %d.\n' "$i" "$i" \
	    >"msg$i.txt"
	head -c 300000 /dev/urandom >"evidence$i.pdf"
	if expect 0 "$amana" submit --ngo-key ngoA/ngo.key --to $rcpt \
	    --attach "evidence$i.pdf" --category procurement \
	    --place "Region $i" "msg$i.txt"; then
		n=$(cat out.txt)
		echo "$i $n" >>alerts.txt
		[ -s "ngoA/alert-$n.tlog-proof" ] && ok || bad "receipt $n"
		[ "$(stat -c %a "ngoA/alert-$n.identity")" = 600 ] && ok ||
		    bad "reply identity $n"
	fi
done
[ "$(wc -l <alerts.txt)" = 20 ] && ok || bad "20 alerts"
# a resubmission of the identical envelope gets the same receipt
first=$(head -1 alerts.txt | cut -d' ' -f2)
expect 0 "$amana" receipt verify --log-key data/relay.vkey \
    "ngoA/alert-$first.tlog-proof" "ngoA/alert-$first.envelope"
[ "$(cat out.txt)" = "$first" ] && ok || bad "receipt verify prints N"
for p in ngoA/alert-*.tlog-proof; do
	expect 0 "$amana" receipt verify --log-key data/relay.vkey "$p" \
	    "${p%.tlog-proof}.envelope"
done
expect 1 "$amana" receipt verify --log-key auth/authority.vkey \
    "ngoA/alert-$first.tlog-proof"

# --- the investigator fetches and opens everything
expect 0 "$amana" fetch --key inv/investigator.key -o fetched
[ "$(ls fetched/*.envelope | wc -l)" = 20 ] && ok || bad "fetched 20"
expect 0 "$amana" fetch --key inv/investigator.key -o fetched
grep -q '0 new envelopes' err.txt && ok || bad "fetch is resumable"
while read -r i n; do
	expect 0 "$amana" open --identity auth/authority.identity \
	    "fetched/$n.envelope" -o "case$n" || continue
	cmp -s "case$n/message.txt" "msg$i.txt" && ok || bad "message $n"
	cmp -s "case$n/attachments/evidence$i.pdf" "evidence$i.pdf" && ok ||
	    bad "attachment $n"
done <alerts.txt
"$amana" envelope payload "fetched/$first.envelope" >payload.age
if command -v age >/dev/null; then
	age -d -i auth/authority.identity payload.age >rec.bin 2>/dev/null &&
	    head -c 8 rec.bin | grep -q AMANAREC && ok || bad "age -d payload"
fi

# --- acknowledgement and reply, read by NGO A
# no --identity and no inv/authority.identity: bad usage
expect 2 "$amana" ack --key inv/investigator.key --alert "$first"
grep -q 'authority.identity' err.txt && ok || bad "ack names the default"
expect 0 "$amana" ack --key inv/investigator.key --alert "$first" \
    --identity auth/authority.identity
echo "We opened case 2024-17; please send the invoices." >reply.txt
expect 0 "$amana" reply --key inv/investigator.key --alert "$first" \
    --identity auth/authority.identity reply.txt
expect 0 "$amana" inbox --ngo-key ngoA/ngo.key
grep -q 'please send the invoices' out.txt && ok || bad "inbox shows reply"
grep -q 'acknowledgement' out.txt && ok || bad "inbox shows ack"
grep -q 'checked against the log' err.txt && ok || bad "inbox checks the log"
[ "$(grep -n 'reply (log' out.txt | head -1 | cut -d: -f1)" -lt \
    "$(grep -n 'acknowledgement (log' out.txt | head -1 | cut -d: -f1)" ] &&
    ok || bad "inbox newest first"
# NGO B may not read NGO A's replies
expect 1 "$amana" inbox --ngo-key ngoB/ngo.key --dir ngoA --alert "$first"
grep -q 'refused' err.txt && ok || bad "NGO B refused"

# --- cases: deadlines from the log and the kept receipts
expect 0 "$amana" cases --key inv/investigator.key
[ "$(grep -c '^alert ' out.txt)" = 20 ] && ok || bad "cases lists 20 alerts"
grep -q "^alert $first .*acknowledged: yes, on time  answered: yes, on time" \
    out.txt && ok || bad "cases: alert $first answered: $(grep "^alert $first " out.txt)"
grep -q 'acknowledged: no, due ' out.txt && ok || bad "cases: due dates"
expect 0 "$amana" cases --key inv/investigator.key --overdue
[ "$(grep -c '^alert ' out.txt)" = 0 ] && ok || bad "nothing overdue yet"
expect 2 "$amana" cases
# another investigator (no kept receipts) sees inv-1's answers on the relay
[ ! -d inv3/cases ] && ok || bad "inv3 has no kept receipts"
expect 0 "$amana" cases --key inv3/investigator.key
grep -q "^alert $first .*acknowledged: yes, on time  answered: yes, on time" \
    out.txt && ok || bad "cases for inv-3: $(grep "^alert $first " out.txt)"
[ "$(grep -c 'acknowledged: yes' out.txt)" = 1 ] && ok ||
    bad "cases for inv-3: one acknowledged alert"
# an investigator without a credential may not read replies
expect 1 "$amana" cases --key inv2/investigator.key
grep -q 'refused' err.txt && ok || bad "uncredentialed cases: $(cat err.txt)"

# --- revocation
"$amana" revoke --authority-key auth/authority.key --ngo ngoB/ngo.vkey \
    -o revB.note
expect 0 "$amana" roster push revB.note
expect 1 "$amana" submit --ngo-key ngoB/ngo.key --to $rcpt m0.txt
grep -qi 'revoked' err.txt && ok || bad "revoked: $(cat err.txt)"

# --- audit twice with a state file
expect 0 "$amana" audit --log-key data/relay.vkey --state audit.state
expect 0 "$amana" submit --ngo-key ngoA/ngo.key --to $rcpt msg1.txt
expect 0 "$amana" audit --log-key data/relay.vkey --state audit.state
grep -q 'consistent' out.txt && ok || bad "second audit consistent"

# --- a relay restarted on another data folder under the same key
port2=$((port + 1))
mkdir -p data2
cp data/relay.key data/relay.vkey data2/
cp -r data/tls data2/
start_relay data2 "$port2"
AMANA_RELAY="https://127.0.0.1:$port2" "$amana" roster push accA.note \
    >/dev/null 2>&1
expect 1 env AMANA_RELAY="https://127.0.0.1:$port2" "$amana" audit \
    --log-key data/relay.vkey --state audit.state
grep -q 'ROLLBACK\|FORK' err.txt && ok || bad "fork not reported loudly"

# --- a 100 MiB attachment is streamed: the client's peak RSS stays small
# (ASan's quarantine would keep freed buffers; keep it tiny for this run)
if [ -x /usr/bin/time ]; then
	head -c 104857600 /dev/urandom >big.mp4
	echo "A video of the tender meeting." >bigmsg.txt
	if ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=1" /usr/bin/time \
	    -f '%M' -o rss.txt "$amana" submit --ngo-key ngoA/ngo.key \
	    --to $rcpt --attach big.mp4 bigmsg.txt >out.txt 2>err.txt; then
		ok
		big=$(cat out.txt)
		rss=$(tail -1 rss.txt)
		echo "e2e: submit of a 100 MiB attachment: peak RSS $rss KiB"
		[ "$rss" -lt 40960 ] && ok ||
		    bad "100 MiB submit used $rss KiB (want < 40 MiB)"
		expect 0 "$amana" receipt verify --log-key data/relay.vkey \
		    "ngoA/alert-$big.tlog-proof" "ngoA/alert-$big.envelope"
	else
		bad "100 MiB submit: $(cat err.txt)"
	fi
	rm -f big.mp4 ngoA/alert-*.envelope
else
	echo "e2e: /usr/bin/time missing: upload memory not measured"
fi

# --- network failures
expect 1 env AMANA_RELAY="https://127.0.0.1:1" "$amana" audit \
    --log-key data/relay.vkey
expect 1 env -u AMANA_CA "$amana" audit --log-key data/relay.vkey
grep -q 'certificate' err.txt && ok || bad "bad certificate line"

echo "e2e: $checks checks, $fails failed"
[ $fails = 0 ]
