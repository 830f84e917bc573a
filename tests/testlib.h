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

#endif
