/*
 * bench_read: the store's network read paths on an existing store: time
 * per call and the process's RssFile (LMDB map pages mapped in) after
 * ITERS calls of each, starting from a trimmed map (store_trim).
 *
 *	bench_read DIR ORIGIN [ITERS]
 *
 * DIR is a store directory (a relay's DATA/log, e.g. filled by
 * bench_relay_fill), ORIGIN its log origin (the relay prints it at start,
 * "serving log ORIGIN"). ITERS (default 2000) calls per kind, at pseudo-
 * random positions from a fixed seed, so two builds read the same
 * sequence: level-0 hash tiles (256 leaf hashes each), entry bundles,
 * level-1 tiles (stored nodes only), envelopes, receipts. Stop the relay
 * first: one process per store. For docs/PERFORMANCE.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t
next_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* RssFile of this process in kB, or -1. */
static long
rss_file_kb(void)
{
	char line[256];
	FILE *f;
	long kb = -1, v;
	unsigned n = 0;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL && ++n < 1000)
		if (sscanf(line, "RssFile: %ld kB", &v) == 1)
			kb = v;
	fclose(f);
	return kb;
}

enum kind { K_TILE0, K_BUNDLE, K_TILE1, K_ENVELOPE, K_RECEIPT, K_N };
static const char *names[K_N] = { "tile/0 (256 leaves)",
	"tile/entries (256)", "tile/1 (stored nodes)", "envelope",
	"receipt" };

int
main(int argc, char **argv)
{
	struct store_opts so;
	struct store *st = NULL;
	struct amana_buf b;
	uint64_t size, seed, n, i;
	unsigned long iters;
	double t0, dt;
	long rss0, rss1;
	int k, err, ret = 1;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: bench_read DIR ORIGIN [ITERS]\n");
		return 2;
	}
	iters = argc > 3 ? strtoul(argv[3], NULL, 10) : 2000;
	if (iters == 0 || iters > 10000000)
		return 2;
	amana_buf_init(&b, (size_t)64 << 20, 0);
	memset(&so, 0, sizeof(so));
	so.dir = argv[1];
	so.origin = argv[2];
	so.map_size = (size_t)65536 << 20;	/* the relay's default */
	if ((err = store_open(&so, &st)) != 0 ||
	    (err = store_size(st, &size)) != 0) {
		fprintf(stderr, "bench_read: %s\n", amana_strerror(err));
		goto out;
	}
	if (size < 256 * 256) {
		fprintf(stderr, "bench_read: needs >= 65536 entries\n");
		goto out;
	}
	printf("entries %llu, %lu calls each\n", (unsigned long long)size,
	    iters);
	for (k = 0; k < K_N; k++) {
		seed = 0x9e3779b97f4a7c15ull + (uint64_t)k;
		if (store_trim(st) != 0)
			fprintf(stderr, "bench_read: store_trim failed\n");
		rss0 = rss_file_kb();
		t0 = now_s();
		for (i = 0; i < iters; i++) {
			amana_buf_reset(&b);
			n = next_rand(&seed);
			switch (k) {
			case K_TILE0:
				err = store_tile(st, 0, n % (size / 256), 256,
				    &b);
				break;
			case K_BUNDLE:
				err = store_entries(st, n % (size / 256), 256,
				    &b);
				break;
			case K_TILE1:
				err = store_tile(st, 1, n % (size / 65536),
				    256, &b);
				break;
			case K_ENVELOPE:
				err = store_envelope(st, n % size, &b);
				break;
			default:
				err = store_receipt(st, n % size, &b);
				break;
			}
			if (err != 0 && err != AMANA_ENOENT) {
				fprintf(stderr, "bench_read: %s: %s\n",
				    names[k], amana_strerror(err));
				goto out;
			}
		}
		dt = now_s() - t0;
		rss1 = rss_file_kb();
		printf("%-22s %8.1f us/call  RssFile %ld -> %ld kB\n",
		    names[k], dt / (double)iters * 1e6, rss0, rss1);
	}
	ret = 0;
out:
	amana_buf_free(&b);
	store_close(st);
	return ret;
}
