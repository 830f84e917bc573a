/*
 * amana_buf: a growable byte buffer with a hard cap.
 * A buffer owns p. With secure set, memory comes from sodium_malloc and is
 * wiped on every growth and on free; use it for keys and plaintext.
 * The buffer always keeps one spare byte so amana_buf_cstr() can
 * NUL-terminate without growing. A failed call leaves contents unchanged.
 * Not thread-safe: one owner at a time.
 */
#ifndef AMANA_BUF_H
#define AMANA_BUF_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "amana_err.h"

struct amana_buf {
	uint8_t	*p;
	size_t	 len;
	size_t	 cap;		/* bytes allocated at p */
	size_t	 max;		/* hard cap on len */
	int	 secure;	/* sodium_malloc'ed, wiped */
};

/* Empty buffer holding at most max bytes; allocates nothing yet. */
void	amana_buf_init(struct amana_buf *b, size_t max, int secure);
/* Wipes (if secure) and frees; the buffer is empty and reusable. */
void	amana_buf_free(struct amana_buf *b);
/* len = 0, keeping the allocation (wiped first if secure). */
void	amana_buf_reset(struct amana_buf *b);
/* Room for n more bytes. AMANA_ETOOBIG past max, AMANA_ENOMEM. */
int	amana_buf_reserve(struct amana_buf *b, size_t n) AMANA_WUR;
int	amana_buf_append(struct amana_buf *b, const void *p, size_t n)
	    AMANA_WUR;
int	amana_buf_u8(struct amana_buf *b, uint8_t v) AMANA_WUR;
int	amana_buf_u16be(struct amana_buf *b, uint16_t v) AMANA_WUR;
int	amana_buf_u32be(struct amana_buf *b, uint32_t v) AMANA_WUR;
int	amana_buf_u64be(struct amana_buf *b, uint64_t v) AMANA_WUR;
int	amana_buf_str(struct amana_buf *b, const char *s) AMANA_WUR;
int	amana_buf_printf(struct amana_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3))) AMANA_WUR;
/* NUL-terminates (not counted in len) and returns p; never NULL. */
const char *amana_buf_cstr(struct amana_buf *b);
/* Moves the contents out: *out owns them (free with free(), or sodium_free
 * if secure); the buffer is left empty. */
void	amana_buf_steal(struct amana_buf *b, uint8_t **out, size_t *out_len);

#endif
