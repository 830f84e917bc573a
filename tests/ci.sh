#!/usr/bin/env bash
# The README's test command and what .ci/run runs: installs what is missing,
# then builds and tests Amana three ways:
#   1. release build, warnings as errors, every test;
#   2. ASan + UBSan build, every test again;
#   3. clang-14 libFuzzer build, each fuzz target for a bounded time on its
#      seed corpus;
#   4. the README's first command (tests/demo.sh), stopping after the demo.
# Ends with one line "N passed, N failed[, N skipped]" counting test programs
# and fuzz targets over all runs; exits non-zero on any failure.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
out=${AMANA_CI_DIR:-$src/build-ci}
fuzz_secs=${AMANA_FUZZ_SECONDS:-20}
jobs=$(nproc 2>/dev/null || echo 2)

bash tests/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0 skipped=0

count_meson() {	# $1 = build dir: add its test results to the totals
	local log="$1/meson-logs/testlog.json" p f s
	if [ ! -s "$log" ]; then
		failed=$((failed + 1))
		return
	fi
	read -r p f s < <(python3 - "$log" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r == "SKIP":
        s += 1
    else:
        f += 1
print(p, f, s)
PY
)
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

run_suite() {	# $1 = name, $2 = build dir, rest = meson setup options
	local name=$1 dir=$2
	shift 2
	echo "== $name build"
	rm -rf "$dir"
	if ! meson setup "$dir" -Dwerror=true "$@" >"$logs/$name.setup.log" 2>&1; then
		cat "$logs/$name.setup.log"
		echo "$name: meson setup failed"
		failed=$((failed + 1))
		return
	fi
	if ! ninja -C "$dir" -j "$jobs" >"$logs/$name.build.log" 2>&1; then
		tail -n 50 "$logs/$name.build.log"
		echo "$name: build failed"
		failed=$((failed + 1))
		return
	fi
	echo "== $name tests"
	meson test -C "$dir" --num-processes "$jobs" --print-errorlogs \
	    --no-rebuild 2>&1 | grep -Ev '^(Ok|Expected Fail|Fail|Unexpected Pass|Skipped|Timeout): ' \
	    | tail -n 200
	count_meson "$dir"
}

logs="$out-logs"
rm -rf "$logs"; mkdir -p "$logs"
run_suite release "$out-release" --buildtype=release
run_suite sanitize "$out-san" --buildtype=debugoptimized \
    -Db_sanitize=address,undefined -Db_lundef=false -Dbench=false

echo "== fuzz build (clang-14, ${fuzz_secs}s per target)"
fdir="$out-fuzz"
rm -rf "$fdir"
if CC=clang-14 meson setup "$fdir" -Dwerror=true -Dfuzz=true -Dbench=false \
    >"$logs/fuzz.setup.log" 2>&1 && ninja -C "$fdir" -j "$jobs" >"$logs/fuzz.build.log" 2>&1; then
	for t in "$fdir"/tests/fuzz/fuzz_*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		name=${t##*/fuzz_}
		corpus="$fdir/corpus-$name"
		rm -rf "$corpus" && mkdir -p "$corpus"
		cp -r "tests/fuzz/corpus/$name/." "$corpus/" 2>/dev/null || true
		if "$t" -max_total_time="$fuzz_secs" -timeout=10 -rss_limit_mb=2048 \
		    -print_final_stats=0 "$corpus" >"$fdir/$name.log" 2>&1; then
			echo "fuzz_$name: ok ($(grep -c . "$fdir/$name.log") log lines)"
			passed=$((passed + 1))
		else
			echo "fuzz_$name: FAILED"
			tail -40 "$fdir/$name.log"
			failed=$((failed + 1))
		fi
	done
else
	tail -n 50 "$logs/fuzz.setup.log" "$logs/fuzz.build.log" 2>/dev/null
	echo "fuzz: build failed"
	failed=$((failed + 1))
fi

echo "== demo (the README's first command, stopping after the demo)"
if AMANA_DEMO_EXIT=1 timeout 600 bash tests/demo.sh >"$logs/demo.log" 2>&1; then
	echo "demo: ok"
	passed=$((passed + 1))
else
	echo "demo: FAILED"
	tail -n 40 "$logs/demo.log"
	failed=$((failed + 1))
fi

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
