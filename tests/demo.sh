#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, starts the
# relay on its embedded defaults (data in ./amana-data, 127.0.0.1:8443), and
# walks through the three roles with the real CLI over TLS:
#   the authority accredits an NGO and credentials an investigator;
#   the NGO seals and submits an alert with an attachment and keeps a receipt;
#   the investigator fetches, opens offline and answers; the NGO reads it;
#   an auditor verifies the whole log.
# Then the relay keeps running until Ctrl-C (AMANA_DEMO_EXIT=1: stop after
# the demo). Role folders live in ./demo; both folders are reused by the next
# run, so running it again adds one alert to the same log.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
bash tests/deps.sh
if [ ! -f build/build.ninja ]; then
	meson setup build --buildtype=release >/dev/null
fi
ninja -C build >/dev/null
amana=$src/build/client/amana
relay=$src/build/relay/amana-relay
data=$src/amana-data
demo=$src/demo
mkdir -p "$demo"
cd "$demo"
step() { printf "\n== %s\n" "$*" >&2; }
run() { printf '$ %s\n' "$*" | sed "s|$src/build/client/||; s|$src/|./|g" >&2; "$@"; }

step "Authority administrator: keys (kept offline in ./demo/authority)"
[ -f authority/authority.key ] ||
	run "$amana" keygen authority -o authority --no-passphrase
[ -f ngo/ngo.key ] ||
	run "$amana" keygen ngo --name "transparency-maroc" -o ngo --no-passphrase
[ -f investigator/investigator.key ] ||
	run "$amana" keygen investigator --name "inv-rabat-1" -o investigator \
	    --no-passphrase

step "Relay operator: amana-relay on its defaults (./amana-data, 127.0.0.1:8443)"
mkdir -p "$data"
chmod 700 "$data"
cp authority/authority.vkey "$data/authority.vkey"
(cd "$src" && exec "$relay") &
relay_pid=$!
trap 'kill $relay_pid 2>/dev/null; wait $relay_pid 2>/dev/null' EXIT
for _ in $(seq 1 100); do
	[ -s "$data/tls/cert.pem" ] && "$amana" get --ca "$data/tls/cert.pem" \
	    https://127.0.0.1:8443/checkpoint >/dev/null 2>&1 && break
	kill -0 $relay_pid 2>/dev/null || { echo "relay failed to start" >&2; exit 1; }
	sleep 0.1
done
export AMANA_CA="$data/tls/cert.pem" AMANA_RELAY=https://127.0.0.1:8443
for d in ngo investigator; do cp "$data/relay.vkey" "$d/relay.vkey"; done
echo "log verifier key: $(cat "$data/relay.vkey")"

step "Authority: accredit the NGO, credential the investigator, publish"
run "$amana" accredit --authority-key authority/authority.key \
    --ngo ngo/ngo.vkey --name "Transparency Maroc" --days 365 -o accreditation.note
run "$amana" credential --authority-key authority/authority.key \
    --investigator investigator/investigator.vkey --days 365 -o credential.note
run "$amana" roster push accreditation.note credential.note

step "NGO: seal an alert for the authority, with evidence, and submit it"
printf 'A public works contract in the commune was awarded to a company\n' >alert.txt
printf 'owned by the mayor'"'"'s brother; the invoices are attached.\n' >>alert.txt
head -c 200000 /dev/urandom >invoices.pdf
n=$(run "$amana" submit --ngo-key ngo/ngo.key --to authority/authority.recipient \
    --attach invoices.pdf --category procurement --place "Rabat-Salé-Kénitra" alert.txt)
echo "alert number: $n (receipt kept in ./demo/ngo/alert-$n.tlog-proof)"
run "$amana" receipt verify --log-key ngo/relay.vkey "ngo/alert-$n.tlog-proof" \
    "ngo/alert-$n.envelope"

step "Investigator: fetch, open offline, acknowledge and answer"
run "$amana" fetch --key investigator/investigator.key -o inbox
rm -rf "case-$n"
run "$amana" open --identity authority/authority.identity "inbox/$n.envelope" -o "case-$n"
echo "--- case-$n/message.txt:"; cat "case-$n/message.txt"
cmp -s "case-$n/attachments/invoices.pdf" invoices.pdf && echo "attachment: identical"
run "$amana" ack --key investigator/investigator.key --alert "$n" \
    --identity authority/authority.identity
echo "Case opened. Please keep the originals safe." >answer.txt
run "$amana" reply --key investigator/investigator.key --alert "$n" \
    --identity authority/authority.identity answer.txt
run "$amana" cases --key investigator/investigator.key | tail -n 3

step "NGO: read the authority's answer"
run "$amana" inbox --ngo-key ngo/ngo.key --alert "$n"

step "Auditor: verify the whole log and remember its state"
run "$amana" audit --log-key "$data/relay.vkey" --state auditor.state

if [ "${AMANA_DEMO_EXIT:-0}" = 1 ]; then
	exit 0
fi
printf '\nThe relay keeps running at https://127.0.0.1:8443 (Ctrl-C to stop).\n'
wait $relay_pid
