#!/usr/bin/env bash
# cli_offline_test: every offline `amana` subcommand through the real CLI:
# keygen, accredit, credential, revoke, encrypt, decrypt (both directions
# with Debian's age), envelope payload (streamed: bounded memory), open,
# receipt verify (a receipt signed here with openssl, and refusals), help; bad usage exits 2, user-fixable failures exit 1 with ONE line on
# stderr. Envelopes are made by `amana submit` against an unreachable relay
# (it keeps the sealed envelope pending), so no network is needed.
#   $1 build dir, $2 source dir.
set -uo pipefail

build=$(cd "${1:?build dir}" && pwd)
amana="$build/client/amana"
[ -x "$amana" ] || { echo "FAIL: $amana missing"; exit 1; }
have_age=1
command -v age >/dev/null && command -v age-keygen >/dev/null || have_age=0

work=$(mktemp -d /tmp/amana-cli-offline.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
umask 077
unset AMANA_RELAY AMANA_CA
fails=0
checks=0

ok() { checks=$((checks + 1)); }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }

# expect STATUS LINES cmd...: exit status and number of stderr lines
expect() {
	local want=$1 lines=$2 got n
	shift 2
	"$@" >out.txt 2>err.txt </dev/null
	got=$?
	n=$(wc -l <err.txt)
	if [ "$got" != "$want" ]; then
		bad "exit $got (want $want): $*: $(head -c 300 err.txt)"
	elif [ "$lines" != "-" ] && [ "$n" != "$lines" ]; then
		bad "$n stderr lines (want $lines): $*: $(head -c 300 err.txt)"
	else
		ok
	fi
}

# --- help and usage
expect 0 0 "$amana" help
grep -q "keygen" out.txt && ok || bad "help lists keygen"
for c in keygen accredit credential revoke roster submit receipt fetch open \
    envelope encrypt decrypt reply ack inbox cases audit; do
	if grep -q "^  $c " <("$amana" help); then
		expect 0 0 "$amana" help "$c"
		grep -q "usage: amana $c" out.txt && ok || bad "help $c"
		expect 2 1 "$amana" "$c" --no-such-flag
	fi
done
expect 2 1 "$amana" frobnicate
expect 2 - "$amana"
expect 2 1 "$amana" help frobnicate

# --- keygen
expect 0 0 "$amana" keygen authority -o auth
for f in authority.identity authority.recipient authority.key authority.vkey; do
	[ -s "auth/$f" ] && ok || bad "auth/$f missing"
done
[ "$(stat -c %a auth/authority.key)" = 600 ] && ok || bad "authority.key mode"
[ "$(stat -c %a auth/authority.identity)" = 600 ] && ok || bad "identity mode"
grep -q '^AGE-SECRET-KEY-1' auth/authority.identity && ok || bad "identity"
grep -q '^age1' auth/authority.recipient && ok || bad "recipient"
expect 1 1 "$amana" keygen authority -o auth      # never overwrites
printf 'correct horse\n' >pass
printf 'wrong horse\n' >wrong
expect 0 0 "$amana" keygen ngo --name ngo.example --passphrase-file pass -o ngo
head -1 ngo/ngo.key | grep -q '^age-encryption.org/v1' && ok ||
    bad "ngo.key not sealed with the passphrase"
expect 0 0 "$amana" keygen investigator --name inv.example -o inv
[ -s inv/investigator.key ] && [ -s inv/investigator.vkey ] && ok ||
    bad "investigator files"
expect 2 1 "$amana" keygen ngo -o x                # no --name
expect 2 1 "$amana" keygen ngo --name 'a b' -o x  # invalid name
expect 2 1 "$amana" keygen wizard -o x
expect 2 1 "$amana" keygen authority
expect 1 1 "$amana" keygen ngo --name n2 --passphrase-file nope -o n2

# --- accredit, credential, revoke
expect 0 0 "$amana" accredit --authority-key auth/authority.key \
    --ngo ngo/ngo.vkey --name "NGO Example" --days 30 -o acc.note
grep -q '^kind accreditation$' acc.note && ok || bad "accreditation text"
expect 0 0 "$amana" credential --authority-key auth/authority.key \
    --investigator inv/investigator.vkey -o cred.note
grep -q '^kind credential$' cred.note && ok || bad "credential text"
expect 0 0 "$amana" revoke --authority-key auth/authority.key \
    --ngo ngo/ngo.vkey -o rev.note
grep -q '^kind revocation$' rev.note && ok || bad "revocation text"
expect 1 1 "$amana" accredit --authority-key auth/authority.key \
    --ngo ngo/ngo.vkey --name X -o acc.note         # exists
expect 1 1 "$amana" accredit --authority-key missing.key \
    --ngo ngo/ngo.vkey --name X -o a2.note
expect 1 1 "$amana" accredit --authority-key ngo/ngo.key \
    --passphrase-file wrong --ngo ngo/ngo.vkey --name X -o a3.note
grep -q 'wrong passphrase' err.txt && ok || bad "wrong passphrase line"
expect 1 1 "$amana" accredit --authority-key ngo/ngo.key \
    --ngo ngo/ngo.vkey --name X -o a4.note          # no terminal
expect 2 1 "$amana" accredit --authority-key auth/authority.key \
    --ngo ngo/ngo.vkey -o a5.note                   # no --name
expect 2 1 "$amana" accredit --authority-key auth/authority.key \
    --ngo ngo/ngo.vkey --name X --days 0 -o a6.note
expect 2 1 "$amana" credential --authority-key auth/authority.key -o c.note
expect 2 1 "$amana" revoke --ngo ngo/ngo.vkey -o r.note

# --- encrypt / decrypt, and interop with Debian's age
head -c 70000 /dev/urandom >plain.bin
: >empty.bin
for f in plain.bin empty.bin; do
	expect 0 0 "$amana" encrypt --to auth/authority.recipient "$f"
	cp out.txt "$f.age"
	expect 0 0 "$amana" decrypt --identity auth/authority.identity "$f.age"
	cmp -s out.txt "$f" && ok || bad "decrypt(encrypt($f))"
	if [ $have_age = 1 ]; then
		age -d -i auth/authority.identity "$f.age" >dec.bin 2>/dev/null &&
		    cmp -s dec.bin "$f" && ok || bad "age -d of amana encrypt $f"
		age -r "$(cat auth/authority.recipient)" -o "$f.stock" "$f"
		expect 0 0 "$amana" decrypt -i auth/authority.identity \
		    "$f.stock"
		cmp -s out.txt "$f" && ok || bad "amana decrypt of age -r $f"
	fi
done
if [ $have_age = 1 ]; then
	age-keygen -o second.id 2>/dev/null
	expect 0 0 "$amana" encrypt --to auth/authority.recipient \
	    --to "$(age-keygen -y second.id)" plain.bin
	cp out.txt two.age
	age -d -i second.id two.age >dec.bin 2>/dev/null &&
	    cmp -s dec.bin plain.bin && ok || bad "second recipient"
	# the passphrase-sealed key file is a standard age scrypt file
	expect 0 0 "$amana" decrypt --passphrase-file pass ngo/ngo.key
	grep -q '^PRIVATE+KEY+ngo.example+' out.txt && ok ||
	    bad "decrypt of the scrypt key file"
fi
expect 1 1 "$amana" decrypt --passphrase-file wrong ngo/ngo.key
expect 1 1 "$amana" decrypt --identity inv/investigator.vkey plain.bin.age
expect 1 1 "$amana" decrypt --identity auth/authority.identity nope.age
printf 'garbage' >garbage.age
expect 1 1 "$amana" decrypt --identity auth/authority.identity garbage.age
expect 2 1 "$amana" encrypt plain.bin
expect 1 1 "$amana" encrypt --to age1notarecipient plain.bin
expect 1 1 "$amana" encrypt --to auth/authority.recipient nope.bin

# --- sealing an alert offline: submit to a closed port keeps it pending
printf 'The mayor of X asked for a bribe.\n' >msg.txt
head -c 300000 /dev/urandom >evidence.pdf
cp ngo/ngo.vkey ngo/relay.vkey   # any verifier key: never used here
expect 1 - "$amana" submit --relay https://127.0.0.1:9 --ngo-key ngo/ngo.key \
    --passphrase-file pass --to auth/authority.recipient \
    --attach evidence.pdf --category bribery --place Rabat msg.txt
env=$(ls ngo/pending-*.envelope 2>/dev/null | head -1)
[ -n "$env" ] && [ -s "$env" ] && ok || bad "no pending envelope kept"
ident=${env%.envelope}.identity
[ "$(stat -c %a "$ident" 2>/dev/null)" = 600 ] && ok ||
    bad "reply identity not kept with mode 0600"

# envelope payload is a stock age file for the authority
expect 0 0 "$amana" envelope payload "$env"
cp out.txt payload.age
head -c 22 payload.age | grep -q 'age-encryption.org/v1' && ok ||
    bad "payload is not an age file"
if [ $have_age = 1 ]; then
	age -d -i auth/authority.identity payload.age >rec.bin 2>/dev/null &&
	    head -c 8 rec.bin | grep -q AMANAREC && ok ||
	    bad "age cannot decrypt the envelope payload"
fi

# open: exact bytes back
expect 0 0 "$amana" open --identity auth/authority.identity "$env" -o case1
cmp -s case1/message.txt msg.txt && ok || bad "open: message differs"
cmp -s case1/attachments/evidence.pdf evidence.pdf && ok ||
    bad "open: attachment differs"
grep -q '^category: bribery$' case1/alert.txt && ok || bad "alert.txt"
expect 1 1 "$amana" open --identity auth/authority.identity "$env" -o case1
expect 1 1 "$amana" open --identity second.id "$env" -o case2
[ ! -e case2/message.txt ] && ok || bad "open left files after failing"
expect 2 1 "$amana" open --identity auth/authority.identity "$env"
expect 1 1 "$amana" open --identity auth/authority.identity nope -o c3

# tampering: any flipped byte of the envelope is refused
size=$(stat -c %s "$env")
for off in 0 9 20 70 100 $((size / 2)) $((size - 70)) $((size - 1)); do
	cp "$env" t.env
	printf '\x55' | dd of=t.env bs=1 seek=$off conv=notrunc 2>/dev/null
	cmp -s t.env "$env" && { printf '\xaa' | dd of=t.env bs=1 \
	    seek=$off conv=notrunc 2>/dev/null; }
	expect 1 1 "$amana" envelope payload t.env
	expect 1 1 "$amana" open --identity auth/authority.identity t.env \
	    -o "t$off"
done
head -c $((size - 1)) "$env" >t.env
expect 1 1 "$amana" envelope payload t.env
expect 2 1 "$amana" envelope
expect 2 1 "$amana" envelope frob "$env"

# receipts: usage and refusals (valid receipts: e2e_test.sh)
expect 2 1 "$amana" receipt verify x.proof
expect 2 1 "$amana" receipt check --log-key auth/authority.vkey x.proof
expect 1 1 "$amana" receipt verify --log-key auth/authority.vkey nope.proof
printf 'c2sp.org/tlog-proof@v1\nindex 0\n\nnot a note\n' >bad.proof
expect 1 1 "$amana" receipt verify --log-key auth/authority.vkey bad.proof

# make_receipt ENVELOPE KEYFILE OUT: a one-entry log's receipt for the
# envelope, signed with the (unprotected) note key KEYFILE using openssl:
# entry = alert kind || time || SHA-256(envelope), tree size 1, no proof.
make_receipt() {
	local name id b64 root sig
	IFS=+ read -r _ _ name id b64 <"$2"
	{ printf '302e020100300506032b657004220420' | xxd -r -p
	  printf '%s' "$b64" | base64 -d | tail -c 32; } >rk.der
	openssl pkey -inform DER -in rk.der -out rk.pem 2>/dev/null || return 1
	{ printf '\x01\x00\x00\x01\x90\x00\x00\x00\x00'
	  openssl dgst -sha256 -binary "$1"; } >rk.entry
	root=$({ printf '\x00'; cat rk.entry; } |
	    openssl dgst -sha256 -binary | base64 -w0)
	printf '%s\n1\n%s\n' "$name" "$root" >rk.body
	openssl pkeyutl -sign -inkey rk.pem -rawin -in rk.body \
	    -out rk.sig 2>/dev/null || return 1
	sig=$({ printf '%s' "$id" | xxd -r -p; cat rk.sig; } | base64 -w0)
	{ printf 'c2sp.org/tlog-proof@v1\nextra %s\nindex 0\n\n' \
	    "$(base64 -w0 rk.entry)"
	  cat rk.body
	  printf '\n\xe2\x80\x94 %s %s\n' "$name" "$sig"; } >"$3"
	rm -f rk.der rk.pem
}

# --- a ~20 MiB envelope: payload streamed, receipt checked in bounded memory
expect 0 0 "$amana" keygen ngo --name big.example -o big
cp ngo/ngo.vkey big/relay.vkey
head -c $((20 << 20)) /dev/urandom >big.bin
expect 1 - "$amana" submit --relay https://127.0.0.1:9 --ngo-key big/ngo.key \
    --to auth/authority.recipient --attach big.bin msg.txt
benv=$(ls big/pending-*.envelope 2>/dev/null | head -1)
[ -n "$benv" ] && [ "$(stat -c %s "$benv")" -gt $((20 << 20)) ] && ok ||
    bad "no ~20 MiB pending envelope"
if [ -n "$benv" ]; then
	/usr/bin/time -f %M -o rss.txt "$amana" envelope payload "$benv" \
	    >big.age 2>err.txt && ok || bad "envelope payload of 20 MiB"
	rss=$(tail -1 rss.txt)
	[ "${rss:-99999}" -lt 16384 ] && ok ||
	    bad "envelope payload peaked at ${rss} KiB RSS (want < 16 MiB)"
	# the same bytes as the envelope's middle part
	[ "$(stat -c %s big.age)" = $(($(stat -c %s "$benv") - 130)) ] &&
	    cmp -s big.age <(tail -c +67 "$benv" | head -c -64) && ok ||
	    bad "envelope payload bytes differ"
	if [ $have_age = 1 ]; then
		age -d -i auth/authority.identity big.age >rec.bin \
		    2>/dev/null && head -c 8 rec.bin | grep -q AMANAREC &&
		    ok || bad "age cannot decrypt the 20 MiB payload"
		rm -f rec.bin
	fi
	# open decrypts it from a second pass: bounded memory too
	/usr/bin/time -f %M -o rss.txt "$amana" open \
	    --identity auth/authority.identity "$benv" -o bigcase \
	    2>err.txt && ok || bad "open of 20 MiB: $(cat err.txt)"
	rss=$(tail -1 rss.txt)
	[ "${rss:-99999}" -lt 16384 ] && ok ||
	    bad "open of 20 MiB peaked at ${rss} KiB RSS (want < 16 MiB)"
	cmp -s bigcase/attachments/big.bin big.bin && ok ||
	    bad "open: the 20 MiB attachment differs"
	rm -rf bigcase
	expect 0 0 "$amana" keygen investigator --name log.example -o logk
	if command -v openssl >/dev/null && command -v xxd >/dev/null &&
	    make_receipt "$benv" logk/investigator.key big.proof; then
		/usr/bin/time -f %M -o rss.txt "$amana" receipt verify \
		    --log-key logk/investigator.vkey big.proof "$benv" \
		    >out.txt 2>err.txt && ok ||
		    bad "receipt verify refuses the right envelope: $(cat err.txt)"
		[ "$(cat out.txt)" = 0 ] && ok || bad "receipt verify prints 0"
		rss=$(tail -1 rss.txt)
		[ "${rss:-99999}" -lt 16384 ] && ok ||
		    bad "receipt verify peaked at ${rss} KiB RSS"
		expect 0 0 "$amana" receipt verify \
		    --log-key logk/investigator.vkey big.proof
		# another valid envelope, and a changed one, are refused
		expect 1 1 "$amana" receipt verify \
		    --log-key logk/investigator.vkey big.proof "$env"
		grep -q 'the receipt is for another envelope' err.txt && ok ||
		    bad "receipt verify: wrong line for another envelope"
		cp "$benv" t.env
		printf '\x55' | dd of=t.env bs=1 seek=$((10 << 20)) \
		    conv=notrunc 2>/dev/null
		cmp -s t.env "$benv" && printf '\xaa' | dd of=t.env bs=1 \
		    seek=$((10 << 20)) conv=notrunc 2>/dev/null
		expect 1 1 "$amana" receipt verify \
		    --log-key logk/investigator.vkey big.proof t.env
		expect 1 1 "$amana" receipt verify \
		    --log-key auth/authority.vkey big.proof "$benv"
		rm -f t.env
	else
		echo "SKIP: receipt verify of a valid receipt (no openssl/xxd)"
	fi
	rm -f big.age big.bin
fi

# networked commands: usage errors need no network
expect 2 1 "$amana" submit --ngo-key ngo/ngo.key msg.txt
expect 2 1 "$amana" audit --relay https://127.0.0.1:9
expect 2 1 "$amana" audit --log-key auth/authority.vkey --relay http://x/
expect 1 1 "$amana" audit --log-key auth/authority.vkey \
    --relay https://127.0.0.1:9

echo "cli_offline: $checks checks, $fails failed"
[ $fails = 0 ]
