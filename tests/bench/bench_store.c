/*
 * bench_store: durable group-commit throughput of the store against a bare
 * LMDB program writing the same bytes with the same batches and the same
 * sync settings; bytes on disk per log entry beyond the records; time to
 * open a store holding many entries.
 *
 *	bench_store [-d DIR] [-n RECORDS] [-o OPEN_ENTRIES]
 *
 * DIR (default ./bench-store-tmp) must be on the disk being measured.
 * RECORDS: 4 KiB records per batch size (default 2048); OPEN_ENTRIES:
 * entries in the open-time store (default 1000000; 0 skips).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "note.h"
#include "store.h"

#define REC_LEN 4096

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
fill(uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)x;
	}
}

static void
rm_env(const char *dir)
{
	char p[4096];

	if (snprintf(p, sizeof(p), "%s/data.mdb", dir) < (int)sizeof(p))
		(void)unlink(p);
	if (snprintf(p, sizeof(p), "%s/lock.mdb", dir) < (int)sizeof(p))
		(void)unlink(p);
	(void)rmdir(dir);
}

static int
sign_cb(void *ctx, const uint8_t *body, size_t len, struct amana_buf *out)
{
	return note_sign(ctx, body, len, out);
}

/* Bare LMDB: index -> 4 KiB record, one durable commit per batch. */
static double
bare(const char *dir, uint8_t *recs, size_t n, size_t batch,
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

	rm_env(dir);
	if (mkdir(dir, 0700) != 0 || mdb_env_create(&env) != 0 ||
	    mdb_env_set_maxdbs(env, 2) != 0 ||
	    mdb_env_set_mapsize(env, (size_t)4 << 30) != 0 ||
	    mdb_env_open(env, dir, MDB_NOTLS, 0600) != 0) {
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
			v.mv_data = recs + (j % 1024) * REC_LEN;
			v.mv_size = REC_LEN;
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

static double
amana(const char *dir, uint8_t *recs, size_t n, size_t batch,
    struct note_signer *signer, struct store_stats *stats)
{
	struct store_opts o;
	struct store *st = NULL;
	struct store_item *it;
	struct store_result *res;
	size_t i, j, m;
	double t0, t;
	int ret;

	rm_env(dir);
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

static void
print_stats(const struct store_stats *s, uint64_t n)
{
	uint64_t log = 0;
	int i;

	for (i = 0; i < STORE_N_DBS; i++) {
		printf("    %-10s %10llu items %9llu pages %8.1f B/entry\n",
		    s->db[i].name, (unsigned long long)s->db[i].items,
		    (unsigned long long)s->db[i].pages,
		    (double)(s->db[i].pages * s->page_size) / (double)n);
		if (strcmp(s->db[i].name, "envelopes") != 0)
			log += s->db[i].pages;
	}
	printf("    log databases (all but envelopes): %.1f B/entry; "
	    "file pages used: %llu\n",
	    (double)(log * s->page_size) / (double)n,
	    (unsigned long long)s->pages_used);
}

/* Builds a store of `count` entries with small records, times opening. */
static void
open_time(const char *dir, size_t count, struct note_signer *signer)
{
	struct store_opts o;
	struct store *st = NULL;
	struct store_item *it;
	struct store_result *res;
	struct store_stats stats;
	uint8_t (*rec)[32];
	size_t i, j, m, batch = STORE_BATCH_MAX;
	double t0, best = 1e9, t;
	uint64_t size;
	int k;

	rm_env(dir);
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
			fill(rec[m], 32, j + 1);
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
	print_stats(&stats, count);
	store_close(st);
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
	rm_env(dir);
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
	struct note_signer *signer = NULL;
	struct store_stats stats;
	uint8_t *recs;
	uint64_t bpages;
	double tb, ts;
	int c;
	size_t i;

	while ((c = getopt(argc, argv, "d:n:o:")) != -1) {
		switch (c) {
		case 'd':
			base = optarg;
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'o':
			open_n = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: bench_store [-d DIR] "
			    "[-n RECORDS] [-o OPEN_ENTRIES]\n");
			return 2;
		}
	}
	if (sodium_init() < 0 || n == 0 ||
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
	fill(recs, (size_t)1024 * REC_LEN, 42);
	printf("durable appends of %d-byte records, %zu per batch size, "
	    "in %s\n", REC_LEN, n, base);
	for (i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
		tb = bare(dbare, recs, n, batches[i], &bpages);
		ts = amana(dstore, recs, n, batches[i], signer, &stats);
		printf("  batch %3zu: store %8.0f/s  bare LMDB %8.0f/s  "
		    "ratio %.2f\n", batches[i], (double)n / ts,
		    (double)n / tb, tb / ts);
		if (i == sizeof(batches) / sizeof(batches[0]) - 1) {
			printf("  space after %zu records (page %llu B):\n", n,
			    (unsigned long long)stats.page_size);
			print_stats(&stats, n);
			printf("    file pages: store %llu, bare %llu: "
			    "%.1f B/entry beyond bare LMDB\n",
			    (unsigned long long)stats.pages_used,
			    (unsigned long long)bpages,
			    (double)((stats.pages_used - bpages) *
			    stats.page_size) / (double)n);
		}
		rm_env(dbare);
		rm_env(dstore);
	}
	if (open_n > 0)
		open_time(dstore, open_n, signer);
	(void)rmdir(base);
	note_signer_free(signer);
	free(recs);
	return 0;
}
