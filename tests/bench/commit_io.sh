#!/usr/bin/env bash
# commit_io.sh BUILD_DIR BATCH [RECORDS]: the write system calls of one
# bench_store run, per commit, for bare LMDB and for the store
# (docs/PERFORMANCE.md, "Sixth wave"): pages written, single-page
# pwrite64 calls and writev calls between two fdatasync calls. Runs on
# tmpfs (/dev/shm); needs strace and python3. Not part of `meson test`.
set -euo pipefail
build=${1:?usage: commit_io.sh BUILD_DIR BATCH [RECORDS]}
batch=${2:?usage: commit_io.sh BUILD_DIR BATCH [RECORDS]}
records=${3:-131072}
dir=$(mktemp -d /dev/shm/amana-commit-io.XXXXXX)
trace="$dir.trace"
trap 'rm -rf "$dir" "$trace"' EXIT
strace -f -e trace=openat,writev,pwrite64,fdatasync -o "$trace" \
    "$build/tests/bench/bench_store" -d "$dir/run" -n "$records" -o 0 \
    -r 1 -b "$batch" >/dev/null
python3 - "$trace" <<'PY'
import collections, re, sys
phase, count = None, collections.defaultdict(collections.Counter)
for line in open(sys.argv[1]):
    if 'openat' in line and 'data.mdb' in line and 'O_DSYNC' not in line:
        phase = 'bare LMDB' if '/bare/' in line else 'store'
        continue
    m = re.search(r'(writev|pwrite64|fdatasync)\(\d+.*= (\d+)$', line)
    if m is None or phase is None:
        continue
    c = count[phase]
    c[m.group(1)] += 1
    c['pages'] += int(m.group(2)) / 4096
for phase, c in count.items():
    n = c['fdatasync'] or 1
    print('%-9s commits %d, per commit: pages %.1f, pwrite64 %.1f, '
          'writev %.1f' % (phase, c['fdatasync'], c['pages'] / n,
                           c['pwrite64'] / n, c['writev'] / n))
PY
