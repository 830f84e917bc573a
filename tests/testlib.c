#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

struct test_state test_st;

void
test_fail(const char *file, int line, const char *expr)
{
	test_st.failed++;
	fprintf(stderr, "FAIL %s:%d: %s\n", file, line, expr);
}

void
test_begin(const char *name)
{
	memset(&test_st, 0, sizeof(test_st));
	test_st.name = name;
}

void
test_skip(const char *what, const char *why)
{
	test_st.skipped++;
	fprintf(stderr, "SKIP %s: %s\n", what, why);
}

int
test_done(void)
{
	printf("%s: %lu checks, %lu failed, %lu skipped\n", test_st.name,
	    test_st.checks, test_st.failed, test_st.skipped);
	return test_st.failed == 0 && test_st.checks > 0 ? 0 : 1;
}

const char *
test_vector_path(const char *rel)
{
	static char path[4096];
	const char *dir = getenv("AMANA_VECTORS");
	int n;

	if (dir == NULL)
		dir = "tests/vectors";
	n = snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		fprintf(stderr, "vector path too long\n");
		exit(1);
	}
	return path;
}

void
test_read_file(const char *path, struct amana_buf *out)
{
	FILE *f;
	uint8_t chunk[65536];
	size_t n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "FAIL cannot open %s\n", path);
		exit(1);
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (amana_buf_append(out, chunk, n) != 0) {
			fprintf(stderr, "FAIL %s too large\n", path);
			exit(1);
		}
	}
	fclose(f);
}

void
test_fill(uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)(x >> 24);
	}
}

void
test_rm_store(const char *dir)
{
	char p[4096];
	int n;

	n = snprintf(p, sizeof(p), "%s/data.mdb", dir);
	if (n > 0 && (size_t)n < sizeof(p))
		(void)unlink(p);
	n = snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	if (n > 0 && (size_t)n < sizeof(p))
		(void)unlink(p);
	(void)rmdir(dir);
}

void
test_store_dir(char *out, size_t size, const char *name)
{
	const char *b = getenv("AMANA_BUILD");
	int n;

	n = snprintf(out, size, "%s/test-tmp/%s", b != NULL ? b : ".", name);
	if (n < 0 || (size_t)n >= size)
		abort();
	test_rm_store(out);
}

uint64_t
test_split_k(uint64_t n)
{
	uint64_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

void
test_ref_path(test_mth_fn mth, void *ctx, uint64_t m, uint64_t lo,
    uint64_t n, uint8_t (*proof)[32], size_t *np)
{
	uint64_t k;

	if (n <= 1)
		return;
	k = test_split_k(n);
	if (m < k) {
		test_ref_path(mth, ctx, m, lo, k, proof, np);
		mth(ctx, lo + k, n - k, proof[(*np)++]);
	} else {
		test_ref_path(mth, ctx, m - k, lo + k, n - k, proof, np);
		mth(ctx, lo, k, proof[(*np)++]);
	}
}

void
test_ref_subproof(test_mth_fn mth, void *ctx, uint64_t m, uint64_t lo,
    uint64_t n, int b, uint8_t (*proof)[32], size_t *np)
{
	uint64_t k;

	if (m == n) {
		if (!b)
			mth(ctx, lo, n, proof[(*np)++]);
		return;
	}
	k = test_split_k(n);
	if (m <= k) {
		test_ref_subproof(mth, ctx, m, lo, k, b, proof, np);
		mth(ctx, lo + k, n - k, proof[(*np)++]);
	} else {
		test_ref_subproof(mth, ctx, m - k, lo + k, n - k, 0, proof, np);
		mth(ctx, lo, k, proof[(*np)++]);
	}
}
