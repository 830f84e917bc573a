/*
 * store: LMDB store and transparency-log producer; see store.h and
 * docs/STORAGE.md.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include <lmdb.h>

#include "amana_codec.h"
#include "amana_cur.h"
#include "amana_file.h"
#include "amana_size.h"
#include "ckpt.h"
#include "keyset.h"
#include "merkle.h"
#include "note.h"
#include "receipt.h"
#include "store.h"
#include "tlog.h"
#include "young.h"

#define DEDUP_PREFIX	4	/* bytes of SHA-256 used as the dedup key */
/* Entries per dedup merge cycle (docs/STORAGE.md, "Dedup in two tiers"). */
#define DEDUP_CYCLE_DEFAULT	32768
#define DEDUP_CYCLE_MAX		(1u << 20)	/* about 50 MiB of memory */
/* A merge moves a cycle's keys into the B-tree in this many steps. */
#define DEDUP_STEPS		64
/* B-tree keys a batch adds to the keyset until it holds them all. */
#define KEYS_SLICE		4096
/* Young candidates a lookup checks outside the lock (more: inside). */
#define DEDUP_CAND_MAX		16
#define REPLY_KEY_LEN	12	/* alert u64 BE || seq u32 BE */
/* A recent row: the dedup keys of up to RECENT_RUN entries in a row. */
#define RECENT_RUN	256
/* Recent rows a batch deletes at most (more than it adds: 16 at most). */
#define RECENT_TRIM	64
/* Normal stores: a log value is the entry, a state byte, the record. */
#define LOG_HDR_LEN	(LOGENTRY_LEN + 1)
#define LOG_PURGED	0	/* record bytes deleted: header only */
#define LOG_PRESENT	1
#define MODE_NORMAL	0
#define MODE_RAW	1

static const char META_SCHEMA[] = "schema";
static const char META_MODE[] = "mode";
static const char META_ORIGIN[] = "origin";
static const char META_TREE[] = "tree";		/* tlog_frontier_encode */
static const char META_CKPT[] = "checkpoint";	/* signed note */
static const char META_DCYCLE[] = "dcycle";	/* u32: entries per cycle */
static const char META_DMERGE[] = "dmerge";	/* u64 lo, u64 merged */

/* store_lookup's read transaction and cursor on dedup. */
struct lookup_rd {
	MDB_txn		*txn;
	MDB_cursor	*cur;
};

struct store {
	MDB_env			*env;
	MDB_dbi			 log, hashes, dedup;
	MDB_dbi			 roster, replies, meta, recent;
	int			 raw;
	char			 origin[CKPT_ORIGIN_MAX + 1];
	/* Writer only: memo of computed tree nodes for receipts. Complete
	 * subtrees never change, so it stays valid. */
	struct tlog_cache_slot	*wcache;
	/* Writer only, STORE_BATCH_MAX each: the leaf hash and the entry of
	 * every item store_append writes, for its receipts. */
	uint8_t			(*bleaf)[TLOG_HASH_LEN];
	uint8_t			(*bent)[LOGENTRY_LEN];
	/* Writer only: its last receipt's proof, and their proof lines. */
	struct tlog_proof_memo	*pmemo;
	struct receipt_memo	*rmemo;
	/* Writer only, STORE_BATCH_MAX: the dedup keys of the entries the
	 * open batch adds, in index order, for its recent rows. */
	uint32_t		*bkey;
	/* The dedup keys of the entries from the merge cycle's start on
	 * (committed, and the writer's open batch), under ylock; young_ok 0:
	 * not in step with the database (a failed batch), rebuilt by the
	 * next store_append, ignored by readers until then. */
	pthread_mutex_t		 ylock;
	struct young		*young;
	int			 young_ok;
	/* Writer only: the young tier's entries from ytrust on came from
	 * this writer's own appends, the ones below it from recent rows on
	 * disk (young_load), which the merge checks against their entries. */
	uint64_t		 ytrust;
	uint32_t		 dcycle;
	/* Writer only: the merge cycle starting at msort_lo, sorted (msort_n
	 * 0: not loaded). */
	struct young_pair	*msort;
	size_t			 msort_n;
	uint64_t		 msort_lo;
	/* Writer only: the young tier's new base once the batch that merged
	 * a cycle has committed (0: none). Pruning earlier would let a reader
	 * miss the cycle: not in its snapshot's B-tree, nor young any more. */
	uint64_t		 prune_to;
	/* The tree size the young tier was last in step with (ylock; the
	 * writer sets it): another process may have appended since. */
	uint64_t		 wsize;
	/*
	 * Dedup keys that may be in the B-tree (keyset.h). Once kok is set, a
	 * lookup whose snapshot's B-tree holds at most kcover keys (lo +
	 * done: the B-tree only grows) skips the B-tree for a key not in the
	 * set. The writer adds each key it merges, and until kok also the
	 * keys the B-tree held, KEYS_SLICE per batch in key order from kscan
	 * on (kscan_on 0: from the first); kok is set, and kcover advanced,
	 * after a commit (release: the bits were set before). Another
	 * process's merges are not in the set: the writer clears kok when it
	 * finds the log grown under it, and starts over.
	 */
	struct keyset		*keys;
	_Atomic int		 kok;
	_Atomic uint64_t	 kcover;
	uint32_t		 kscan;
	int			 kscan_on;
	/* A reset read transaction and its dedup cursor, kept between two
	 * store_lookup calls (see lk_take), or NULL. */
	_Atomic(struct lookup_rd *) lkrd;
	/* The LMDB map and data file (map_find), fixed while the store is
	 * open; map NULL when not found: readers then use the map. */
	uint8_t			*map;
	size_t			 map_len;
	int			 fd;
};

static int	map_advise(struct store *st, int advice);
static void	map_find(struct store *st);
static uint32_t	dkey_of(const uint8_t p[static DEDUP_PREFIX]);
static int	dmerge_get(struct store *st, MDB_txn *txn, uint64_t *lo,
		    uint64_t *done);
static int	dmerge_put(struct store *st, MDB_txn *txn, uint64_t lo,
		    uint64_t done);
static int	young_load(struct store *st, MDB_txn *txn, uint64_t size);
static void	lk_free(struct lookup_rd *l);

/*
 * A reader's log cursor and the leaf pages it mapped (rd_note): keys point
 * into their leaf page, so a reader knows which pages its lookups faulted
 * in, each with the kernel's fault-around window of cached neighbours
 * (64 KiB by default, aligned), and unmaps those windows when it is done
 * (rd_end): its values were copied with pread (val_copy), so without this
 * a random tile read leaves about 3 windows mapped until store_trim.
 */
#define RD_WIN		((uintptr_t)65536)
#define RD_WIN_MAX	8
struct rdpages {
	int		 map;		/* writer: entries read through the map */
	MDB_cursor	*cur;		/* NULL: plain mdb_get, nothing noted */
	uintptr_t	 win[RD_WIN_MAX];
	unsigned	 n;
};

/* A tlog_src over one LMDB transaction; rp NULL or a reader's pages. */
struct txsrc {
	struct store	*st;
	MDB_txn		*txn;
	struct rdpages	*rp;
};

static int
map_err(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case MDB_NOTFOUND:
		return AMANA_ENOENT;
	case MDB_MAP_FULL:
		return AMANA_EFULL;
	case MDB_KEYEXIST:	/* a new key that exists: inconsistent */
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
		return AMANA_ECORRUPT;
	case ENOMEM:
		return AMANA_ENOMEM;
	default:
		return AMANA_EIO;
	}
}

static void
be64(uint8_t out[8], uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

static void
be32(uint8_t out[4], uint32_t v)
{
	out[0] = (uint8_t)(v >> 24);
	out[1] = (uint8_t)(v >> 16);
	out[2] = (uint8_t)(v >> 8);
	out[3] = (uint8_t)v;
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static MDB_val
val(const void *p, size_t len)
{
	MDB_val v;

	v.mv_data = (void *)(uintptr_t)p;
	v.mv_size = len;
	return v;
}

static int
meta_get(struct store *st, MDB_txn *txn, const char *name, MDB_val *out)
{
	MDB_val k = val(name, strlen(name));

	return map_err(mdb_get(txn, st->meta, &k, out));
}

static int
meta_put(struct store *st, MDB_txn *txn, const char *name, const void *p,
    size_t len)
{
	MDB_val k = val(name, strlen(name)), v = val(p, len);

	return map_err(mdb_put(txn, st->meta, &k, &v, 0));
}

static int
read_tree(struct store *st, MDB_txn *txn, struct tlog_frontier *f)
{
	MDB_val v;
	int ret;

	if ((ret = meta_get(st, txn, META_TREE, &v)) == AMANA_ENOENT) {
		tlog_frontier_init(f);
		return 0;
	}
	if (ret != 0)
		return ret;
	if (tlog_frontier_decode(f, v.mv_data, v.mv_size) != 0)
		return AMANA_ECORRUPT;
	return 0;
}

/*
 * Reads the log value of index: *ent gets the entry bytes (checked: length,
 * and for normal stores its decoding into *e, which may be NULL); rec (may
 * be NULL; normal stores only) the record bytes, AMANA_ENOENT if purged.
 */
static int
get_log(struct store *st, MDB_txn *txn, uint64_t index, MDB_val *ent,
    struct logentry *e, MDB_val *rec)
{
	uint8_t kb[8];
	MDB_val k = val(kb, sizeof(kb)), v;
	struct logentry tmp;
	const uint8_t *p;
	int ret;

	be64(kb, index);
	if ((ret = map_err(mdb_get(txn, st->log, &k, &v))) != 0)
		return ret;
	if (st->raw) {
		if (v.mv_size < 1 || v.mv_size > STORE_RAW_ENTRY_MAX)
			return AMANA_ECORRUPT;
		*ent = v;
		return rec != NULL ? AMANA_EINVAL : 0;
	}
	p = v.mv_data;
	if (v.mv_size < LOG_HDR_LEN || p[LOGENTRY_LEN] > LOG_PRESENT ||
	    (p[LOGENTRY_LEN] == LOG_PURGED && v.mv_size != LOG_HDR_LEN) ||
	    logentry_decode(p, LOGENTRY_LEN, e != NULL ? e : &tmp) != 0)
		return AMANA_ECORRUPT;
	*ent = val(p, LOGENTRY_LEN);
	if (rec == NULL)
		return 0;
	if (p[LOGENTRY_LEN] == LOG_PURGED)
		return AMANA_ENOENT;
	*rec = val(p + LOG_HDR_LEN, v.mv_size - LOG_HDR_LEN);
	return 0;
}

/* Reads the entry of index (see get_log). */
static int
get_entry(struct store *st, MDB_txn *txn, uint64_t index, MDB_val *out,
    struct logentry *e)
{
	return get_log(st, txn, index, out, e, NULL);
}

/*
 * Copies len bytes of a value that LMDB returned at p (in a transaction
 * still open) to dst. A value inside the map is read from the data file
 * with pread(2) at its offset in the map: the map is a shared, read-only
 * view of the same page cache (no MDB_WRITEMAP), so these are the same
 * bytes, but the record's pages are not mapped into the process (a
 * 4 KiB record's overflow page would be, with its fault-around window,
 * until store_trim). LMDB finds an overflow value's address without
 * reading it, so only B-tree pages get mapped. A value outside the map (a
 * write transaction's dirty page), or any value when the map was not
 * found, is copied from p. Returns 0, AMANA_ECORRUPT (past the end of the
 * file), AMANA_EIO.
 */
static int
val_copy(struct store *st, uint8_t *dst, const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)st->map;
	size_t off, done = 0;
	ssize_t r;
	unsigned eintr = 0;

	if (st->map == NULL || a < b || a - b > st->map_len ||
	    len > st->map_len - (a - b)) {
		if (len > 0)
			memcpy(dst, p, len);
		return 0;
	}
	off = a - b;	/* off + len <= map_len, which fits off_t */
	while (done < len) {
		r = pread(st->fd, dst + done, len - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR && ++eintr < 64)
			continue;
		if (r < 0)
			return AMANA_EIO;
		if (r == 0 || (size_t)r > len - done)
			return AMANA_ECORRUPT;
		done += (size_t)r;
	}
	return 0;
}

/*
 * Checks a copied log header (entry, state byte) of a normal store's value
 * of vlen bytes, as get_log does; decodes the entry into *e.
 * 0 or AMANA_ECORRUPT.
 */
static int
check_hdr(const uint8_t hdr[static LOG_HDR_LEN], size_t vlen,
    struct logentry *e)
{
	if (vlen < LOG_HDR_LEN || hdr[LOGENTRY_LEN] > LOG_PRESENT ||
	    (hdr[LOGENTRY_LEN] == LOG_PURGED && vlen != LOG_HDR_LEN) ||
	    logentry_decode(hdr, LOGENTRY_LEN, e) != 0)
		return AMANA_ECORRUPT;
	return 0;
}

/* Unmaps the windows noted in rp (best effort: memory, not data). */
static void
rd_release(struct store *st, struct rdpages *rp)
{
	uintptr_t b = (uintptr_t)st->map, w;
	unsigned i;

	for (i = 0; i < rp->n && i < RD_WIN_MAX; i++) {
		w = rp->win[i];
		if (st->map != NULL && w >= b && w - b < st->map_len &&
		    RD_WIN <= st->map_len - (w - b))
			(void)madvise((void *)w, RD_WIN, MADV_DONTNEED);
	}
	rp->n = 0;
}

/* Notes the window of the leaf page holding key (a pointer into the map). */
static void
rd_note(struct store *st, struct rdpages *rp, const void *key)
{
	uintptr_t w = (uintptr_t)key & ~(RD_WIN - 1);
	unsigned i;

	for (i = 0; i < rp->n && i < RD_WIN_MAX; i++)
		if (rp->win[i] == w)
			return;
	if (rp->n >= RD_WIN_MAX)
		rd_release(st, rp);
	rp->win[rp->n++] = w;
}

/*
 * Starts noting a reader's log pages in txn (read-only). Without the map
 * (nothing to copy with pread, values are read through the map anyway)
 * or a cursor, rp->cur stays NULL and lookups use mdb_get.
 */
static void
rd_start(struct store *st, MDB_txn *txn, struct rdpages *rp)
{
	memset(rp, 0, sizeof(*rp));
	if (st->map == NULL || st->raw ||
	    mdb_cursor_open(txn, st->log, &rp->cur) != 0)
		rp->cur = NULL;
}

/* Closes rp's cursor and unmaps the windows it noted. */
static void
rd_end(struct store *st, struct rdpages *rp)
{
	mdb_cursor_close(rp->cur);	/* NULL is fine */
	rp->cur = NULL;
	rd_release(st, rp);
}

/*
 * get_log for readers of normal stores: the entry and state byte are
 * copied out of the map (val_copy) into hdr and checked as get_log
 * checks them. rp: NULL, or the reader's pages (rd_start; its cursor is
 * used and the leaf page noted). *e (may be NULL): the decoded entry. *v
 * (may be NULL): the value as LMDB returned it, whose bytes are read with
 * val_copy. Returns 0, AMANA_ENOENT (no such index), AMANA_ECORRUPT,
 * AMANA_EINVAL (raw store), AMANA_EIO.
 */
static int
get_hdr(struct store *st, MDB_txn *txn, struct rdpages *rp, uint64_t index,
    uint8_t hdr[static LOG_HDR_LEN], struct logentry *e, MDB_val *v)
{
	uint8_t kb[8];
	MDB_val k = val(kb, sizeof(kb)), lv;
	struct logentry tmp;
	int ret;

	if (st->raw)
		return AMANA_EINVAL;
	be64(kb, index);
	if (rp != NULL && rp->cur != NULL) {
		if ((ret = map_err(mdb_cursor_get(rp->cur, &k, &lv,
		    MDB_SET_KEY))) != 0)
			return ret;
		rd_note(st, rp, k.mv_data);
	} else if ((ret = map_err(mdb_get(txn, st->log, &k, &lv))) != 0)
		return ret;
	if (lv.mv_size < LOG_HDR_LEN)
		return AMANA_ECORRUPT;
	if ((ret = val_copy(st, hdr, lv.mv_data, LOG_HDR_LEN)) != 0)
		return ret;
	if ((ret = check_hdr(hdr, lv.mv_size, e != NULL ? e : &tmp)) != 0)
		return ret;
	if (v != NULL)
		*v = lv;
	return 0;
}

/*
 * The entry of index for readers: normal stores copy it into buf
 * (get_hdr); raw-log stores (test logs) and the writer's receipts (rp->map:
 * pages it touched are trimmed soon, and the map is faster there) point
 * into the map (get_entry). *p, *len: the entry, valid while buf and txn
 * live. Errors as get_hdr.
 */
static int
read_entry(struct store *st, MDB_txn *txn, struct rdpages *rp,
    uint64_t index, uint8_t buf[static LOG_HDR_LEN], const uint8_t **p,
    size_t *len)
{
	MDB_val v;
	int ret;

	if (st->raw || (rp != NULL && rp->map)) {
		if ((ret = get_entry(st, txn, index, &v, NULL)) != 0)
			return ret;
		*p = v.mv_data;
		*len = v.mv_size;
		return 0;
	}
	if ((ret = get_hdr(st, txn, rp, index, buf, NULL, NULL)) != 0)
		return ret;
	*p = buf;
	*len = LOGENTRY_LEN;
	return 0;
}

/*
 * Stored tree nodes (levels 4, 8, ... 60) are keyed by the leaf count at
 * their right edge, (index + 1) << level, a multiple of 16, with level / 4
 * in the low four bits: nodes are written in increasing key order.
 */
static int
node_key(uint8_t kb[8], unsigned level, uint64_t index)
{
	if (level == 0 || level % TLOG_STRIDE != 0 || level > 60 ||
	    index >= (TLOG_SIZE_MAX >> level))
		return AMANA_EINVAL;
	be64(kb, (index + 1) << level | level / TLOG_STRIDE);
	return 0;
}

static int
txsrc_get(void *ctx, unsigned level, uint64_t index,
    uint8_t out[static TLOG_HASH_LEN])
{
	struct txsrc *s = ctx;
	uint8_t kb[8], ent[LOG_HDR_LEN];
	MDB_val k = val(kb, sizeof(kb)), v;
	const uint8_t *ep;
	size_t elen;
	int ret;

	if (level == 0) {
		if ((ret = read_entry(s->st, s->txn, s->rp, index, ent, &ep,
		    &elen)) != 0)
			return ret == AMANA_ENOENT ? AMANA_ECORRUPT : ret;
		merkle_leaf_hash(out, ep, elen);
		return 0;
	}
	if ((ret = node_key(kb, level, index)) != 0)
		return ret;
	if ((ret = map_err(mdb_get(s->txn, s->st->hashes, &k, &v))) != 0)
		return ret == AMANA_ENOENT ? AMANA_ECORRUPT : ret;
	if (v.mv_size != TLOG_HASH_LEN)
		return AMANA_ECORRUPT;
	memcpy(out, v.mv_data, TLOG_HASH_LEN);
	return 0;
}

static int
emit_node(void *ctx, unsigned level, uint64_t index,
    const uint8_t hash[static TLOG_HASH_LEN])
{
	struct txsrc *s = ctx;
	uint8_t kb[8];
	MDB_val k = val(kb, sizeof(kb)), v = val(hash, TLOG_HASH_LEN);

	if (node_key(kb, level, index) != 0)
		return AMANA_ERANGE;
	/* Keys only grow: LMDB fills pages completely. */
	return map_err(mdb_put(s->txn, s->st->hashes, &k, &v, MDB_APPEND));
}

static int
rd_begin(struct store *st, MDB_txn **txn)
{
	return map_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn));
}

/* Tree size and (optionally) root of the committed tree in txn. */
static int
tree_size(struct store *st, MDB_txn *txn, uint64_t *size)
{
	struct tlog_frontier f;
	int ret;

	if ((ret = read_tree(st, txn, &f)) != 0)
		return ret;
	*size = f.size;
	return 0;
}

/* Checks that the stored signed checkpoint is for the tree in f. */
static int
check_ckpt(struct store *st, const MDB_val *v, const struct tlog_frontier *f)
{
	struct note_view nv;
	struct ckpt c;
	uint8_t root[TLOG_HASH_LEN];

	if (v->mv_size > STORE_CKPT_MAX ||
	    note_open(v->mv_data, v->mv_size, &nv) != 0 ||
	    ckpt_parse(nv.text, nv.text_len, &c) != 0)
		return AMANA_ECORRUPT;
	tlog_frontier_root(f, root);
	if (c.size != f->size || memcmp(c.root, root, sizeof(root)) != 0 ||
	    strcmp(c.origin, st->origin) != 0)
		return AMANA_ECORRUPT;
	return 0;
}

/* An existing store's schema version: this one, 2 or 3 (upgraded at open):
 * 0, AMANA_EUNSUPPORTED, AMANA_ECORRUPT. */
static int
check_schema(struct store *st, MDB_txn *txn, unsigned *version)
{
	static const uint8_t schema[3] = { 0, 0, 0 };
	const uint8_t *p;
	MDB_val v;
	int ret;

	if ((ret = meta_get(st, txn, META_SCHEMA, &v)) != 0)
		return ret == AMANA_ENOENT ? AMANA_ECORRUPT : ret;
	if (v.mv_size != 4)
		return AMANA_ECORRUPT;
	p = v.mv_data;
	if (memcmp(p, schema, 3) != 0 || p[3] < 2 ||
	    p[3] > STORE_SCHEMA_VERSION)
		return AMANA_EUNSUPPORTED;
	*version = p[3];
	return 0;
}

/*
 * The dedup cycle and merge state of txn (checked against the tree's
 * size), or for a new store (or one of schema 2, whose B-tree holds every
 * key: the first cycle starts at its size) the cycle asked for, written
 * with an empty merge state. Schema 3 wrote a recent row per entry, which
 * schema 4 reads as rows of one key: only its version number changes.
 */
static int
init_dedup(struct store *st, MDB_txn *txn, unsigned version, uint32_t ask,
    uint64_t size)
{
	uint8_t b[4];
	uint64_t lo, done;
	MDB_val v;
	int ret;

	if (version >= 3) {
		if ((ret = meta_get(st, txn, META_DCYCLE, &v)) != 0)
			return ret == AMANA_ENOENT ? AMANA_ECORRUPT : ret;
		if (v.mv_size != 4)
			return AMANA_ECORRUPT;
		st->dcycle = dkey_of(v.mv_data);
		if (st->dcycle == 0 || st->dcycle > DEDUP_CYCLE_MAX)
			return AMANA_ECORRUPT;
		if ((ret = dmerge_get(st, txn, &lo, &done)) != 0)
			return ret;
		/* Raw-log stores never merge (young_load checks the rest). */
		if (lo > size)
			return AMANA_ECORRUPT;
		if (version == STORE_SCHEMA_VERSION)
			return 0;
		b[0] = b[1] = b[2] = 0;
		b[3] = STORE_SCHEMA_VERSION;
		return meta_put(st, txn, META_SCHEMA, b, 4);
	}
	st->dcycle = ask != 0 ? ask : DEDUP_CYCLE_DEFAULT;
	if (st->dcycle > DEDUP_CYCLE_MAX)
		return AMANA_EINVAL;
	be32(b, st->dcycle);
	if ((ret = meta_put(st, txn, META_DCYCLE, b, 4)) != 0 ||
	    (ret = dmerge_put(st, txn, size, 0)) != 0)
		return ret;
	b[0] = b[1] = b[2] = 0;
	b[3] = STORE_SCHEMA_VERSION;
	return meta_put(st, txn, META_SCHEMA, b, 4);
}

static int
init_meta(struct store *st, MDB_txn *txn, int created, uint32_t dcycle)
{
	uint8_t schema[4] = { 0, 0, 0, STORE_SCHEMA_VERSION };
	uint8_t mode = st->raw ? MODE_RAW : MODE_NORMAL;
	struct tlog_frontier f;
	uint8_t kb[8];
	MDB_cursor *cur = NULL;
	MDB_val v, k;
	unsigned version;
	int ret, rc;

	if ((ret = meta_get(st, txn, META_SCHEMA, &v)) == AMANA_ENOENT) {
		if (!created)
			return AMANA_ECORRUPT;
		if ((ret = meta_put(st, txn, META_SCHEMA, schema, 4)) != 0 ||
		    (ret = meta_put(st, txn, META_MODE, &mode, 1)) != 0 ||
		    (ret = meta_put(st, txn, META_ORIGIN, st->origin,
		    strlen(st->origin))) != 0)
			return ret;
		return init_dedup(st, txn, 0, dcycle, 0);
	}
	if (ret != 0 || (ret = check_schema(st, txn, &version)) != 0)
		return ret;
	if ((ret = meta_get(st, txn, META_MODE, &v)) != 0)
		return ret == AMANA_ENOENT ? AMANA_ECORRUPT : ret;
	if (v.mv_size != 1 || ((uint8_t *)v.mv_data)[0] > MODE_RAW)
		return AMANA_ECORRUPT;
	if (((uint8_t *)v.mv_data)[0] != mode)
		return AMANA_EINVAL;
	if ((ret = meta_get(st, txn, META_ORIGIN, &v)) != 0)
		return ret == AMANA_ENOENT ? AMANA_ECORRUPT : ret;
	if (v.mv_size != strlen(st->origin) ||
	    memcmp(v.mv_data, st->origin, v.mv_size) != 0)
		return AMANA_EINVAL;
	/* The tree state must match the entries and the checkpoint. */
	if ((ret = read_tree(st, txn, &f)) != 0)
		return ret;
	if ((ret = map_err(mdb_cursor_open(txn, st->log, &cur))) != 0)
		return ret;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND) {
		if (f.size != 0)
			return AMANA_ECORRUPT;
	} else if (rc != 0) {
		return map_err(rc);
	} else {
		be64(kb, f.size - 1);
		if (f.size == 0 || k.mv_size != 8 ||
		    memcmp(k.mv_data, kb, 8) != 0)
			return AMANA_ECORRUPT;
	}
	if ((ret = meta_get(st, txn, META_CKPT, &v)) == AMANA_ENOENT) {
		if (f.size != 0)
			return AMANA_ECORRUPT;
	} else if (ret != 0 || (ret = check_ckpt(st, &v, &f)) != 0) {
		return ret;
	}
	return init_dedup(st, txn, version, dcycle, f.size);
}

int
store_open(const struct store_opts *opts, struct store **out)
{
	struct store *st = NULL;
	MDB_txn *txn = NULL;
	size_t olen;
	int ret = AMANA_EINVAL, dead, created = 1;
	unsigned i, version = STORE_SCHEMA_VERSION;
	struct {
		const char	*name;
		MDB_dbi		*dbi;
		unsigned	 flags;
	} dbs[STORE_N_DBS];

	if (opts == NULL || opts->dir == NULL || opts->origin == NULL)
		return AMANA_EINVAL;
	olen = strlen(opts->origin);
	if (olen == 0 || olen > CKPT_ORIGIN_MAX ||
	    note_name_valid((const uint8_t *)opts->origin, olen) != 0)
		return AMANA_EINVAL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return AMANA_ENOMEM;
	atomic_init(&st->lkrd, NULL);
	atomic_init(&st->kok, 0);
	atomic_init(&st->kcover, 0);
	if (pthread_mutex_init(&st->ylock, NULL) != 0) {
		free(st);
		return AMANA_ENOMEM;
	}
	memcpy(st->origin, opts->origin, olen + 1);
	st->raw = opts->raw_log != 0;
	ret = AMANA_ENOMEM;
	if ((st->wcache = calloc(TLOG_CACHE_SLOTS, sizeof(*st->wcache))) ==
	    NULL || (st->bleaf = calloc(STORE_BATCH_MAX,
	    sizeof(*st->bleaf))) == NULL || (st->bent = calloc(STORE_BATCH_MAX,
	    sizeof(*st->bent))) == NULL || (st->bkey = calloc(STORE_BATCH_MAX,
	    sizeof(*st->bkey))) == NULL || (st->rmemo = calloc(1,
	    sizeof(*st->rmemo))) == NULL || (st->pmemo = calloc(1,
	    sizeof(*st->pmemo))) == NULL)
		goto out;
	if ((ret = amana_file_mkdirs(opts->dir, 0700)) != 0)
		goto out;
	if ((ret = map_err(mdb_env_create(&st->env))) != 0)
		goto out;
	if ((ret = map_err(mdb_env_set_maxdbs(st->env, 8))) != 0 ||
	    (ret = map_err(mdb_env_set_mapsize(st->env, opts->map_size ?
	    opts->map_size : STORE_MAP_SIZE_DEFAULT))) != 0)
		goto out;
	/*
	 * Durable: no MDB_NOSYNC / MDB_NOMETASYNC / MDB_WRITEMAP.
	 * MDB_NORDAHEAD: random reads of old records must not pull the
	 * neighbouring file pages into the relay's resident set.
	 */
	if ((ret = map_err(mdb_env_open(st->env, opts->dir,
	    MDB_NOTLS | MDB_NORDAHEAD, 0600))) != 0)
		goto out;
	(void)mdb_reader_check(st->env, &dead);	/* readers of dead pids */
	if ((ret = map_err(mdb_txn_begin(st->env, NULL, 0, &txn))) != 0)
		goto out;
	dbs[0].name = "meta", dbs[0].dbi = &st->meta, dbs[0].flags = 0;
	dbs[1].name = "log", dbs[1].dbi = &st->log, dbs[1].flags = 0;
	dbs[2].name = "hashes", dbs[2].dbi = &st->hashes, dbs[2].flags = 0;
	dbs[3].name = "dedup", dbs[3].dbi = &st->dedup;
	dbs[3].flags = MDB_DUPSORT | MDB_DUPFIXED;
	dbs[4].name = "roster", dbs[4].dbi = &st->roster, dbs[4].flags = 0;
	dbs[5].name = "replies", dbs[5].dbi = &st->replies, dbs[5].flags = 0;
	dbs[6].name = "recent", dbs[6].dbi = &st->recent, dbs[6].flags = 0;
	for (i = 0; i < STORE_N_DBS; i++) {
		int rc = mdb_dbi_open(txn, dbs[i].name, dbs[i].flags,
		    dbs[i].dbi);

		if (rc == MDB_NOTFOUND) {
			if (i == 0)
				created = 1;
			else if (!created && !(i == 6 && version == 2)) {
				ret = AMANA_ECORRUPT;
				goto out;
			}
			rc = mdb_dbi_open(txn, dbs[i].name,
			    dbs[i].flags | MDB_CREATE, dbs[i].dbi);
		} else if (i == 0)
			created = 0;
		if ((ret = map_err(rc)) != 0) {
			if (rc == MDB_INCOMPATIBLE)
				ret = AMANA_ECORRUPT;
			goto out;
		}
		/* Other schema versions have other databases: refuse first. */
		if (i == 0 && !created &&
		    (ret = check_schema(st, txn, &version)) != 0)
			goto out;
	}
	if ((ret = init_meta(st, txn, created, opts->dedup_cycle)) != 0)
		goto out;
	if (!st->raw) {
		uint64_t size;

		if ((ret = young_new(2 * (size_t)st->dcycle + STORE_BATCH_MAX,
		    &st->young)) != 0 || (ret = keyset_new(&st->keys)) != 0 ||
		    (ret = tree_size(st, txn, &size)) != 0 ||
		    (ret = young_load(st, txn, size)) != 0)
			goto out;
	}
	ret = map_err(mdb_txn_commit(txn));
	txn = NULL;
	if (ret != 0)
		goto out;
	/*
	 * Page cache folios of the file may be 2 MiB (written in long runs);
	 * a read fault would then map the whole folio (one PMD) into the
	 * process for one 4 KiB page. Best effort: only memory is at stake.
	 */
	map_find(st);
	(void)map_advise(st, MADV_NOHUGEPAGE);
	*out = st;
	st = NULL;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	store_close(st);
	return ret;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	lk_free(atomic_exchange(&st->lkrd, NULL));
	if (st->env != NULL)
		mdb_env_close(st->env);
	free(st->wcache);
	free(st->bleaf);
	free(st->bent);
	free(st->bkey);
	free(st->rmemo);
	free(st->pmemo);
	free(st->msort);
	young_free(st->young);
	keyset_free(st->keys);
	pthread_mutex_destroy(&st->ylock);
	free(st);
}

void
store_results_free(struct store_result *results, size_t n)
{
	size_t i;

	if (results == NULL)
		return;
	for (i = 0; i < n; i++)
		amana_buf_free(&results[i].receipt);
}

static uint32_t
dkey_of(const uint8_t p[static DEDUP_PREFIX])
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Whether the entry of index, in txn, holds hash (and kind, unless kind
 * is negative): 0 yes, AMANA_ENOENT no, AMANA_ECORRUPT when index has no
 * entry. */
static int
dedup_check(struct store *st, MDB_txn *txn, uint64_t index,
    const uint8_t hash[32], int kind)
{
	MDB_val ev;
	struct logentry e;
	int ret;

	if ((ret = get_entry(st, txn, index, &ev, &e)) != 0)
		return ret == AMANA_ENOENT ? AMANA_ECORRUPT : ret;
	if (kind >= 0 && e.kind != kind)
		return AMANA_ENOENT;
	return memcmp(e.hash, hash, 32) == 0 ? 0 : AMANA_ENOENT;
}

/*
 * Finds the index of the record with SHA-256 hash (and kind, unless
 * negative), in txn, whose tree has size entries and whose dedup B-tree
 * bkeys keys: in the young tier (in memory; indices from size on are
 * another transaction's), then in the dedup B-tree unless the keyset
 * rules it out. The candidates are checked outside the young tier's lock
 * (the check reads the log), unless a key has more than DEDUP_CAND_MAX.
 * dcur: NULL, or a cursor on the dedup B-tree in txn to use (a batch's).
 */
static int
dedup_find(struct store *st, MDB_txn *txn, MDB_cursor *dcur,
    const uint8_t hash[32], int kind, uint64_t size, uint64_t bkeys,
    uint64_t *index)
{
	MDB_cursor *cur = dcur;
	MDB_val k = val(hash, DEDUP_PREFIX), v;
	uint64_t idx = 0, cand[DEDUP_CAND_MAX];
	size_t pos = 0, n = 0, i;
	int rc, ret = AMANA_ENOENT, more = 0;

	pthread_mutex_lock(&st->ylock);
	if (st->young_ok)
		while (!more && young_next(st->young, dkey_of(hash), &pos,
		    &idx))
			if (idx < size) {
				if (n < DEDUP_CAND_MAX)
					cand[n++] = idx;
				else
					more = 1;
			}
	pthread_mutex_unlock(&st->ylock);
	for (i = 0; i < n && ret == AMANA_ENOENT; i++)
		if ((ret = dedup_check(st, txn, cand[i], hash, kind)) == 0)
			idx = cand[i];
	if (ret == AMANA_ENOENT && more) {	/* a ground collision */
		pos = 0;
		pthread_mutex_lock(&st->ylock);
		while (ret == AMANA_ENOENT &&
		    young_next(st->young, dkey_of(hash), &pos, &idx))
			if (idx < size)
				ret = dedup_check(st, txn, idx, hash, kind);
		pthread_mutex_unlock(&st->ylock);
	}
	if (ret != AMANA_ENOENT)
		goto found;
	if (atomic_load_explicit(&st->kok, memory_order_acquire) &&
	    bkeys <= atomic_load_explicit(&st->kcover, memory_order_acquire) &&
	    !keyset_maybe(st->keys, dkey_of(hash)))
		return AMANA_ENOENT;
	if (cur == NULL &&
	    (ret = map_err(mdb_cursor_open(txn, st->dedup, &cur))) != 0)
		return ret;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	ret = AMANA_ENOENT;
	while (rc == 0 && ret == AMANA_ENOENT) {
		if (v.mv_size != 8) {
			ret = AMANA_ECORRUPT;
			break;
		}
		idx = get_be64(v.mv_data);
		if ((ret = dedup_check(st, txn, idx, hash, kind)) ==
		    AMANA_ENOENT)
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		ret = map_err(rc);
	if (cur != dcur)
		mdb_cursor_close(cur);
found:
	if (ret == 0)
		*index = idx;
	return ret;
}

/* The first index and the key count of a recent row (key: first index u64
 * BE; value: 1 .. RECENT_RUN dedup keys, u32 BE each). */
static int
recent_row(const MDB_val *k, const MDB_val *v, uint64_t *first, size_t *n)
{
	if (k->mv_size != 8 || v->mv_size == 0 ||
	    v->mv_size > RECENT_RUN * DEDUP_PREFIX ||
	    v->mv_size % DEDUP_PREFIX != 0)
		return AMANA_ECORRUPT;
	*first = get_be64(k->mv_data);
	*n = v->mv_size / DEDUP_PREFIX;
	return *first <= TLOG_SIZE_MAX ? 0 : AMANA_ECORRUPT;
}

/* Puts cur on the last recent row starting at or below index, or on the
 * first row when there is none; an LMDB code (MDB_NOTFOUND: no rows). */
static int
recent_seek(MDB_cursor *cur, uint64_t index, MDB_val *k, MDB_val *v)
{
	uint8_t kb[8];
	int rc;

	be64(kb, index);
	*k = val(kb, sizeof(kb));
	rc = mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
	if (rc == 0 && (k->mv_size != 8 || get_be64(k->mv_data) == index))
		return 0;
	if (rc == 0 || rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, k, v, rc == 0 ? MDB_PREV : MDB_LAST);
	if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, k, v, MDB_FIRST);
	return rc;
}

/*
 * Finds the record with SHA-256 hash among the entries [from, size) of
 * txn, through their recent rows (each candidate checked against its
 * entry).
 */
static int
recent_find(struct store *st, MDB_txn *txn, const uint8_t hash[32],
    uint64_t from, uint64_t size, uint64_t *index)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uint64_t first;
	size_t n, j;
	int rc, ret;

	if ((ret = map_err(mdb_cursor_open(txn, st->recent, &cur))) != 0)
		return ret;
	ret = AMANA_ENOENT;
	for (rc = recent_seek(cur, from, &k, &v);
	    rc == 0 && ret == AMANA_ENOENT;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if ((ret = recent_row(&k, &v, &first, &n)) != 0)
			break;
		ret = AMANA_ENOENT;
		if (first >= size)
			break;
		for (j = 0; j < n && ret == AMANA_ENOENT; j++)
			if (first + j >= from && first + j < size &&
			    memcmp((const uint8_t *)v.mv_data + j *
			    DEDUP_PREFIX, hash, DEDUP_PREFIX) == 0 &&
			    (ret = dedup_check(st, txn, first + j, hash,
			    -1)) == 0)
				*index = first + j;
	}
	if (ret == AMANA_ENOENT && rc != 0 && rc != MDB_NOTFOUND)
		ret = map_err(rc);
	mdb_cursor_close(cur);
	return ret;
}

/* The dedup merge state committed in txn: the merge cycle starts at *lo,
 * its first *done keys (in dedup order) are in the B-tree. */
static int
dmerge_get(struct store *st, MDB_txn *txn, uint64_t *lo, uint64_t *done)
{
	MDB_val v;
	int ret;

	if ((ret = meta_get(st, txn, META_DMERGE, &v)) != 0)
		return ret == AMANA_ENOENT ? AMANA_ECORRUPT : ret;
	if (v.mv_size != 16)
		return AMANA_ECORRUPT;
	*lo = get_be64(v.mv_data);
	*done = get_be64((const uint8_t *)v.mv_data + 8);
	return *done < st->dcycle ? 0 : AMANA_ECORRUPT;
}

/* Keys a merge step moves at least (but the cycle's last step). */
static uint64_t
dmerge_step(const struct store *st)
{
	return st->dcycle >= DEDUP_STEPS ? st->dcycle / DEDUP_STEPS : 1;
}

/*
 * The merge state of txn against its tree of size entries, exactly as
 * every normal batch leaves it: the merge cycle started at most two cycles
 * ago, the part of it merged is what the next cycle's entries called for
 * but less than a step, and the B-tree holds one key per index below lo
 * plus those merged.
 */
static int
dmerge_check(struct store *st, MDB_txn *txn, uint64_t size, uint64_t lo,
    uint64_t done)
{
	MDB_stat ms;
	uint64_t want;
	int ret;

	if (lo > size || size - lo >= 2 * (uint64_t)st->dcycle)
		return AMANA_ECORRUPT;
	want = size - lo >= st->dcycle ? size - lo - st->dcycle : 0;
	if (done > want || want - done >= dmerge_step(st))
		return AMANA_ECORRUPT;
	if ((ret = map_err(mdb_stat(txn, st->dedup, &ms))) != 0)
		return ret;
	return ms.ms_entries == lo + done ? 0 : AMANA_ECORRUPT;
}

static int
dmerge_put(struct store *st, MDB_txn *txn, uint64_t lo, uint64_t done)
{
	uint8_t b[16];

	be64(b, lo);
	be64(b + 8, done);
	return meta_put(st, txn, META_DMERGE, b, sizeof(b));
}

/* A batch that wrote from index before on did not commit: its young
 * entries go (readers never took them: they are past every snapshot), and
 * the writer's sorted cycle, which may hold its rows, is reloaded, and
 * the receipts' memos, which may hold nodes of its leaves, cleared. */
static void
young_undo(struct store *st, uint64_t before)
{
	pthread_mutex_lock(&st->ylock);
	young_truncate(st->young, before);
	pthread_mutex_unlock(&st->ylock);
	st->msort_n = 0;
	st->prune_to = 0;
	memset(st->wcache, 0, TLOG_CACHE_SLOTS * sizeof(*st->wcache));
	st->pmemo->n = 0;
}

/*
 * Rebuilds the young tier from the recent rows of txn, whose tree has size
 * entries: rows that follow each other without a gap from one holding the
 * merge cycle's start lo (or from lo itself) to size, and a merge state as
 * batches leave it (dmerge_check). Rows wholly below lo wait to be trimmed.
 */
static int
young_load(struct store *st, MDB_txn *txn, uint64_t size)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	const uint8_t *kp;
	uint64_t lo, done, next = UINT64_MAX, first;
	size_t n, j;
	int rc, ret;

	st->msort_n = 0;
	st->prune_to = 0;
	if ((ret = dmerge_get(st, txn, &lo, &done)) != 0 ||
	    (ret = dmerge_check(st, txn, size, lo, done)) != 0)
		return ret;
	if ((ret = map_err(mdb_cursor_open(txn, st->recent, &cur))) != 0)
		return ret;
	pthread_mutex_lock(&st->ylock);
	young_reset(st->young, lo);
	for (rc = recent_seek(cur, lo, &k, &v); rc == 0 && ret == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if ((ret = recent_row(&k, &v, &first, &n)) != 0)
			break;
		if (first != (next == UINT64_MAX ? (first <= lo ? first :
		    lo) : next) || first + n > size) {
			ret = AMANA_ECORRUPT;	/* a gap, or past the tree */
			break;
		}
		kp = v.mv_data;
		for (j = 0; j < n && ret == 0; j++)
			if (first + j >= lo && young_add(st->young,
			    dkey_of(kp + j * DEDUP_PREFIX), first + j) != 0)
				ret = AMANA_ECORRUPT;
		next = first + n;
	}
	if (ret == 0 && rc != MDB_NOTFOUND)
		ret = map_err(rc);
	/* Rows end at size (none needed from lo on when lo == size). */
	if (ret == 0 && (next == UINT64_MAX || next < lo ? lo : next) != size)
		ret = AMANA_ECORRUPT;
	st->young_ok = ret == 0;
	if (ret == 0)
		st->wsize = st->ytrust = size;
	pthread_mutex_unlock(&st->ylock);
	mdb_cursor_close(cur);
	return ret;
}

static int
dkey_cmp(const void *a, const void *b)
{
	const struct young_pair *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Loads the merge cycle [lo, lo + dcycle) in dedup order from the young
 * tier (which holds every entry from the cycle's start on). Keys enter
 * the B-tree for good: those that came from disk (below ytrust) must be
 * their entries'; the writer's own came from the hashes it logged.
 */
static int
msort_load(struct store *st, MDB_txn *txn, uint64_t lo)
{
	MDB_val ev;
	struct logentry e;
	size_t n = 0, i;
	int ret;

	if (st->msort_n == st->dcycle && st->msort_lo == lo)
		return 0;
	st->msort_n = 0;
	if (st->msort == NULL && (st->msort = calloc(st->dcycle,
	    sizeof(*st->msort))) == NULL)
		return AMANA_ENOMEM;
	pthread_mutex_lock(&st->ylock);
	ret = young_collect(st->young, lo, lo + st->dcycle, st->msort,
	    st->dcycle, &n);
	pthread_mutex_unlock(&st->ylock);
	if (ret != 0 || n != st->dcycle)
		return AMANA_ECORRUPT;
	for (i = 0; i < n; i++) {
		if (st->msort[i].index >= st->ytrust)
			continue;
		if ((ret = get_entry(st, txn, st->msort[i].index, &ev,
		    &e)) != 0 || dkey_of(e.hash) != st->msort[i].key)
			return AMANA_ECORRUPT;
	}
	qsort(st->msort, n, sizeof(*st->msort), dkey_cmp);
	st->msort_lo = lo;
	st->msort_n = n;
	return 0;
}

/*
 * After a batch, in its txn (tree of size entries): moves the dedup keys
 * of the merge cycle into the B-tree in key order, as many as the cycle
 * after it holds entries (so a cycle is merged when the next one is full,
 * and keys that sit close together go in together), once they make a step
 * (dmerge_step: a step copies its B-tree path once, not once per batch);
 * then deletes a few recent rows of cycles already merged. lo, done: the
 * merge state the batch began with (dmerge_get); *bkeys: the B-tree's keys
 * after it.
 */
static int
dedup_merge(struct store *st, MDB_txn *txn, uint64_t size, uint64_t lo,
    uint64_t done, uint64_t *bkeys)
{
	MDB_cursor *cur = NULL;
	uint8_t kb[4], ib[8];
	MDB_val k, v;
	uint64_t lo0 = lo, done0 = done, target, i, first;
	size_t n;
	int rc, ret;

	while (size >= lo && size - lo >= st->dcycle) {
		target = size - lo - st->dcycle;
		if (target > st->dcycle)
			target = st->dcycle;
		if (done > target)
			return AMANA_ECORRUPT;
		if (target < st->dcycle && target - done < dmerge_step(st))
			break;
		if ((ret = msort_load(st, txn, lo)) != 0)
			return ret;
		for (i = done; i < target; i++) {
			be32(kb, st->msort[i].key);
			be64(ib, st->msort[i].index);
			k = val(kb, sizeof(kb));
			v = val(ib, sizeof(ib));
			if ((ret = map_err(mdb_put(txn, st->dedup, &k, &v,
			    0))) != 0)
				return ret;
			keyset_add(st->keys, st->msort[i].key);
		}
		done = target;
		if (done < st->dcycle)
			break;
		lo += st->dcycle;
		done = 0;
		st->msort_n = 0;
		st->prune_to = lo;	/* after the commit: see struct store */
	}
	/* Recent rows wholly below lo: a few per batch, only once a cycle is
	 * merged (a batch mostly leaves the first page alone). */
	if ((ret = map_err(mdb_cursor_open(txn, st->recent, &cur))) != 0)
		return ret;
	for (i = 0; i < RECENT_TRIM; i++) {
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		if (rc == MDB_NOTFOUND)
			break;
		if ((ret = map_err(rc)) != 0 ||
		    (ret = recent_row(&k, &v, &first, &n)) != 0)
			break;
		if (first + n > lo)
			break;
		if ((ret = map_err(mdb_cursor_del(cur, 0))) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (ret == 0 && (lo != lo0 || done != done0))
		ret = dmerge_put(st, txn, lo, done);
	*bkeys = lo + done;
	return ret;
}

/*
 * Until the keyset holds the dedup B-tree's keys (kok), adds KEYS_SLICE
 * more of them, in key order from where the last batch stopped, in the
 * writer's txn; *all set once the last key is in.
 */
static int
keys_scan(struct store *st, MDB_txn *txn, int *all)
{
	MDB_cursor *cur = NULL;
	uint8_t kb[DEDUP_PREFIX];
	MDB_val k = val(kb, sizeof(kb)), v;
	size_t i;
	int rc, ret;

	*all = 0;
	if ((ret = map_err(mdb_cursor_open(txn, st->dedup, &cur))) != 0)
		return ret;
	be32(kb, st->kscan);
	rc = mdb_cursor_get(cur, &k, &v, st->kscan_on ? MDB_SET_RANGE :
	    MDB_FIRST);
	for (i = 0; rc == 0 && i < KEYS_SLICE; i++) {
		if (k.mv_size != DEDUP_PREFIX) {
			ret = AMANA_ECORRUPT;
			break;
		}
		st->kscan = dkey_of(k.mv_data);
		st->kscan_on = 1;
		keyset_add(st->keys, st->kscan);
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP);
	}
	if (ret == 0 && rc == MDB_NOTFOUND)
		*all = 1;
	else if (ret == 0 && rc != 0)
		ret = map_err(rc);
	mdb_cursor_close(cur);
	return ret;
}

/* The recent rows of the batch that wrote the entries [from, size), in
 * its txn: their dedup keys (st->bkey), RECENT_RUN to a row. */
static int
recent_put(struct store *st, MDB_txn *txn, uint64_t from, uint64_t size)
{
	uint8_t kb[8], *p;
	MDB_val k, v;
	uint64_t i, j, n;
	int ret;

	for (i = from; i < size; i += n) {
		n = size - i < RECENT_RUN ? size - i : RECENT_RUN;
		be64(kb, i);
		k = val(kb, sizeof(kb));
		v.mv_size = n * DEDUP_PREFIX;
		v.mv_data = NULL;
		if ((ret = map_err(mdb_put(txn, st->recent, &k, &v,
		    MDB_APPEND | MDB_RESERVE))) != 0)
			return ret;
		p = v.mv_data;
		for (j = 0; j < n; j++)
			be32(p + j * DEDUP_PREFIX, st->bkey[i - from + j]);
	}
	return 0;
}

/* The next reply sequence number of alert, in txn. */
static int
next_seq(struct store *st, MDB_txn *txn, uint64_t alert, uint32_t *seq)
{
	uint8_t kb[REPLY_KEY_LEN];
	MDB_cursor *cur = NULL;
	MDB_val k = val(kb, sizeof(kb)), v;
	const uint8_t *kp;
	int rc, ret;

	if (alert == UINT64_MAX)
		return AMANA_EINVAL;
	be64(kb, alert + 1);
	memset(kb + 8, 0, 4);
	if ((ret = map_err(mdb_cursor_open(txn, st->replies, &cur))) != 0)
		return ret;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == MDB_NOTFOUND) {
		*seq = 0;
		ret = 0;
		goto out;
	}
	if ((ret = map_err(rc)) != 0)
		goto out;
	if (k.mv_size != REPLY_KEY_LEN) {
		ret = AMANA_ECORRUPT;
		goto out;
	}
	kp = k.mv_data;
	if (get_be64(kp) != alert) {
		*seq = 0;
		goto out;
	}
	*seq = (uint32_t)kp[8] << 24 | (uint32_t)kp[9] << 16 |
	    (uint32_t)kp[10] << 8 | kp[11];
	if (*seq == UINT32_MAX)
		ret = AMANA_ERANGE;
	else
		(*seq)++;
out:
	mdb_cursor_close(cur);
	return ret;
}

/* Per-item checks that need the database; 0 or the item's error. */
static int
check_item(struct store *st, MDB_txn *txn, const struct store_item *it,
    uint64_t size, uint8_t purge_rec[8])
{
	MDB_val v;
	struct logentry e;
	int ret;

	if (it->kind < LOGENTRY_KIND_MIN || it->kind > LOGENTRY_KIND_MAX)
		return AMANA_EINVAL;
	if (it->len > STORE_RECORD_MAX)
		return AMANA_ETOOBIG;
	switch (it->kind) {
	case LOGENTRY_ALERT:
		break;
	case LOGENTRY_REPLY:
	case LOGENTRY_ACK:
		if (it->ref >= size)
			return AMANA_EINVAL;
		if ((ret = get_entry(st, txn, it->ref, &v, &e)) != 0)
			return ret == AMANA_ENOENT ? AMANA_ECORRUPT : ret;
		if (e.kind != LOGENTRY_ALERT)
			return AMANA_EINVAL;
		break;
	case LOGENTRY_ACCREDITATION:
	case LOGENTRY_CREDENTIAL:
	case LOGENTRY_REVOCATION:
		if (it->key == NULL)
			return AMANA_EINVAL;
		break;
	case LOGENTRY_PURGE:
		if (it->data != NULL || it->len != 0 || it->ref >= size)
			return AMANA_EINVAL;
		be64(purge_rec, it->ref);
		break;
	}
	if (it->data == NULL && it->len != 0)
		return AMANA_EINVAL;
	return 0;
}

/* Writes one new (non-duplicate) item at index f->size; its entry and
 * leaf hash to ent and leaf. */
static int
put_item(struct store *st, MDB_txn *txn, const struct store_item *it,
    const uint8_t *rec, size_t rec_len, const uint8_t hash[32],
    uint64_t now_ms, struct tlog_frontier *f, uint8_t ent[LOGENTRY_LEN],
    uint8_t leaf[TLOG_HASH_LEN])
{
	struct txsrc src = { st, txn, NULL };
	struct logentry e;
	uint8_t kb[8], rk[REPLY_KEY_LEN], purged[LOG_HDR_LEN];
	MDB_val k = val(kb, sizeof(kb)), v;
	uint64_t index = f->size;
	uint32_t seq;
	uint8_t *rv = NULL;
	size_t rv_len;
	int ret;

	e.kind = it->kind;
	e.time_ms = now_ms;
	memcpy(e.hash, hash, 32);
	if ((ret = logentry_encode(ent, &e)) != 0)
		return ret;
	/* One log value: entry, LOG_PRESENT, record bytes. */
	be64(kb, index);
	if ((ret = amana_size_add(rec_len, LOG_HDR_LEN, &rv_len)) != 0)
		return ret;
	v.mv_size = rv_len;
	v.mv_data = NULL;
	if ((ret = map_err(mdb_put(txn, st->log, &k, &v,
	    MDB_APPEND | MDB_RESERVE))) != 0)
		return ret;
	rv = v.mv_data;
	memcpy(rv, ent, LOGENTRY_LEN);
	rv[LOGENTRY_LEN] = LOG_PRESENT;
	if (rec_len > 0)
		memcpy(rv + LOG_HDR_LEN, rec, rec_len);
	/* Its dedup key: young tier and recent row (store_append), the
	 * B-tree later (dedup_merge). */
	pthread_mutex_lock(&st->ylock);
	ret = young_add(st->young, dkey_of(hash), index);
	pthread_mutex_unlock(&st->ylock);
	if (ret != 0)	/* more than the merge state allows */
		return AMANA_ECORRUPT;
	switch (it->kind) {
	case LOGENTRY_REPLY:
	case LOGENTRY_ACK:
		if ((ret = next_seq(st, txn, it->ref, &seq)) != 0)
			return ret;
		be64(rk, it->ref);
		be32(rk + 8, seq);
		k = val(rk, sizeof(rk));
		v = val(kb, sizeof(kb));
		if ((ret = map_err(mdb_put(txn, st->replies, &k, &v, 0))) != 0)
			return ret;
		break;
	case LOGENTRY_ACCREDITATION:
	case LOGENTRY_CREDENTIAL:
	case LOGENTRY_REVOCATION:
		/* value: index u64 BE || record bytes */
		if ((ret = amana_size_add(rec_len, 8, &rv_len)) != 0)
			return ret;
		k = val(it->key, STORE_KEY_LEN);
		v.mv_size = rv_len;
		v.mv_data = NULL;
		if ((ret = map_err(mdb_put(txn, st->roster, &k, &v,
		    MDB_RESERVE))) != 0)
			return ret;
		rv = v.mv_data;
		be64(rv, index);
		if (rec_len > 0)
			memcpy(rv + 8, rec, rec_len);
		break;
	case LOGENTRY_PURGE:
		/* The purged index keeps its entry, marked LOG_PURGED. */
		if ((ret = get_entry(st, txn, it->ref, &v, NULL)) != 0)
			return ret == AMANA_ENOENT ? AMANA_ECORRUPT : ret;
		memcpy(purged, v.mv_data, LOGENTRY_LEN);
		purged[LOGENTRY_LEN] = LOG_PURGED;
		be64(kb, it->ref);
		k = val(kb, sizeof(kb));
		v = val(purged, sizeof(purged));
		if ((ret = map_err(mdb_put(txn, st->log, &k, &v, 0))) != 0)
			return ret;
		break;
	default:
		break;
	}
	merkle_leaf_hash(leaf, ent, LOGENTRY_LEN);
	/* The nodes it closes go to the receipts' memo: no proof hashes them
	 * again. (If the batch fails, young_undo clears the memo; a node is
	 * only read once all its leaves are committed, after the push that
	 * closes it for good has overwritten it, but clearing costs little.) */
	return tlog_frontier_push_memo(f, leaf, emit_node, &src, st->wcache);
}

/* Stores the tree state and a signed checkpoint for it, in txn. */
static int
sign_tree(struct store *st, MDB_txn *txn, const struct tlog_frontier *f,
    store_sign_fn sign, void *sign_ctx)
{
	struct amana_buf body, note, tree;
	struct ckpt c;
	int ret;

	amana_buf_init(&body, 1024, 0);
	amana_buf_init(&note, STORE_CKPT_MAX, 0);
	amana_buf_init(&tree, 8 + TLOG_MAX_HEIGHT * TLOG_HASH_LEN, 0);
	memset(&c, 0, sizeof(c));
	memcpy(c.origin, st->origin, sizeof(c.origin));
	c.size = f->size;
	tlog_frontier_root(f, c.root);
	if ((ret = ckpt_format(&c, &body)) != 0)
		goto out;
	if ((ret = sign(sign_ctx, body.p, body.len, &note)) != 0)
		goto out;
	/* The signer must have signed exactly this body. */
	ret = AMANA_EBADSIG;
	if (note.len <= body.len || memcmp(note.p, body.p, body.len) != 0 ||
	    note.p[body.len] != '\n')
		goto out;
	if ((ret = tlog_frontier_encode(f, &tree)) != 0)
		goto out;
	if ((ret = meta_put(st, txn, META_TREE, tree.p, tree.len)) != 0 ||
	    (ret = meta_put(st, txn, META_CKPT, note.p, note.len)) != 0)
		goto out;
out:
	amana_buf_free(&body);
	amana_buf_free(&note);
	amana_buf_free(&tree);
	return ret;
}

/* The tree state and the signed checkpoint committed in txn. */
static int
read_head(struct store *st, MDB_txn *txn, struct tlog_frontier *f,
    MDB_val *ckpt)
{
	int ret;

	if ((ret = read_tree(st, txn, f)) != 0)
		return ret;
	if ((ret = meta_get(st, txn, META_CKPT, ckpt)) != 0)
		return ret;	/* AMANA_ENOENT: empty log, never signed */
	if (ckpt->mv_size == 0 || ckpt->mv_size > STORE_CKPT_MAX)
		return AMANA_ECORRUPT;
	return 0;
}

/*
 * Receipt for index against the tree f and its signed checkpoint ckpt, both
 * read from txn (read_head). cache: NULL, or the writer's memo (then its
 * memos of proofs and proof lines serve too). rp: NULL,
 * or a reader's pages (rd_start). known: NULL, or the committed entry of
 * index (LOGENTRY_LEN bytes) that the writer still holds.
 */
static int
make_receipt(struct store *st, MDB_txn *txn, struct tlog_cache_slot *cache,
    struct rdpages *rp, const struct tlog_frontier *f, const MDB_val *ckpt,
    uint64_t index, const uint8_t *known, struct amana_buf *proof,
    struct amana_buf *out)
{
	struct txsrc s = { st, txn, rp };
	struct tlog_src src = { txsrc_get, &s, cache };
	uint8_t ent[LOG_HDR_LEN];
	const uint8_t *ep;
	size_t elen;
	int ret;

	if (index >= f->size)
		return AMANA_ENOENT;
	if (known != NULL) {
		ep = known;
		elen = LOGENTRY_LEN;
	} else if ((ret = read_entry(st, txn, rp, index, ent, &ep, &elen)) !=
	    0)
		return ret == AMANA_ENOENT ? AMANA_ECORRUPT : ret;
	amana_buf_reset(proof);
	if ((ret = cache != NULL ? tlog_inclusion_proof_memo(&src, index,
	    f->size, st->pmemo, proof) : tlog_inclusion_proof(&src, index,
	    f->size, proof)) != 0)
		return ret;
	return receipt_format_memo(index, ep, elen,
	    (const uint8_t (*)[MERKLE_HASH_LEN])(void *)proof->p,
	    proof->len / TLOG_HASH_LEN, ckpt->mv_data, ckpt->mv_size,
	    cache != NULL ? st->rmemo : NULL, out);
}

int
store_append(struct store *st, const struct store_item *items, size_t n,
    uint64_t now_ms, store_sign_fn sign, void *sign_ctx,
    struct store_result *results)
{
	struct tlog_frontier f;
	MDB_txn *txn = NULL;
	MDB_cursor *dcur = NULL;	/* closed with txn on errors */
	uint64_t lo, done, bkeys;
	MDB_val ckpt;
	struct amana_buf proof;
	struct rdpages wrp = { .map = 1 };	/* receipts: see read_entry */
	uint8_t hash[32], purge_rec[8];
	const uint8_t *rec;
	size_t i, rec_len;
	uint64_t before = 0;
	int ret, wrote = 0, committed = 0, scanned = 0;

	amana_buf_init(&proof, TLOG_MAX_HEIGHT * TLOG_HASH_LEN, 0);
	if (st == NULL || results == NULL)
		return AMANA_EINVAL;
	for (i = 0; i < n; i++) {
		memset(&results[i], 0, sizeof(results[i]));
		amana_buf_init(&results[i].receipt, RECEIPT_MAX_LEN, 0);
	}
	if (st->raw || items == NULL || n == 0 || n > STORE_BATCH_MAX ||
	    sign == NULL)
		return AMANA_EINVAL;
	if ((ret = map_err(mdb_txn_begin(st->env, NULL, 0, &txn))) != 0)
		return ret;
	if ((ret = read_tree(st, txn, &f)) != 0)
		goto out;
	/* Out of step after a failure, or another process appended (its
	 * merges are not in the keyset: start it over). */
	if (f.size != st->wsize) {
		atomic_store_explicit(&st->kok, 0, memory_order_relaxed);
		st->kscan_on = 0;
	}
	if ((!st->young_ok || f.size != st->wsize) &&
	    (ret = young_load(st, txn, f.size)) != 0)
		goto out;
	if ((ret = dmerge_get(st, txn, &lo, &done)) != 0)
		goto out;
	bkeys = lo + done;
	before = f.size;
	if ((ret = map_err(mdb_cursor_open(txn, st->dedup, &dcur))) != 0)
		goto out;
	/* The young tier and the keyset are larger than the caches: wait
	 * for them once. */
	pthread_mutex_lock(&st->ylock);
	for (i = 0; i < n; i++)
		if (items[i].hash != NULL) {
			young_prefetch(st->young, dkey_of(items[i].hash));
			keyset_prefetch(st->keys, dkey_of(items[i].hash));
		}
	pthread_mutex_unlock(&st->ylock);
	for (i = 0; i < n; i++) {
		const struct store_item *it = &items[i];

		ret = check_item(st, txn, it, f.size, purge_rec);
		if (ret == AMANA_EINVAL || ret == AMANA_ETOOBIG ||
		    ret == AMANA_ENOENT || ret == AMANA_ERANGE) {
			results[i].err = ret;
			continue;
		}
		if (ret != 0)
			goto out;
		if (it->kind == LOGENTRY_PURGE) {
			rec = purge_rec;
			rec_len = sizeof(purge_rec);
		} else {
			rec = it->data != NULL ? it->data :
			    (const uint8_t *)"";
			rec_len = it->len;
		}
		if (it->kind != LOGENTRY_PURGE && it->hash != NULL)
			memcpy(hash, it->hash, sizeof(hash));
		else
			amana_sha256(hash, rec, rec_len);
		ret = dedup_find(st, txn, dcur, hash, it->kind, f.size, bkeys,
		    &results[i].index);
		if (ret == 0) {
			results[i].duplicate = 1;
			continue;
		}
		if (ret != AMANA_ENOENT)
			goto out;
		if (it->kind == LOGENTRY_PURGE) {
			/* Only records that still have bytes (first purge). */
			MDB_val ev, rv;

			ret = get_log(st, txn, it->ref, &ev, NULL, &rv);
			if (ret == AMANA_ENOENT) {
				results[i].err = ret;
				continue;
			}
			if (ret != 0)
				goto out;
		}
		results[i].index = f.size;
		wrote = 1;
		st->bkey[f.size - before] = dkey_of(hash);
		if ((ret = put_item(st, txn, it, rec, rec_len, hash, now_ms,
		    &f, st->bent[i], st->bleaf[i])) != 0)
			goto out;
	}
	mdb_cursor_close(dcur);
	dcur = NULL;
	if (f.size != before) {
		if ((ret = recent_put(st, txn, before, f.size)) != 0 ||
		    (ret = dedup_merge(st, txn, f.size, lo, done,
		    &bkeys)) != 0 ||
		    (!atomic_load_explicit(&st->kok, memory_order_relaxed) &&
		    (ret = keys_scan(st, txn, &scanned)) != 0) ||
		    (ret = sign_tree(st, txn, &f, sign, sign_ctx)) != 0)
			goto out;
		ret = map_err(mdb_txn_commit(txn));
		txn = NULL;
		if (ret != 0)
			goto out;
		committed = 1;
		/* The bits of every key in the B-tree now were set first. */
		if (scanned || atomic_load_explicit(&st->kok,
		    memory_order_relaxed)) {
			atomic_store_explicit(&st->kcover, bkeys,
			    memory_order_release);
			atomic_store_explicit(&st->kok, 1,
			    memory_order_release);
		}
		pthread_mutex_lock(&st->ylock);
		st->wsize = f.size;
		if (st->prune_to != 0 &&
		    young_prune(st->young, st->prune_to) != 0)
			st->young_ok = 0;	/* rebuilt next time */
		pthread_mutex_unlock(&st->ylock);
		st->prune_to = 0;
	} else {
		mdb_txn_abort(txn);
		txn = NULL;
	}
	/*
	 * Durable now: receipts from a fresh read transaction, all against
	 * the same checkpoint; the memo shares the nodes and right-edge
	 * ranges that the proofs of one batch have in common. The new leaves
	 * and entries are committed: seeded from memory, never read back.
	 */
	for (i = 0; i < n; i++)
		if (results[i].err == 0 && !results[i].duplicate)
			tlog_cache_seed(st->wcache, 0, results[i].index,
			    st->bleaf[i]);
	for (i = 0; i < n && results[i].err != 0; i++)
		;
	if (i == n) {		/* every item failed on its own */
		ret = 0;
		goto out;
	}
	if ((ret = rd_begin(st, &txn)) != 0)
		goto out;
	if ((ret = read_head(st, txn, &f, &ckpt)) != 0) {
		if (ret == AMANA_ENOENT)
			ret = AMANA_ECORRUPT;
		goto out;
	}
	for (; i < n; i++) {
		if (results[i].err != 0)
			continue;
		results[i].err = make_receipt(st, txn, st->wcache, &wrp, &f,
		    &ckpt, results[i].index, results[i].duplicate ? NULL :
		    st->bent[i], &proof, &results[i].receipt);
	}
	ret = 0;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	amana_buf_free(&proof);
	if (ret != 0 && wrote && !committed)
		young_undo(st, before);
	if (ret != 0)
		for (i = 0; i < n; i++) {
			amana_buf_free(&results[i].receipt);
			if (results[i].err == 0)
				results[i].err = ret;
		}
	return ret;
}

int
store_purge(struct store *st, uint64_t index, uint64_t now_ms,
    store_sign_fn sign, void *sign_ctx, struct store_result *result)
{
	struct store_item it;

	memset(&it, 0, sizeof(it));
	it.kind = LOGENTRY_PURGE;
	it.ref = index;
	return store_append(st, &it, 1, now_ms, sign, sign_ctx, result);
}

int
store_append_raw(struct store *st, const uint8_t *const *leaves,
    const size_t *lens, size_t n, store_sign_fn sign, void *sign_ctx)
{
	struct tlog_frontier f;
	struct txsrc src;
	MDB_txn *txn = NULL;
	uint8_t kb[8], leaf[TLOG_HASH_LEN];
	MDB_val k = val(kb, sizeof(kb)), v;
	size_t i;
	int ret;

	if (st == NULL || !st->raw || leaves == NULL || lens == NULL ||
	    n == 0 || sign == NULL)
		return AMANA_EINVAL;
	for (i = 0; i < n; i++)
		if (leaves[i] == NULL || lens[i] == 0 ||
		    lens[i] > STORE_RAW_ENTRY_MAX)
			return AMANA_EINVAL;
	if ((ret = map_err(mdb_txn_begin(st->env, NULL, 0, &txn))) != 0)
		return ret;
	src.st = st;
	src.txn = txn;
	src.rp = NULL;
	if ((ret = read_tree(st, txn, &f)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		be64(kb, f.size);
		v = val(leaves[i], lens[i]);
		if ((ret = map_err(mdb_put(txn, st->log, &k, &v,
		    MDB_APPEND))) != 0)
			goto out;
		merkle_leaf_hash(leaf, leaves[i], lens[i]);
		if ((ret = tlog_frontier_push(&f, leaf, emit_node, &src)) != 0)
			goto out;
	}
	if ((ret = sign_tree(st, txn, &f, sign, sign_ctx)) != 0)
		goto out;
	ret = map_err(mdb_txn_commit(txn));
	txn = NULL;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return ret;
}

int
store_size(struct store *st, uint64_t *size)
{
	MDB_txn *txn = NULL;
	int ret;

	if ((ret = rd_begin(st, &txn)) != 0)
		return ret;
	ret = tree_size(st, txn, size);
	mdb_txn_abort(txn);
	return ret;
}

int
store_checkpoint(struct store *st, struct amana_buf *out)
{
	MDB_txn *txn = NULL;
	MDB_val v;
	int ret;

	if ((ret = rd_begin(st, &txn)) != 0)
		return ret;
	if ((ret = meta_get(st, txn, META_CKPT, &v)) != 0)
		goto out;
	if (v.mv_size == 0 || v.mv_size > STORE_CKPT_MAX) {
		ret = AMANA_ECORRUPT;
		goto out;
	}
	ret = amana_buf_append(out, v.mv_data, v.mv_size);
out:
	mdb_txn_abort(txn);
	return ret;
}

int
store_entries(struct store *st, uint64_t n, unsigned width,
    struct amana_buf *out)
{
	MDB_txn *txn = NULL;
	struct rdpages rp;
	uint8_t ent[LOG_HDR_LEN];
	const uint8_t *ep;
	uint64_t size, i, first;
	size_t before = out->len, elen;
	int ret;

	if (width == 0 || width > TLOG_TILE_WIDTH)
		return AMANA_EINVAL;
	if ((ret = rd_begin(st, &txn)) != 0)
		return ret;
	rd_start(st, txn, &rp);
	if ((ret = tree_size(st, txn, &size)) != 0)
		goto out;
	ret = AMANA_ENOENT;
	if (n > size / TLOG_TILE_WIDTH)
		goto out;
	first = n * TLOG_TILE_WIDTH;
	if (first + width > size)
		goto out;
	for (i = 0; i < width; i++) {
		if ((ret = read_entry(st, txn, &rp, first + i, ent, &ep,
		    &elen)) != 0) {
			if (ret == AMANA_ENOENT)
				ret = AMANA_ECORRUPT;
			goto out;
		}
		if ((ret = amana_buf_u16be(out, (uint16_t)elen)) != 0 ||
		    (ret = amana_buf_append(out, ep, elen)) != 0)
			goto out;
	}
out:
	if (ret != 0)
		out->len = before;
	rd_end(st, &rp);
	mdb_txn_abort(txn);
	return ret;
}

/*
 * Appends the record bytes of index to out, in txn: copied out of the map
 * (get_hdr, val_copy), then checked against the entry's SHA-256. Normal
 * stores only. On error out->len is unchanged. Returns 0, AMANA_ENOENT
 * (no such index, or purged), AMANA_ECORRUPT, AMANA_EINVAL (raw store),
 * AMANA_EIO, buffer errors.
 */
static int
get_record(struct store *st, MDB_txn *txn, struct rdpages *rp,
    uint64_t index, struct amana_buf *out)
{
	uint8_t h[32], hdr[LOG_HDR_LEN];
	MDB_val v;
	struct logentry e;
	size_t len;
	int ret;

	if ((ret = get_hdr(st, txn, rp, index, hdr, &e, &v)) != 0)
		return ret;
	if (hdr[LOGENTRY_LEN] == LOG_PURGED)
		return AMANA_ENOENT;
	len = v.mv_size - LOG_HDR_LEN;		/* get_hdr: >= LOG_HDR_LEN */
	if ((ret = amana_buf_reserve(out, len)) != 0 ||
	    (ret = val_copy(st, out->p + out->len,
	    (const uint8_t *)v.mv_data + LOG_HDR_LEN, len)) != 0)
		return ret;
	amana_sha256(h, out->p + out->len, len);
	if (memcmp(h, e.hash, sizeof(h)) != 0)
		return AMANA_ECORRUPT;
	out->len += len;
	return 0;
}

int
store_envelope(struct store *st, uint64_t index, struct amana_buf *out)
{
	MDB_txn *txn = NULL;
	struct rdpages rp;
	int ret;

	if ((ret = rd_begin(st, &txn)) != 0)
		return ret;
	rd_start(st, txn, &rp);
	ret = get_record(st, txn, &rp, index, out);
	rd_end(st, &rp);
	mdb_txn_abort(txn);
	return ret;
}

int
store_entry(struct store *st, uint64_t index,
    uint8_t out[static STORE_ENTRY_LEN])
{
	MDB_txn *txn = NULL;
	struct rdpages rp;
	uint8_t hdr[LOG_HDR_LEN];
	int ret;

	if (st->raw)
		return AMANA_EINVAL;
	if ((ret = rd_begin(st, &txn)) != 0)
		return ret;
	rd_start(st, txn, &rp);
	if ((ret = get_hdr(st, txn, &rp, index, hdr, NULL, NULL)) == 0)
		memcpy(out, hdr, STORE_ENTRY_LEN);
	rd_end(st, &rp);
	mdb_txn_abort(txn);
	return ret;
}

int
store_replies(struct store *st, uint64_t alert, store_reply_fn cb, void *ctx)
{
	uint8_t kb[REPLY_KEY_LEN];
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k = val(kb, sizeof(kb)), v;
	struct amana_buf rec;
	const uint8_t *kp;
	uint32_t seq;
	int rc, ret;

	if (cb == NULL)
		return AMANA_EINVAL;
	amana_buf_init(&rec, STORE_RECORD_MAX, 0);
	if ((ret = rd_begin(st, &txn)) != 0)
		return ret;
	if ((ret = map_err(mdb_cursor_open(txn, st->replies, &cur))) != 0)
		goto out;
	be64(kb, alert);
	memset(kb + 8, 0, 4);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != REPLY_KEY_LEN || v.mv_size != 8) {
			ret = AMANA_ECORRUPT;
			goto out;
		}
		kp = k.mv_data;
		if (get_be64(kp) != alert)
			break;
		seq = (uint32_t)kp[8] << 24 | (uint32_t)kp[9] << 16 |
		    (uint32_t)kp[10] << 8 | kp[11];
		amana_buf_reset(&rec);
		ret = get_record(st, txn, NULL, get_be64(v.mv_data), &rec);
		if (ret == AMANA_ENOENT)
			continue;	/* purged */
		if (ret != 0)
			goto out;
		if ((ret = cb(ctx, seq, get_be64(v.mv_data), rec.p,
		    rec.len)) != 0)
			goto out;
	}
	ret = rc == 0 || rc == MDB_NOTFOUND ? 0 : map_err(rc);
out:
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	amana_buf_free(&rec);
	return ret;
}

/* Checks a roster value (index || record) against the log. */
static int
check_roster(struct store *st, MDB_txn *txn, const MDB_val *v,
    uint64_t *index)
{
	uint8_t h[32], hdr[LOG_HDR_LEN];
	struct logentry e;
	int ret;

	if (v->mv_size < 8)
		return AMANA_ECORRUPT;
	*index = get_be64(v->mv_data);
	/* Raw-log stores have no roster records. */
	if ((ret = get_hdr(st, txn, NULL, *index, hdr, &e, NULL)) != 0)
		return ret == AMANA_ENOENT || ret == AMANA_EINVAL ?
		    AMANA_ECORRUPT : ret;
	amana_sha256(h, (const uint8_t *)v->mv_data + 8, v->mv_size - 8);
	if (memcmp(h, e.hash, sizeof(h)) != 0 ||
	    e.kind < LOGENTRY_ACCREDITATION || e.kind > LOGENTRY_REVOCATION)
		return AMANA_ECORRUPT;
	return 0;
}

int
store_roster_get(struct store *st, const uint8_t key[static STORE_KEY_LEN],
    struct amana_buf *out, uint64_t *index)
{
	MDB_txn *txn = NULL;
	MDB_val k = val(key, STORE_KEY_LEN), v;
	uint64_t idx;
	int ret;

	if ((ret = rd_begin(st, &txn)) != 0)
		return ret;
	if ((ret = map_err(mdb_get(txn, st->roster, &k, &v))) != 0 ||
	    (ret = check_roster(st, txn, &v, &idx)) != 0)
		goto out;
	if ((ret = amana_buf_append(out, (const uint8_t *)v.mv_data + 8,
	    v.mv_size - 8)) != 0)
		goto out;
	if (index != NULL)
		*index = idx;
out:
	mdb_txn_abort(txn);
	return ret;
}

int
store_roster_each(struct store *st, store_roster_fn cb, void *ctx)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uint64_t idx;
	int rc, ret;

	if (cb == NULL)
		return AMANA_EINVAL;
	if ((ret = rd_begin(st, &txn)) != 0)
		return ret;
	if ((ret = map_err(mdb_cursor_open(txn, st->roster, &cur))) != 0)
		goto out;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != STORE_KEY_LEN) {
			ret = AMANA_ECORRUPT;
			goto out;
		}
		if ((ret = check_roster(st, txn, &v, &idx)) != 0)
			goto out;
		if ((ret = cb(ctx, k.mv_data, idx,
		    (const uint8_t *)v.mv_data + 8, v.mv_size - 8)) != 0)
			goto out;
	}
	ret = rc == MDB_NOTFOUND ? 0 : map_err(rc);
out:
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return ret;
}

enum tree_op { OP_TILE, OP_INCLUSION, OP_CONSISTENCY, OP_ROOT };

/* One read of the committed tree: hash tile level/a of width, inclusion
 * proof of a in size b, consistency proof from a to b, root of size b. */
struct tree_req {
	enum tree_op		 op;
	uint64_t		 a, b;
	unsigned		 level, width;
	struct amana_buf	*out;
	uint8_t			*root;
};

static int
tree_read(struct store *st, const struct tree_req *q)
{
	MDB_txn *txn = NULL;
	struct rdpages rp;
	struct txsrc s = { st, NULL, &rp };
	struct tlog_src src = { txsrc_get, &s, NULL };
	uint64_t size;
	int ret;

	if ((ret = rd_begin(st, &txn)) != 0)
		return ret;
	s.txn = txn;
	rd_start(st, txn, &rp);
	if ((ret = tree_size(st, txn, &size)) != 0)
		goto out;
	ret = AMANA_EINVAL;
	if (q->op != OP_TILE && q->b > size)
		goto out;
	switch (q->op) {
	case OP_TILE:
		ret = tlog_hash_tile(&src, q->level, q->a, q->width, size,
		    q->out);
		break;
	case OP_INCLUSION:
		ret = tlog_inclusion_proof(&src, q->a, q->b, q->out);
		break;
	case OP_CONSISTENCY:
		ret = tlog_consistency_proof(&src, q->a, q->b, q->out);
		break;
	case OP_ROOT:
		ret = tlog_root(&src, q->b, q->root);
		break;
	}
out:
	rd_end(st, &rp);
	mdb_txn_abort(txn);
	return ret;
}

int
store_tile(struct store *st, unsigned level, uint64_t n, unsigned width,
    struct amana_buf *out)
{
	struct tree_req q = { .op = OP_TILE, .a = n, .level = level,
	    .width = width, .out = out };

	return tree_read(st, &q);
}

int
store_inclusion_proof(struct store *st, uint64_t index, uint64_t size,
    struct amana_buf *out)
{
	struct tree_req q = { .op = OP_INCLUSION, .a = index, .b = size,
	    .out = out };

	return tree_read(st, &q);
}

int
store_consistency_proof(struct store *st, uint64_t size1, uint64_t size2,
    struct amana_buf *out)
{
	struct tree_req q = { .op = OP_CONSISTENCY, .a = size1, .b = size2,
	    .out = out };

	return tree_read(st, &q);
}

int
store_root(struct store *st, uint64_t size, uint8_t out[static STORE_HASH_LEN])
{
	struct tree_req q = { .op = OP_ROOT, .b = size, .root = out };

	return tree_read(st, &q);
}

/*
 * A reader's snapshot can be older than the young tier: when the writer
 * has since merged a cycle into the B-tree and dropped it from the young
 * tier, the snapshot's B-tree lacks that cycle and the young tier no
 * longer holds it. Such a miss is retried on a fresh snapshot (which has
 * the cycle in its B-tree); a cycle is merged once per dcycle appends, so
 * a second retry is as good as never needed, and three are allowed.
 */
static void
lk_free(struct lookup_rd *l)
{
	if (l == NULL)
		return;
	if (l->cur != NULL)
		mdb_cursor_close(l->cur);
	if (l->txn != NULL)
		mdb_txn_abort(l->txn);
	free(l);
}

/*
 * A read transaction and a dedup cursor for store_lookup, which the relay
 * calls for every request: the one kept by lk_put when there is one
 * (renewing a reset transaction reuses its reader slot and allocates
 * nothing), else new ones.
 */
static int
lk_take(struct store *st, struct lookup_rd **out)
{
	struct lookup_rd *l = atomic_exchange(&st->lkrd, NULL);
	int ret;

	if (l != NULL) {
		if (mdb_txn_renew(l->txn) == 0 &&
		    mdb_cursor_renew(l->txn, l->cur) == 0) {
			*out = l;
			return 0;
		}
		lk_free(l);
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return AMANA_ENOMEM;
	if ((ret = rd_begin(st, &l->txn)) != 0 ||
	    (ret = map_err(mdb_cursor_open(l->txn, st->dedup, &l->cur))) !=
	    0) {
		lk_free(l);
		return ret;
	}
	*out = l;
	return 0;
}

/* Ends l's snapshot and keeps it for the next lk_take (one is kept). */
static void
lk_put(struct store *st, struct lookup_rd *l)
{
	struct lookup_rd *none = NULL;

	mdb_txn_reset(l->txn);
	if (!atomic_compare_exchange_strong(&st->lkrd, &none, l))
		lk_free(l);
}

int
store_lookup(struct store *st, const uint8_t hash[static STORE_HASH_LEN],
    uint64_t *index)
{
	struct lookup_rd *l = NULL;
	MDB_txn *txn;
	uint64_t size = 0, lo = 0, done, wsize, from;
	int ret, tries, stale, ok;

	if (st->raw)
		return AMANA_EINVAL;
	for (tries = 0; tries < 3; tries++) {
		stale = 0;
		if ((ret = lk_take(st, &l)) != 0)
			return ret;
		txn = l->txn;
		if ((ret = tree_size(st, txn, &size)) == 0 &&
		    (ret = dmerge_get(st, txn, &lo, &done)) == 0)
			ret = dedup_find(st, txn, l->cur, hash, -1, size,
			    lo + done, index);
		if (ret == AMANA_ENOENT) {
			pthread_mutex_lock(&st->ylock);
			stale = young_base(st->young) > lo;
			ok = st->young_ok;
			wsize = st->wsize;
			pthread_mutex_unlock(&st->ylock);
			/* Entries the young tier does not hold (another
			 * process's, or all while it is out of step): their
			 * recent rows, in this snapshot. */
			from = ok && wsize > lo ? wsize : lo;
			if (!stale && from < size)
				ret = recent_find(st, txn, hash, from, size,
				    index);
		}
		lk_put(st, l);
		if (ret != AMANA_ENOENT || !stale)
			break;
	}
	return ret;
}

int
store_receipt(struct store *st, uint64_t index, struct amana_buf *out)
{
	MDB_txn *txn = NULL;
	int ret;

	if (st->raw)
		return AMANA_EINVAL;
	struct tlog_frontier f;
	struct amana_buf proof;
	struct rdpages rp;
	MDB_val ckpt;

	amana_buf_init(&proof, TLOG_MAX_HEIGHT * TLOG_HASH_LEN, 0);
	if ((ret = rd_begin(st, &txn)) != 0)
		return ret;
	/* An empty log has no checkpoint: AMANA_ENOENT, as for any index. */
	if ((ret = read_tree(st, txn, &f)) == 0 &&
	    (ret = read_head(st, txn, &f, &ckpt)) == AMANA_ENOENT &&
	    f.size != 0)
		ret = AMANA_ECORRUPT;
	rd_start(st, txn, &rp);
	if (ret == 0)
		ret = make_receipt(st, txn, NULL, &rp, &f, &ckpt, index, NULL,
		    &proof, out);
	rd_end(st, &rp);
	mdb_txn_abort(txn);
	amana_buf_free(&proof);
	return ret;
}

int
store_stats(struct store *st, struct store_stats *out)
{
	static const char *names[STORE_N_DBS] = { "meta", "log", "hashes",
	    "dedup", "roster", "replies", "recent" };
	MDB_dbi dbis[STORE_N_DBS];
	MDB_txn *txn = NULL;
	MDB_envinfo info;
	MDB_stat ms;
	int i, ret;

	dbis[0] = st->meta, dbis[1] = st->log, dbis[2] = st->hashes;
	dbis[3] = st->dedup, dbis[4] = st->roster, dbis[5] = st->replies;
	dbis[6] = st->recent;
	memset(out, 0, sizeof(*out));
	if ((ret = map_err(mdb_env_info(st->env, &info))) != 0 ||
	    (ret = map_err(mdb_env_stat(st->env, &ms))) != 0)
		return ret;
	out->page_size = ms.ms_psize;
	out->pages_used = (uint64_t)info.me_last_pgno + 1;
	if ((ret = rd_begin(st, &txn)) != 0)
		return ret;
	for (i = 0; i < STORE_N_DBS; i++) {
		if ((ret = map_err(mdb_stat(txn, dbis[i], &ms))) != 0)
			break;
		out->db[i].name = names[i];
		out->db[i].items = ms.ms_entries;
		out->db[i].pages = (uint64_t)ms.ms_branch_pages +
		    ms.ms_leaf_pages + ms.ms_overflow_pages;
	}
	mdb_txn_abort(txn);
	return ret;
}

/*
 * The start of the LMDB map, found from a value read in txn: LMDB's file
 * format (lmdb.h 0.9, stable) puts the page number at the start of every
 * page header, and page 0, a meta page (flags P_META 0x08 at offset 10),
 * carries the magic 0xBEEFC0DE right after its 16-byte header. Those are
 * checked, so a wrong guess gives NULL (trimming off), never a wrong
 * range.
 */
static uint8_t *
map_base(struct store *st, MDB_txn *txn, size_t psize, size_t mapsize)
{
	MDB_val v;
	uintptr_t page, base;
	uint64_t pgno;
	uint32_t magic;
	uint16_t flags;

	if (meta_get(st, txn, META_SCHEMA, &v) != 0 || psize == 0 ||
	    (psize & (psize - 1)) != 0)
		return NULL;
	page = (uintptr_t)v.mv_data & ~(uintptr_t)(psize - 1);
	memcpy(&pgno, (const void *)page, sizeof(pgno));
	if (pgno == 0 || pgno >= mapsize / psize || pgno > page / psize)
		return NULL;
	base = page - (uintptr_t)pgno * psize;
	memcpy(&pgno, (const void *)base, sizeof(pgno));
	memcpy(&flags, (const uint8_t *)base + 10, sizeof(flags));
	memcpy(&magic, (const uint8_t *)base + 16, sizeof(magic));
	if (pgno != 0 || (flags & 0x08) == 0 || magic != 0xBEEFC0DEu)
		return NULL;
	return (uint8_t *)base;
}

/*
 * Sets st->map, map_len and fd (the data file) once the environment is
 * open: the map never moves afterwards (the store never calls
 * mdb_env_set_mapsize on an open environment). Leaves st->map NULL when
 * the map or the file is not found, or the map is too large for off_t:
 * readers then use the map and store_trim fails.
 */
static void
map_find(struct store *st)
{
	MDB_envinfo info;
	MDB_stat ms;
	MDB_txn *txn = NULL;
	mdb_filehandle_t fd;
	uint64_t off_max;
	uint8_t *base;

	st->map = NULL;
	st->map_len = 0;
	st->fd = -1;
	off_max = sizeof(off_t) >= 8 ? (uint64_t)INT64_MAX :
	    (uint64_t)INT32_MAX;
	if (mdb_env_info(st->env, &info) != 0 ||
	    mdb_env_stat(st->env, &ms) != 0 ||
	    mdb_env_get_fd(st->env, &fd) != 0 || fd < 0 ||
	    (uint64_t)info.me_mapsize > off_max || rd_begin(st, &txn) != 0)
		return;
	base = map_base(st, txn, ms.ms_psize, info.me_mapsize);
	mdb_txn_abort(txn);
	if (base == NULL)
		return;
	st->map = base;
	st->map_len = info.me_mapsize;
	st->fd = fd;
}

/* madvise(advice) over the whole LMDB map. 0 or AMANA_EIO. */
static int
map_advise(struct store *st, int advice)
{
	if (st->map == NULL || madvise(st->map, st->map_len, advice) != 0)
		return AMANA_EIO;
	return 0;
}

int
store_trim(struct store *st)
{
	if (st == NULL)
		return AMANA_EINVAL;
	return map_advise(st, MADV_DONTNEED);
}
