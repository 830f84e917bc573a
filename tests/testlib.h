/*
 * testlib: the tiny harness every tests/test_<module>.c uses.
 * CHECK(cond) records a failure with file:line and goes on; test_done()
 * prints a summary line and returns the exit status for main.
 */
#ifndef AMANA_TESTLIB_H
#define AMANA_TESTLIB_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "amana_buf.h"

struct test_state {
	const char	*name;
	unsigned long	 checks;
	unsigned long	 failed;
	unsigned long	 skipped;
};

extern struct test_state test_st;

void	test_fail(const char *file, int line, const char *expr);
#define CHECK(cond) do {						\
	test_st.checks++;						\
	if (!(cond))							\
		test_fail(__FILE__, __LINE__, #cond);			\
} while (0)
/* CHECK that an int expression equals the expected value, printing both. */
#define CHECK_EQ(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	test_st.checks++;						\
	if (a_ != b_) {							\
		fprintf(stderr, "  got %lld, want %lld\n", a_, b_);	\
		test_fail(__FILE__, __LINE__, #a " == " #b);		\
	}								\
} while (0)

void	test_begin(const char *name);
/* Counts a skipped case with its reason (printed). */
void	test_skip(const char *what, const char *why);
/* Prints "name: N checks, N failed, N skipped"; returns 0 or 1. */
int	test_done(void);
/*
 * Path of a vector file: $AMANA_VECTORS/rel (falls back to tests/vectors
 * beside the current directory). Returns a static buffer.
 */
const char *test_vector_path(const char *rel);
/* Reads a whole file (cap 256 MiB) into out; aborts the test on failure. */
void	test_read_file(const char *path, struct amana_buf *out);
/* Fills p with deterministic pseudo-random bytes from seed. */
void	test_fill(uint8_t *p, size_t len, uint64_t seed);

/* Removes an LMDB environment directory (data.mdb, lock.mdb, the dir). */
void	test_rm_store(const char *dir);
/*
 * Writes "$AMANA_BUILD/test-tmp/NAME" (AMANA_BUILD defaults to ".") into
 * out[0..size) and removes any store left there; aborts if it does not fit.
 */
void	test_store_dir(char *out, size_t size, const char *name);

/*
 * RFC 6962 reference proofs over a caller's tree: mth(ctx, lo, n, out)
 * writes MTH(D[lo:lo+n]). test_ref_path appends PATH(m, D[lo:lo+n]) (2.1.1),
 * test_ref_subproof SUBPROOF(m, D[lo:lo+n], b) (2.1.2), to proof[*np...].
 * test_split_k: the largest power of two smaller than n (n >= 2).
 */
typedef void (*test_mth_fn)(void *ctx, uint64_t lo, uint64_t n,
    uint8_t out[32]);
uint64_t test_split_k(uint64_t n);
void	test_ref_path(test_mth_fn mth, void *ctx, uint64_t m, uint64_t lo,
	    uint64_t n, uint8_t (*proof)[32], size_t *np);
void	test_ref_subproof(test_mth_fn mth, void *ctx, uint64_t m,
	    uint64_t lo, uint64_t n, int b, uint8_t (*proof)[32], size_t *np);

#endif
