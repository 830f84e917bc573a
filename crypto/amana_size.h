/*
 * amana_size: overflow-checked size arithmetic.
 * Each writes *out only on success; returns 0 or AMANA_ERANGE.
 */
#ifndef AMANA_SIZE_H
#define AMANA_SIZE_H
#include <stddef.h>
#include "amana_err.h"

static inline AMANA_WUR int
amana_size_add(size_t a, size_t b, size_t *out)
{
	size_t r;

	if (__builtin_add_overflow(a, b, &r))
		return AMANA_ERANGE;
	*out = r;
	return 0;
}

static inline AMANA_WUR int
amana_size_mul(size_t a, size_t b, size_t *out)
{
	size_t r;

	if (__builtin_mul_overflow(a, b, &r))
		return AMANA_ERANGE;
	*out = r;
	return 0;
}
#endif
