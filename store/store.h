/*
 * store: Amana's LMDB store and the producing side of its transparency log.
 *
 * One LMDB environment (a directory) with named databases; the layout is
 * docs/STORAGE.md. One writer (store_append / store_purge, called from one
 * thread at a time) and any number of readers on any thread (every read
 * function uses its own LMDB read transaction, which never blocks the
 * writer). The store never holds the log's signing key: each batch's
 * checkpoint is signed through a callback. Open the store after fork(),
 * never before.
 *
 * Every value read back is checked (lengths, entry decoding, the record's
 * SHA-256 against its log entry); a failed check gives AMANA_ECORRUPT.
 * The read functions copy log values out of the data file with pread(2)
 * (docs/STORAGE.md, "Reads and the map"), so records' pages are not mapped
 * into the process; they may also return AMANA_EIO when that read fails.
 * LMDB errors map to: MDB_MAP_FULL -> AMANA_EFULL (nothing changed),
 * MDB_CORRUPTED / MDB_PAGE_NOTFOUND / MDB_INVALID -> AMANA_ECORRUPT,
 * ENOMEM -> AMANA_ENOMEM, anything else -> AMANA_EIO.
 */
#ifndef AMANA_STORE_H
#define AMANA_STORE_H
#include <stddef.h>
#include <stdint.h>

#include "amana_buf.h"
#include "amana_err.h"
#include "logentry.h"

#define STORE_SCHEMA_VERSION	4
#define STORE_MAP_SIZE_DEFAULT	((size_t)1 << 30)	/* 1 GiB */
#define STORE_RECORD_MAX	((size_t)128 << 20)	/* bytes per record */
#define STORE_BATCH_MAX		4096		/* items per store_append */
#define STORE_KEY_LEN		32		/* roster key (Ed25519 pk) */
#define STORE_CKPT_MAX		65536		/* signed checkpoint note */
#define STORE_RAW_ENTRY_MAX	65535		/* raw-log entry (test logs) */
#define STORE_ENTRY_LEN		LOGENTRY_LEN	/* 41 */
#define STORE_HASH_LEN		32

struct store;

struct store_opts {
	const char	*dir;		/* created (0700) if missing */
	size_t		 map_size;	/* 0: STORE_MAP_SIZE_DEFAULT */
	const char	*origin;	/* log origin (checkpoint line 1) */
	/* Test logs only: entries are raw leaves appended with
	 * store_append_raw (no records, dedup or receipts). Fixed when the
	 * store is created; opening with the other mode is AMANA_EINVAL. */
	int		 raw_log;
	/* Entries per dedup merge cycle (docs/STORAGE.md), 0: 32768. Fixed
	 * when the store is created (or upgraded from schema 2); ignored
	 * afterwards. Tests use small cycles. */
	uint32_t	 dedup_cycle;
};

/*
 * One record to append. kind: enum logentry_kind.
 *  - LOGENTRY_ALERT: data = the envelope.
 *  - LOGENTRY_REPLY, LOGENTRY_ACK: data = the reply envelope; ref = the
 *    alert's index (must be an alert entry already in the log, possibly
 *    earlier in the same batch). Listed by store_replies in order.
 *  - LOGENTRY_ACCREDITATION, _CREDENTIAL, _REVOCATION: data = the signed
 *    roster note; key = STORE_KEY_LEN bytes: the roster entry it replaces.
 *  - LOGENTRY_PURGE: data NULL, len 0; ref = the index whose record bytes
 *    are deleted. The purge record (what the entry hashes) is ref as
 *    u64 big-endian.
 * hash: NULL, or SHA-256(data) already computed by the caller (the relay
 * hashes each envelope once, on its loop thread, for the duplicate check),
 * so the single writer does not hash it again. The caller promises it is
 * the hash of exactly data[0..len); ignored for LOGENTRY_PURGE.
 * All pointers borrowed for the duration of the call.
 */
struct store_item {
	uint8_t		 kind;
	const uint8_t	*data;
	size_t		 len;		/* <= STORE_RECORD_MAX */
	uint64_t	 ref;
	const uint8_t	*key;
	const uint8_t	*hash;		/* NULL or 32 bytes */
};

/*
 * The outcome for one item. err: 0, or this item's own failure
 * (AMANA_EINVAL bad kind/ref/key, AMANA_ETOOBIG, AMANA_ENOENT purge of a
 * missing record), in which case nothing was written for it. On err == 0:
 * index is the record's log index; duplicate is 1 when identical bytes of
 * the same kind were already logged (index is then the original one and
 * nothing was written);
 * receipt holds the C2SP tlog-proof (entry as extra, index, inclusion proof,
 * the signed checkpoint). Release with store_results_free.
 */
struct store_result {
	int		 err;
	int		 duplicate;
	uint64_t	 index;
	struct amana_buf receipt;
};

/*
 * Signs one checkpoint: appends the complete signed note (the body
 * ckpt_body[0..len) verbatim, a blank line, signature lines) to signed_note
 * (an empty buffer capped at STORE_CKPT_MAX). Returns 0 or a negative
 * AMANA_E*, which aborts the batch.
 */
typedef int (*store_sign_fn)(void *ctx, const uint8_t *ckpt_body, size_t len,
    struct amana_buf *signed_note);

/*
 * store_open: opens (creating if needed) the store in opts->dir.
 * opts and its strings are borrowed for the call. *out is written on
 * success only; free it with store_close. Checks the schema version, the
 * mode, the origin, that the tree state matches the entries, and that the
 * stored checkpoint matches the tree.
 * Returns 0, AMANA_EINVAL (bad opts, origin or mode mismatch),
 * AMANA_EUNSUPPORTED (other schema version), AMANA_ECORRUPT, AMANA_EFULL,
 * AMANA_ENOMEM, AMANA_EIO. Any thread; once per process per directory.
 */
int	store_open(const struct store_opts *opts, struct store **out)
	    AMANA_WUR;
/* store_close: closes; NULL is fine. No other call may be running. */
void	store_close(struct store *st);

/*
 * store_append: one durable write transaction for items[0..n),
 * 1 <= n <= STORE_BATCH_MAX: per item dedup, record bytes, log entry
 * (kind, now_ms, SHA-256 of the record), tree; then one checkpoint for the
 * new size, signed through sign(sign_ctx, ...), stored; then a synced
 * commit. Only after the commit, results[0..n) (caller-allocated, written
 * by this call) get indexes and receipts. A batch of duplicates only
 * commits nothing and proves inclusion in the current checkpoint.
 * Returns 0 (see each results[i].err), or for the whole batch, with nothing
 * changed: AMANA_EINVAL, AMANA_EFULL (map full), AMANA_ECORRUPT, the sign
 * callback's error, AMANA_ENOMEM, AMANA_EIO. After a batch error the
 * results hold no receipts (still call store_results_free).
 * Writer thread only (one call at a time).
 */
int	store_append(struct store *st, const struct store_item *items,
	    size_t n, uint64_t now_ms, store_sign_fn sign, void *sign_ctx,
	    struct store_result *results) AMANA_WUR;
/* store_results_free: frees the receipts of results[0..n). */
void	store_results_free(struct store_result *results, size_t n);

/*
 * store_purge: store_append of one LOGENTRY_PURGE item for index.
 * result: as for store_append (caller frees with store_results_free).
 * Returns as store_append; result->err AMANA_ENOENT when index has no
 * record bytes (never existed, or already purged with another entry).
 */
int	store_purge(struct store *st, uint64_t index, uint64_t now_ms,
	    store_sign_fn sign, void *sign_ctx, struct store_result *result)
	    AMANA_WUR;

/*
 * store_append_raw: raw-log stores only (opts.raw_log), for the reference
 * logs of the tests: appends leaves[i][0..lens[i]) (1..STORE_RAW_ENTRY_MAX
 * bytes) as log entries, then signs and commits like store_append.
 * Returns 0, AMANA_EINVAL, AMANA_EFULL, the callback's error, AMANA_EIO.
 */
int	store_append_raw(struct store *st, const uint8_t *const *leaves,
	    const size_t *lens, size_t n, store_sign_fn sign, void *sign_ctx)
	    AMANA_WUR;

/* Read side: any thread, concurrently with the writer. Outputs appended to
 * out (caller-owned buffer), written only on success. */

/* store_size: the committed tree size. AMANA_ECORRUPT, AMANA_EIO. */
int	store_size(struct store *st, uint64_t *size) AMANA_WUR;
/* store_checkpoint: the latest signed checkpoint note.
 * AMANA_ENOENT (empty log, never signed), AMANA_ECORRUPT, buffer errors. */
int	store_checkpoint(struct store *st, struct amana_buf *out) AMANA_WUR;
/*
 * store_tile: C2SP tlog-tiles hash tile `level`/`n`, width 1..256 (256:
 * full tile): width * 32 bytes. AMANA_ENOENT if it does not exist at the
 * current size, AMANA_EINVAL, AMANA_ECORRUPT.
 */
int	store_tile(struct store *st, unsigned level, uint64_t n,
	    unsigned width, struct amana_buf *out) AMANA_WUR;
/*
 * store_entries: C2SP entry bundle n of width 1..256: for each entry a
 * uint16 BE length, then the entry. AMANA_ENOENT, AMANA_EINVAL,
 * AMANA_ECORRUPT.
 */
int	store_entries(struct store *st, uint64_t n, unsigned width,
	    struct amana_buf *out) AMANA_WUR;
/*
 * store_envelope: the record bytes of index, checked against its entry.
 * AMANA_ENOENT (no such index, or purged), AMANA_ECORRUPT.
 */
int	store_envelope(struct store *st, uint64_t index, struct amana_buf *out)
	    AMANA_WUR;
/* store_entry: the 41-byte entry of index (normal stores), decoded and
 * checked. AMANA_ENOENT, AMANA_ECORRUPT, AMANA_EINVAL (raw store). */
int	store_entry(struct store *st, uint64_t index,
	    uint8_t out[static STORE_ENTRY_LEN]) AMANA_WUR;

/*
 * Called once per reply of an alert, in order; data[0..len) is valid only
 * during the call. A non-zero return stops the walk and is returned.
 */
typedef int (*store_reply_fn)(void *ctx, uint32_t seq, uint64_t index,
    const uint8_t *data, size_t len);
/* store_replies: walks the (unpurged) replies and acks of alert in order.
 * 0 (also for none), AMANA_ECORRUPT, the callback's error. */
int	store_replies(struct store *st, uint64_t alert, store_reply_fn cb,
	    void *ctx) AMANA_WUR;

/* store_roster_get: the latest roster record for key; *index (may be
 * NULL) its log index. AMANA_ENOENT, AMANA_ECORRUPT. */
int	store_roster_get(struct store *st,
	    const uint8_t key[static STORE_KEY_LEN], struct amana_buf *out,
	    uint64_t *index) AMANA_WUR;
/* Called per roster key in key order; data valid only during the call. */
typedef int (*store_roster_fn)(void *ctx, const uint8_t *key, uint64_t index,
    const uint8_t *data, size_t len);
/* store_roster_each: 0, AMANA_ECORRUPT, the callback's error. */
int	store_roster_each(struct store *st, store_roster_fn cb, void *ctx)
	    AMANA_WUR;

/*
 * store_inclusion_proof: RFC 6962 proof for index in the tree of `size`
 * leaves (index < size <= current size): 32-byte hashes appended to out.
 * store_consistency_proof: from size1 to size2 (size1 <= size2 <= current).
 * store_root: the root hash of the tree at any size <= current.
 * AMANA_EINVAL (sizes), AMANA_ECORRUPT.
 */
int	store_inclusion_proof(struct store *st, uint64_t index, uint64_t size,
	    struct amana_buf *out) AMANA_WUR;
int	store_consistency_proof(struct store *st, uint64_t size1,
	    uint64_t size2, struct amana_buf *out) AMANA_WUR;
int	store_root(struct store *st, uint64_t size,
	    uint8_t out[static STORE_HASH_LEN]) AMANA_WUR;

/* store_lookup: the index of the record whose SHA-256 is hash (any kind).
 * AMANA_ENOENT, AMANA_ECORRUPT. Any thread, while another appends
 * (docs/STORAGE.md, "Dedup in two tiers"). */
int	store_lookup(struct store *st, const uint8_t hash[static STORE_HASH_LEN],
	    uint64_t *index) AMANA_WUR;

/* Space used, for benchmarks and metrics. */
#define STORE_N_DBS	7
struct store_db_stats {
	const char	*name;		/* static string */
	uint64_t	 items;		/* LMDB ms_entries */
	uint64_t	 pages;		/* branch + leaf + overflow pages */
};
struct store_stats {
	uint64_t		page_size;
	uint64_t		pages_used;	/* highest page used + 1 */
	struct store_db_stats	db[STORE_N_DBS];
};
/* store_stats: fills *out. AMANA_EIO. Any thread. */
int	store_stats(struct store *st, struct store_stats *out) AMANA_WUR;

/*
 * store_trim: unmaps the LMDB file pages this process has touched (its
 * RssFile), without changing data or the page cache: madvise
 * MADV_DONTNEED over the map, which is read-only and shared (no
 * MDB_WRITEMAP), so a later read faults the same page back in from the
 * page cache. Reads map file pages for good (and the kernel's fault-around
 * maps up to 64 KiB of cached neighbours with each), so a process that
 * reads a large log grows its VmRSS towards the file size until it trims.
 * Safe while readers and the writer run. Returns 0, AMANA_EINVAL (st
 * NULL) or AMANA_EIO (the map was not found, or madvise failed). Any
 * thread.
 */
int	store_trim(struct store *st) AMANA_WUR;

/* store_receipt: a fresh tlog-proof receipt for index against the latest
 * checkpoint (e.g. for a resubmission). AMANA_ENOENT, AMANA_ECORRUPT. */
int	store_receipt(struct store *st, uint64_t index, struct amana_buf *out)
	    AMANA_WUR;

#endif
