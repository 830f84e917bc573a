/*
 * ckpt: C2SP tlog-checkpoint note bodies (c2sp.org/tlog-checkpoint):
 *
 *	<origin>\n<decimal size>\n<base64 root>\n[extension lines\n...]
 *
 * Amana's log writes no extension lines; the parser accepts them (each
 * non-empty) and exposes them verbatim. Any thread.
 */
#ifndef AMANA_CKPT_H
#define AMANA_CKPT_H
#include <stddef.h>
#include <stdint.h>

#include "amana_buf.h"
#include "amana_err.h"
#include "merkle.h"
#include "note.h"

#define CKPT_ORIGIN_MAX	255		/* bytes in the origin line */
#define CKPT_EXT_MAX	4096		/* bytes of extension lines */

struct ckpt {
	char		 origin[CKPT_ORIGIN_MAX + 1];	/* NUL-terminated */
	uint64_t	 size;
	uint8_t		 root[MERKLE_HASH_LEN];
	/* Extension lines, each ending in '\n'; borrowed from the parsed
	 * input (or from the caller for ckpt_format). NULL/0 when none. */
	const uint8_t	*ext;
	size_t		 ext_len;
};

/*
 * ckpt_format: appends the unsigned note text (origin, size, root, then
 * ext if any) to body. The origin must be non-empty printable UTF-8
 * without control characters; ext lines non-empty, each ending in '\n'.
 * Returns 0, AMANA_EINVAL, or the buffer's errors (body unchanged then).
 */
int	ckpt_format(const struct ckpt *c, struct amana_buf *body) AMANA_WUR;

/*
 * ckpt_parse: parses a checkpoint note TEXT (view.text of a verified note).
 * p/len borrowed. Size: decimal, no leading zero, fits uint64. Root:
 * canonical padded base64 of exactly 32 bytes. *out written only on
 * success; out->ext points into p. Returns 0 or AMANA_EPARSE.
 */
int	ckpt_parse(const uint8_t *p, size_t len, struct ckpt *out) AMANA_WUR;

/*
 * ckpt_verify: verifies the whole signed checkpoint note p[0..len) with
 * the log's key, then parses its text and requires origin == key name.
 * *out (ext borrowed from p) written only on success.
 * Returns 0, AMANA_EPARSE, AMANA_ETOOBIG or AMANA_EBADSIG.
 */
int	ckpt_verify(const uint8_t *p, size_t len,
	    const struct note_verifier *log_key, struct ckpt *out) AMANA_WUR;

#endif
