/*
 * cli_parse: the client's own parsers of bytes that come from the relay or
 * from disk, kept free of I/O so that each fuzzer (tests/fuzz/fuzz_cli_*)
 * builds them alone. Every parser takes (const uint8_t *p, size_t len),
 * borrowed, reads only through struct amana_cur, writes its outputs only
 * on success and returns 0 or a negative AMANA_E*. Any thread.
 */
#ifndef CLI_PARSE_H
#define CLI_PARSE_H
#include <stddef.h>
#include <stdint.h>

#include "age.h"
#include "amana_cur.h"
#include "amana_err.h"
#include "ckpt.h"
#include "merkle.h"

/*
 * Relay lists (GET /v1/alerts, GET /v1/alerts/{n}/replies): frames
 * u64be index || u64be length || length bytes, back to back.
 */
struct cli_frame {
	uint64_t	 index;
	const uint8_t	*p;		/* into the list */
	size_t		 len;
};
/*
 * cli_frame_next: the next frame from c into *f (pointers into c's input).
 * Returns 0 or AMANA_EPARSE (truncated; the cursor is then unchanged).
 */
int	cli_frame_next(struct amana_cur *c, struct cli_frame *f) AMANA_WUR;
/*
 * cli_frames_check: the whole list p[0..len) is well framed, every index
 * is >= min_index and greater than the one before, and no frame is longer
 * than frame_max bytes. *count (on success): the number of frames.
 * Returns 0 or AMANA_EPARSE.
 */
int	cli_frames_check(const uint8_t *p, size_t len, uint64_t min_index,
	    size_t frame_max, size_t *count) AMANA_WUR;

/*
 * The auditor's state file (amana audit --state F), exactly:
 *	amana-audit-state v1\n
 *	origin <log origin, 1..CKPT_ORIGIN_MAX bytes, no NUL>\n
 *	size <decimal, no leading zero>\n
 *	root <base64 of the 32-byte root, padded>\n
 */
#define CLI_AUDIT_STATE_MAGIC	"amana-audit-state v1"
#define CLI_AUDIT_STATE_MAX	4096
struct cli_audit_state {
	char		origin[CKPT_ORIGIN_MAX + 1];
	uint64_t	size;
	uint8_t		root[MERKLE_HASH_LEN];
};
/* Returns 0, AMANA_EPARSE or AMANA_ETOOBIG (len > CLI_AUDIT_STATE_MAX). */
int	cli_audit_state_parse(const uint8_t *p, size_t len,
	    struct cli_audit_state *out) AMANA_WUR;

/*
 * cli_bundle_parse: a tlog-tiles entry bundle p[0..len) holding exactly w
 * entries (u16be length || bytes each) and nothing after them. Checks the
 * whole bundle first, then calls cb(arg, entry, entry_len) for each entry
 * in order (entry points into p); a non-zero cb result stops and is
 * returned. cb may be NULL (check only). Returns 0, AMANA_EPARSE or cb's.
 */
int	cli_bundle_parse(const uint8_t *p, size_t len, unsigned w,
	    int (*cb)(void *, const uint8_t *, size_t), void *arg) AMANA_WUR;

/*
 * cli_recipients_parse: a recipients file p[0..len): lines of age1...
 * X25519 recipients; '#' comment lines and empty lines skipped; one
 * trailing '\r' per line ignored; the last line may lack its '\n'.
 * Appends to pks[*n..max) and advances *n. On AMANA_EPARSE, *bad_line
 * (1-based) names the line. Returns 0, AMANA_EPARSE, AMANA_ERANGE (more
 * than max recipients in all) or AMANA_ENOENT (no recipient in p).
 */
int	cli_recipients_parse(const uint8_t *p, size_t len,
	    uint8_t (*pks)[AGE_KEY_LEN], size_t max, size_t *n,
	    size_t *bad_line) AMANA_WUR;

#endif
