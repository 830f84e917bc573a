/*
 * cli_tlog: download and verify a whole transparency log over the C2SP
 * tlog-tiles read API: the checkpoint (signed by the log key), every entry
 * bundle and every hash tile at every level, recomputed from the entries
 * and compared byte for byte, and the root compared with the checkpoint's.
 * The result is the verified list of entries. Single-threaded.
 */
#ifndef CLI_TLOG_H
#define CLI_TLOG_H
#include <stddef.h>
#include <stdint.h>

#include "amana_buf.h"
#include "ckpt.h"
#include "cli_http.h"
#include "merkle.h"
#include "note.h"

/* Largest log this client verifies in memory (about 80 bytes/entry). */
#define CLI_TLOG_SIZE_MAX	(UINT64_C(1) << 26)
#define CLI_TLOG_CKPT_MAX	NOTE_MAX_LEN

struct cli_tlog {
	struct ckpt	 ckpt;		/* verified; ext not kept (NULL) */
	struct amana_buf note;		/* the signed checkpoint, verbatim */
	uint64_t	 size;		/* = ckpt.size */
	struct amana_buf data;		/* entries, concatenated */
	size_t		*off;		/* size + 1 offsets into data */
	/* root of the first mark leaves, when 0 < mark <= size */
	uint64_t	 mark;
	int		 have_mark_root;
	uint8_t		 mark_root[MERKLE_HASH_LEN];
};

/*
 * cli_tlog_load: fetches and verifies the log behind h (tlog-tiles paths
 * under the relay URL) against log_key, into *t (initialised here; free
 * with cli_tlog_free, also after a failure). mark: a tree size whose root
 * the caller wants (0: none); if mark <= size, t->mark_root holds it.
 * Prints one line "amana CMD: ..." on failure. Returns CLI_OK or CLI_FAIL.
 */
int	cli_tlog_load(const char *cmd, struct cli_http *h,
	    const struct note_verifier *log_key, uint64_t mark,
	    struct cli_tlog *t);
/* Entry i (< t->size): *p points into t, *len its length. */
void	cli_tlog_entry(const struct cli_tlog *t, uint64_t i,
	    const uint8_t **p, size_t *len);
void	cli_tlog_free(struct cli_tlog *t);
/*
 * cli_tlog_checkpoint: GETs /checkpoint and verifies it with log_key into
 * *c (ext NULL) and note (initialised here, caller frees).
 */
int	cli_tlog_checkpoint(const char *cmd, struct cli_http *h,
	    const struct note_verifier *log_key, struct ckpt *c,
	    struct amana_buf *note);

#endif
