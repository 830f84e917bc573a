/*
 * amana_cur: the bounds-checked read cursor every parser reads through.
 * The cursor borrows p; it never writes or frees it. Invariant: off <= len.
 * Every read checks the remaining length first and, on failure, returns
 * AMANA_EPARSE and leaves the cursor and the out-parameters unchanged.
 */
#ifndef AMANA_CUR_H
#define AMANA_CUR_H
#include <stddef.h>
#include <stdint.h>
#include "amana_err.h"

struct amana_cur {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;	/* invariant: off <= len */
};

void	amana_cur_init(struct amana_cur *c, const uint8_t *p, size_t len);
/* Bytes not yet read. */
size_t	amana_cur_left(const struct amana_cur *c);
/* 0 when every byte was read, else AMANA_EPARSE (trailing bytes). */
int	amana_cur_done(const struct amana_cur *c) AMANA_WUR;
/* *out points n bytes into the borrowed input. */
int	amana_cur_take(struct amana_cur *c, size_t n, const uint8_t **out)
	    AMANA_WUR;
int	amana_cur_copy(struct amana_cur *c, void *dst, size_t n) AMANA_WUR;
int	amana_cur_u8(struct amana_cur *c, uint8_t *out) AMANA_WUR;
int	amana_cur_u16be(struct amana_cur *c, uint16_t *out) AMANA_WUR;
int	amana_cur_u32be(struct amana_cur *c, uint32_t *out) AMANA_WUR;
int	amana_cur_u64be(struct amana_cur *c, uint64_t *out) AMANA_WUR;
/* Consumes exactly the n bytes lit, or fails. */
int	amana_cur_expect(struct amana_cur *c, const void *lit, size_t n)
	    AMANA_WUR;
/*
 * Takes one line: *line points at its first byte, *line_len excludes the
 * '\n', which is consumed. No '\n' before the end: AMANA_EPARSE.
 */
int	amana_cur_line(struct amana_cur *c, const uint8_t **line,
	    size_t *line_len) AMANA_WUR;

#endif
