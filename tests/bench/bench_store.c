/*
 * bench_store: durable group-commit throughput of the store against a bare
 * LMDB program writing the same bytes with the same batches and the same
 * sync settings; bytes on disk per log entry beyond the records; time to
 * open a store holding many entries, and the CPU of the first appends
 * after the open (while the writer fills its keyset) and of the next.
 *
 *	bench_store [-d DIR] [-n RECORDS] [-o OPEN_ENTRIES] [-b BATCH]
 *	    [-r ROUNDS] [-H]
 *
 * DIR (default ./bench-store-tmp) must be on the disk being measured.
 * RECORDS: 4 KiB records per batch size (default 2048); OPEN_ENTRIES:
 * entries in the open-time store (default 1000000; 0 skips); BATCH: only
 * this batch size (default: 1, 64 and 512); ROUNDS: bare and store runs
 * alternate ROUNDS times per batch size and the best time of each counts
 * (default 1); the CPU time (user and system) per record of each, best
 * round, is printed too. The records' SHA-256 are computed before the
 * clock starts and passed in store_item.hash, as the relay does (it
 * hashes each envelope on its loop thread); -H leaves the hashing to the
 * store's writer instead. Both programs open their environment with the
 * same flags (MDB_NOTLS | MDB_NORDAHEAD, durable commits).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "note.h"
#include "store.h"
#include "testlib.h"

#define REC_LEN 4096

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bytes this process caused to be written to storage (/proc/self/io);
 * 0 where unavailable. */
static uint64_t
io_written(void)
{
	char line[128];
	unsigned long long v = 0;
	FILE *f;

	if ((f = fopen("/proc/self/io", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "write_bytes: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* CPU seconds (user and system) this process has used so far. */
static double
cpu_used(void)
{
	struct rusage u;

	if (getrusage(RUSAGE_SELF, &u) != 0)
		return 0;
	return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
	    (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static int
sign_cb(void *ctx, const uint8_t *body, size_t len, struct amana_buf *out)
{
	return note_sign(ctx, body, len, out);
}

/* Bare LMDB: index -> record (rec_len bytes, the j % 1024th of recs), one
 * durable commit per batch. */
static double
bare(const char *dir, uint8_t *recs, size_t rec_len, size_t n, size_t batch,
    uint64_t *pages)
{
	MDB_env *env = NULL;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	MDB_envinfo info;
	uint8_t kb[8];
	size_t i, j;
	double t0, t;
	int rc;

	test_rm_store(dir);
	if (mkdir(dir, 0700) != 0 || mdb_env_create(&env) != 0 ||
	    mdb_env_set_maxdbs(env, 2) != 0 ||
	    mdb_env_set_mapsize(env, (size_t)8 << 30) != 0 ||
	    mdb_env_open(env, dir, MDB_NOTLS | MDB_NORDAHEAD, 0600) != 0) {
		fprintf(stderr, "bare: open failed\n");
		exit(1);
	}
	t0 = now();
	for (i = 0; i < n; i += batch) {
		if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
		    (rc = mdb_dbi_open(txn, "envelopes", MDB_CREATE, &dbi)) !=
		    0)
			goto fail;
		for (j = i; j < i + batch && j < n; j++) {
			uint64_t x = j;
			int b;

			for (b = 7; b >= 0; b--, x >>= 8)
				kb[b] = (uint8_t)x;
			k.mv_data = kb;
			k.mv_size = 8;
			v.mv_data = recs + (j % 1024) * rec_len;
			v.mv_size = rec_len;
			if ((rc = mdb_put(txn, dbi, &k, &v, MDB_APPEND)) != 0)
				goto fail;
		}
		if ((rc = mdb_txn_commit(txn)) != 0)
			goto fail;
	}
	t = now() - t0;
	mdb_env_info(env, &info);
	*pages = (uint64_t)info.me_last_pgno + 1;
	mdb_env_close(env);
	return t;
fail:
	fprintf(stderr, "bare: %s\n", mdb_strerror(rc));
	exit(1);
}

/*
 * The store: records j = 0 .. n-1 are those of bare() with j in their first
 * 8 bytes (all distinct). hashes: n SHA-256 computed before the clock
 * starts (passed in store_item.hash), or NULL (the store hashes).
 */
static double
amana(const char *dir, uint8_t *recs, const uint8_t (*hashes)[32], size_t n,
    size_t batch, struct note_signer *signer, struct store_stats *stats)
{
	struct store_opts o;
	struct store *st = NULL;
	struct store_item *it;
	struct store_result *res;
	size_t i, j, m;
	double t0, t;
	int ret;

	test_rm_store(dir);
	memset(&o, 0, sizeof(o));
	o.dir = dir;
	o.origin = "bench.example/log";
	o.map_size = (size_t)4 << 30;
	it = calloc(batch, sizeof(*it));
	res = calloc(batch, sizeof(*res));
	if (it == NULL || res == NULL || store_open(&o, &st) != 0) {
		fprintf(stderr, "store: open failed\n");
		exit(1);
	}
	t0 = now();
	for (i = 0; i < n; i += batch) {
		for (j = i, m = 0; j < i + batch && j < n; j++, m++) {
			uint8_t *r = recs + (j % 1024) * REC_LEN;

			/* distinct records: the first 8 bytes carry j */
			memcpy(r, &j, sizeof(j));
			it[m].kind = LOGENTRY_ALERT;
			it[m].data = r;
			it[m].len = REC_LEN;
			it[m].hash = hashes != NULL ? hashes[j] : NULL;
		}
		ret = store_append(st, it, m, 1700000000000ULL + i, sign_cb,
		    signer, res);
		for (j = 0; j < m; j++)
			if (ret != 0 || res[j].err != 0 || res[j].duplicate) {
				fprintf(stderr, "store: append failed: %s\n",
				    amana_strerror(ret));
				exit(1);
			}
		store_results_free(res, m);
	}
	t = now() - t0;
	if (store_stats(st, stats) != 0)
		exit(1);
	store_close(st);
	free(it);
	free(res);
	return t;
}

/* Per database, then the file against a bare LMDB of the same records. */
static void
print_stats(const struct store_stats *s, uint64_t n, uint64_t bare_pages)
{
	int i;

	for (i = 0; i < STORE_N_DBS; i++)
		printf("    %-10s %10llu items %9llu pages %8.1f B/entry\n",
		    s->db[i].name, (unsigned long long)s->db[i].items,
		    (unsigned long long)s->db[i].pages,
		    (double)(s->db[i].pages * s->page_size) / (double)n);
	printf("    file pages: store %llu, bare %llu: %.1f B/entry beyond "
	    "bare LMDB\n", (unsigned long long)s->pages_used,
	    (unsigned long long)bare_pages,
	    ((double)s->pages_used - (double)bare_pages) *
	    (double)s->page_size / (double)n);
}

/* Builds a store of `count` entries with small records, times opening. */
#define FIRST_N	300	/* appends timed after an open */

static void
open_time(const char *dir, size_t count, struct note_signer *signer)
{
	struct store_opts o;
	struct store *st = NULL;
	struct store_item *it;
	struct store_result *res;
	struct store_stats stats;
	uint8_t (*rec)[32], *brec;
	size_t i, j, m, batch = STORE_BATCH_MAX;
	double t0, best = 1e9, t;
	uint64_t size, bpages;
	char bdir[4096];
	int k;

	test_rm_store(dir);
	memset(&o, 0, sizeof(o));
	o.dir = dir;
	o.origin = "bench.example/log";
	o.map_size = (size_t)8 << 30;
	it = calloc(batch, sizeof(*it));
	res = calloc(batch, sizeof(*res));
	rec = calloc(batch, 32);
	if (it == NULL || res == NULL || rec == NULL ||
	    store_open(&o, &st) != 0)
		exit(1);
	t0 = now();
	for (i = 0; i < count; i += batch) {
		for (j = i, m = 0; j < i + batch && j < count; j++, m++) {
			test_fill(rec[m], 32, j + 1);
			it[m].kind = LOGENTRY_ALERT;
			it[m].data = rec[m];
			it[m].len = 32;
		}
		if (store_append(st, it, m, 1700000000000ULL, sign_cb, signer,
		    res) != 0)
			exit(1);
		store_results_free(res, m);
	}
	printf("  built %zu entries (32-byte records) in %.1f s "
	    "(%.0f appends/s, batches of %zu)\n", count, now() - t0,
	    (double)count / (now() - t0), batch);
	if (store_stats(st, &stats) != 0)
		exit(1);
	store_close(st);
	/* The same number of 32-byte records in bare LMDB, same batches. */
	if (snprintf(bdir, sizeof(bdir), "%s-bare", dir) >= (int)sizeof(bdir) ||
	    (brec = calloc(1024, 32)) == NULL)
		exit(1);
	test_fill(brec, (size_t)1024 * 32, 9);
	(void)bare(bdir, brec, 32, count, batch, &bpages);
	test_rm_store(bdir);
	free(brec);
	print_stats(&stats, count, bpages);
	for (k = 0; k < 5; k++) {
		st = NULL;
		t0 = now();
		if (store_open(&o, &st) != 0 || store_size(st, &size) != 0 ||
		    size != count)
			exit(1);
		t = now() - t0;
		if (t < best)
			best = t;
		store_close(st);
	}
	printf("  open (store_open + store_size, warm cache), best of 5: "
	    "%.2f ms\n", best * 1e3);
	/* After an open the writer adds the dedup B-tree's keys to its keyset,
	 * 4096 per batch: what that costs the first batches of one record
	 * (about count / 4096 of them), against the ones after. */
	if (store_open(&o, &st) != 0)
		exit(1);
	for (k = 0; k < 2; k++) {
		t0 = cpu_used();
		for (j = 0; j < FIRST_N; j++) {
			test_fill(rec[0], 32, count + 1 + k * FIRST_N + j);
			it[0].kind = LOGENTRY_ALERT;
			it[0].data = rec[0];
			it[0].len = 32;
			if (store_append(st, it, 1, 1700000000000ULL, sign_cb,
			    signer, res) != 0 || res[0].duplicate)
				exit(1);
			store_results_free(res, 1);
		}
		printf("  %s %d appends of one record after it: %.0f us of "
		    "CPU each\n", k == 0 ? "first" : "next", FIRST_N,
		    (cpu_used() - t0) * 1e6 / FIRST_N);
	}
	store_close(st);
	test_rm_store(dir);
	free(it);
	free(res);
	free(rec);
}

int
main(int argc, char **argv)
{
	const char *base = "bench-store-tmp";
	char dbare[4096], dstore[4096];
	size_t n = 2048, open_n = 1000000, batches[] = { 1, 64, 512 };
	size_t only = 0, rounds = 1, r;
	struct note_signer *signer = NULL;
	struct store_stats stats;
	uint8_t *recs;
	uint64_t bpages;
	double tb, ts, t, cb, cs, c0;
	uint64_t wb = 0, ws = 0, w0;
	uint8_t (*hashes)[32] = NULL;
	int c, store_hashes = 0;
	size_t i, j;

	while ((c = getopt(argc, argv, "d:n:o:b:r:Hh")) != -1) {
		switch (c) {
		case 'H':
			store_hashes = 1;
			break;
		case 'd':
			base = optarg;
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'o':
			open_n = strtoul(optarg, NULL, 10);
			break;
		case 'b':
			only = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rounds = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: bench_store [-d DIR] "
			    "[-n RECORDS] [-o OPEN_ENTRIES] [-b BATCH] "
			    "[-r ROUNDS] [-H]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (sodium_init() < 0 || n == 0 || rounds == 0 ||
	    only > STORE_BATCH_MAX ||
	    note_signer_generate("bench.example/log", &signer) != 0)
		return 1;
	(void)mkdir(base, 0700);
	if (snprintf(dbare, sizeof(dbare), "%s/bare", base) >=
	    (int)sizeof(dbare) ||
	    snprintf(dstore, sizeof(dstore), "%s/store", base) >=
	    (int)sizeof(dstore))
		return 1;
	if ((recs = malloc((size_t)1024 * REC_LEN)) == NULL)
		return 1;
	test_fill(recs, (size_t)1024 * REC_LEN, 42);
	if (!store_hashes) {
		if ((hashes = calloc(n, sizeof(*hashes))) == NULL)
			return 1;
		for (j = 0; j < n; j++) {
			uint8_t *rec = recs + (j % 1024) * REC_LEN;

			memcpy(rec, &j, sizeof(j));
			crypto_hash_sha256(hashes[j], rec, REC_LEN);
		}
	}
	printf("durable appends of %d-byte records, %zu per batch size, "
	    "in %s; SHA-256 %s\n", REC_LEN, n, base, store_hashes ?
	    "computed by the store (-H)" : "passed in, as by the relay");
	if (only != 0) {
		batches[0] = only;
		batches[1] = batches[2] = 0;
	}
	for (i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
		if (batches[i] == 0)
			continue;
		tb = ts = cb = cs = 1e30;
		for (r = 0; r < rounds; r++) {
			w0 = io_written();
			c0 = cpu_used();
			if ((t = bare(dbare, recs, REC_LEN, n, batches[i],
			    &bpages)) < tb)
				tb = t;
			if (cpu_used() - c0 < cb)
				cb = cpu_used() - c0;
			wb = io_written() - w0;
			test_rm_store(dbare);
			w0 = io_written();
			c0 = cpu_used();
			if ((t = amana(dstore, recs,
			    (const uint8_t (*)[32])hashes, n, batches[i],
			    signer, &stats)) < ts)
				ts = t;
			if (cpu_used() - c0 < cs)
				cs = cpu_used() - c0;
			ws = io_written() - w0;
			test_rm_store(dstore);
		}
		printf("  batch %3zu: store %8.0f/s  bare LMDB %8.0f/s  "
		    "ratio %.2f  (written: store %.1f MiB, bare %.1f MiB)\n",
		    batches[i], (double)n / ts, (double)n / tb, tb / ts,
		    (double)ws / 1048576.0, (double)wb / 1048576.0);
		/* Less noisy than the clock on a shared machine: what each
		 * costs in CPU (user and system), best round. */
		printf("             CPU per record: store %.1f us, bare LMDB "
		    "%.1f us\n", cs * 1e6 / (double)n, cb * 1e6 / (double)n);
		if (i == sizeof(batches) / sizeof(batches[0]) - 1 ||
		    only != 0) {
			printf("  space after %zu records (page %llu B):\n", n,
			    (unsigned long long)stats.page_size);
			print_stats(&stats, n, bpages);
		}
		test_rm_store(dbare);
		test_rm_store(dstore);
	}
	if (open_n > 0)
		open_time(dstore, open_n, signer);
	(void)rmdir(base);
	note_signer_free(signer);
	free(recs);
	free(hashes);
	return 0;
}
