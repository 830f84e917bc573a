#!/usr/bin/env bash
# interop_age: our age implementation against Debian's age (1.1.x), both
# directions, at sizes 0, 1, 65536, 65537 and 5000000, with two recipients
# and with passphrases.
#   $1 build dir, $2 source dir.
# age reads passphrases only from a terminal (no environment variable or
# flag in 1.1.1), so its passphrase runs are driven through script(1)
# (bsdutils), which gives it a pseudo-terminal fed from our stdin.
set -euo pipefail

build=$(cd "${1:?build dir}" && pwd)
src=$(cd "${2:?source dir}" && pwd)
tool="$build/tests/age_tool"

if ! command -v age >/dev/null || ! command -v age-keygen >/dev/null; then
	echo "SKIP: Debian's age is not installed"
	exit 77
fi
[ -x "$tool" ] || { echo "FAIL: $tool missing"; exit 1; }

work=$(mktemp -d /tmp/amana-interop-age.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
umask 077
fails=0
checks=0

ok() { checks=$((checks + 1)); }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }

same() {	# same FILE1 FILE2 WHAT
	if cmp -s "$1" "$2"; then ok; else bad "$3"; fi
}

# Keys: one made by age-keygen, one made by us.
age-keygen -o theirs.key 2>/dev/null
"$tool" keygen > ours.key
their_rcpt=$(age-keygen -y theirs.key)
our_rcpt=$("$tool" pub ours.key)
# Each side reads the other's identity file.
[ "$("$tool" pub theirs.key)" = "$their_rcpt" ] && ok || bad "pub of age-keygen key"
[ "$(age-keygen -y ours.key)" = "$our_rcpt" ] && ok || bad "age-keygen -y of our key"

for size in 0 1 65536 65537 5000000; do
	head -c "$size" /dev/urandom > "pt.$size"

	# Ours -> age, to their key, to our key, to both.
	"$tool" enc -r "$their_rcpt" < "pt.$size" > "o1.$size.age"
	age -d -i theirs.key "o1.$size.age" > "o1.$size.out"
	same "pt.$size" "o1.$size.out" "age -d of ours ($size bytes)"
	"$tool" enc -r "$our_rcpt" -r "$their_rcpt" < "pt.$size" > "o2.$size.age"
	age -d -i theirs.key "o2.$size.age" > "o2a.$size.out"
	same "pt.$size" "o2a.$size.out" "age -d of ours, 2 recipients ($size)"
	age -d -i ours.key "o2.$size.age" > "o2b.$size.out"
	same "pt.$size" "o2b.$size.out" "age -d -i our key ($size)"
	# Exact length predicted by age_payload_len is checked in test_age;
	# here the two-recipient file must also open with our tool.
	"$tool" dec -i ours.key < "o2.$size.age" > "o2c.$size.out"
	same "pt.$size" "o2c.$size.out" "our dec of ours ($size)"

	# age -> ours: binary, two recipients, and armored.
	age -r "$their_rcpt" -r "$our_rcpt" -o "t1.$size.age" "pt.$size"
	"$tool" dec -i ours.key < "t1.$size.age" > "t1a.$size.out"
	same "pt.$size" "t1a.$size.out" "our dec of age, our key ($size)"
	"$tool" dec -i theirs.key < "t1.$size.age" > "t1b.$size.out"
	same "pt.$size" "t1b.$size.out" "our dec of age, their key ($size)"
	age -a -r "$our_rcpt" -o "t2.$size.age" "pt.$size"
	"$tool" dec -i ours.key < "t2.$size.age" > "t2.$size.out"
	same "pt.$size" "t2.$size.out" "our dec of armored age ($size)"

	# A key that is not a recipient: refused by both.
	if "$tool" dec -i ours.key < "o1.$size.age" > /dev/null 2>&1; then
		bad "our dec with the wrong key ($size)"
	else
		ok
	fi
	rm -f "o1.$size.out" "o2a.$size.out" "o2b.$size.out" "o2c.$size.out" \
	    "t1a.$size.out" "t1b.$size.out" "t2.$size.out"
done

# Passphrases.
if command -v script >/dev/null; then
	printf 'correct horse battery\n' > pass.txt
	for size in 0 1 65537; do
		# Ours (scrypt, default work factor 18) -> age via a pty.
		"$tool" enc -p pass.txt < "pt.$size" > "s1.$size.age"
		# (age creates -o only when it writes: an empty plaintext
		# leaves no file, so the exit status decides.)
		rc=0
		(sleep 1; printf 'correct horse battery\n') |
		    timeout 60 script -q -e -c \
		    "age -d -o s1.$size.out s1.$size.age" /dev/null \
		    > /dev/null 2>&1 || rc=$?
		[ "$rc" -eq 0 ] && [ ! -e "s1.$size.out" ] && : > "s1.$size.out"
		same "pt.$size" "s1.$size.out" "age -d of our scrypt file ($size)"
		# age -p -> ours.
		(sleep 1; printf 'correct horse battery\n'; sleep 1;
		    printf 'correct horse battery\n') |
		    timeout 60 script -q -e -c \
		    "age -p -o s2.$size.age pt.$size" /dev/null \
		    > /dev/null 2>&1 || true
		"$tool" dec -p pass.txt < "s2.$size.age" > "s2.$size.out" ||
		    true
		same "pt.$size" "s2.$size.out" "our dec of age -p ($size)"
		# A wrong passphrase is refused.
		printf 'wrong\n' > wrong.txt
		if "$tool" dec -p wrong.txt < "s2.$size.age" >/dev/null 2>&1
		then
			bad "wrong passphrase accepted ($size)"
		else
			ok
		fi
	done
else
	echo "FAIL: script(1) missing, cannot drive age's passphrase prompt"
	fails=$((fails + 1))
fi

echo "interop_age: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
