/*
 * test_store: append and receipts, dedup, replies, roster, purge, the full
 * map error, and corrupted or truncated values read back.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "amana_codec.h"
#include "amana_cur.h"
#include "ckpt.h"
#include "merkle.h"
#include "note.h"
#include "receipt.h"
#include "store.h"
#include "testlib.h"

#define ORIGIN "amana.test/store"
/* docs/STORAGE.md: a log value is the entry, a state byte, the record. */
#define LOG_VAL_LEN (STORE_ENTRY_LEN + 1 + 64)

struct signer {
	struct note_signer	*s;
	struct note_verifier	 v;
	int			 fail;	/* return this instead of signing */
};

static int
sign_cb(void *ctx, const uint8_t *body, size_t len, struct amana_buf *out)
{
	struct signer *sg = ctx;

	if (sg->fail != 0)
		return sg->fail;
	return note_sign(sg->s, body, len, out);
}

/* map, dedup_cycle: 0 for the defaults. NULL if it does not open. */
static struct store *
open_store_with(const char *dir, size_t map, uint32_t dedup_cycle)
{
	struct store_opts o;
	struct store *st = NULL;

	memset(&o, 0, sizeof(o));
	o.dir = dir;
	o.origin = ORIGIN;
	o.map_size = map;
	o.dedup_cycle = dedup_cycle;
	if (store_open(&o, &st) != 0)
		return NULL;
	return st;
}

static struct store *
open_store(const char *dir, size_t map)
{
	return open_store_with(dir, map, 0);
}

/* The receipt verifies with the log key and the record bytes. */
static void
check_receipt(const struct store_result *r, const struct signer *sg,
    const uint8_t *rec, size_t len, uint8_t kind)
{
	struct receipt_view *rv;

	if ((rv = malloc(sizeof(*rv))) == NULL)
		abort();
	CHECK_EQ(r->err, 0);
	CHECK_EQ(receipt_verify(r->receipt.p, r->receipt.len, &sg->v, rec, len,
	    rv), 0);
	CHECK(rv->index == r->index);
	CHECK_EQ(rv->entry.kind, kind);
	free(rv);
}

struct replies {
	unsigned	n;
	uint64_t	idx[8];
	uint32_t	seq[8];
};

static int
reply_cb(void *ctx, uint32_t seq, uint64_t index, const uint8_t *d,
    size_t len)
{
	struct replies *r = ctx;

	if (r->n < 8) {
		r->idx[r->n] = index;
		r->seq[r->n] = seq;
	}
	r->n++;
	return 0;
}

static int
roster_cb(void *ctx, const uint8_t *key, uint64_t index, const uint8_t *d,
    size_t len)
{
	(*(unsigned *)ctx)++;
	return 0;
}

static void
test_append(struct signer *sg)
{
	char dir[4096];
	struct store *st;
	struct store_item it[6];
	struct store_result res[6];
	uint8_t rec[5][100], key[32], h[32], pre[32], ent[STORE_ENTRY_LEN];
	struct amana_buf b, b2;
	struct replies rp;
	uint64_t size, idx;
	unsigned count;
	size_t i;

	test_store_dir(dir, sizeof(dir), "append");
	if ((st = open_store(dir, 0)) == NULL) {
		CHECK(0);
		return;
	}
	amana_buf_init(&b, 1 << 20, 0);
	amana_buf_init(&b2, 1 << 20, 0);
	CHECK_EQ(store_size(st, &size), 0);
	CHECK_EQ(size, 0);
	CHECK_EQ(store_checkpoint(st, &b), AMANA_ENOENT);
	for (i = 0; i < 5; i++)
		test_fill(rec[i], sizeof(rec[i]), 100 + i);
	test_fill(key, sizeof(key), 7);
	/* Batch 1: two alerts, a reply to the first, an accreditation. */
	memset(it, 0, sizeof(it));
	it[0].kind = LOGENTRY_ALERT, it[0].data = rec[0], it[0].len = 100;
	it[1].kind = LOGENTRY_ALERT, it[1].data = rec[1], it[1].len = 100;
	it[2].kind = LOGENTRY_REPLY, it[2].data = rec[2], it[2].len = 100;
	it[2].ref = 0;
	/* The caller's precomputed SHA-256 is used as is (checked below). */
	amana_sha256(pre, rec[2], 100);
	it[2].hash = pre;
	it[3].kind = LOGENTRY_ACCREDITATION, it[3].data = rec[3];
	it[3].len = 100, it[3].key = key;
	/* Bad items fail alone: reply to a non-alert, roster without key,
	 * unknown kind. */
	it[4].kind = LOGENTRY_ACK, it[4].data = rec[4], it[4].len = 50;
	it[4].ref = 3;
	it[5].kind = 9, it[5].data = rec[4], it[5].len = 10;
	CHECK_EQ(store_append(st, it, 6, 1700000000000ULL, sign_cb, sg, res),
	    0);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(res[i].index, i);
		CHECK_EQ(res[i].duplicate, 0);
		check_receipt(&res[i], sg, rec[i], 100, it[i].kind);
	}
	CHECK_EQ(res[4].err, AMANA_EINVAL);
	CHECK_EQ(res[5].err, AMANA_EINVAL);
	store_results_free(res, 6);
	CHECK_EQ(store_size(st, &size), 0);
	CHECK_EQ(size, 4);
	CHECK_EQ(store_entry(st, 2, ent), 0);
	CHECK_EQ(ent[0], LOGENTRY_REPLY);
	amana_sha256(h, rec[2], 100);
	CHECK(memcmp(ent + 9, h, 32) == 0);
	CHECK_EQ(store_lookup(st, h, &idx), 0);
	CHECK_EQ(idx, 2);
	h[31] ^= 1;
	CHECK_EQ(store_lookup(st, h, &idx), AMANA_ENOENT);
	CHECK_EQ(store_envelope(st, 1, &b), 0);
	CHECK(b.len == 100 && memcmp(b.p, rec[1], 100) == 0);
	CHECK_EQ(store_envelope(st, 4, &b), AMANA_ENOENT);
	/* Trimming the map (store_trim) changes nothing readable. */
	CHECK_EQ(store_trim(st), 0);
	CHECK_EQ(store_trim(NULL), AMANA_EINVAL);
	amana_buf_reset(&b);
	CHECK_EQ(store_envelope(st, 1, &b), 0);
	CHECK(b.len == 100 && memcmp(b.p, rec[1], 100) == 0);

	/* Batch 2: a duplicate of alert 1 (same bytes, any kind), an ack to
	 * alert 0, a revocation replacing the roster key. */
	memset(it, 0, sizeof(it));
	it[0].kind = LOGENTRY_ALERT, it[0].data = rec[1], it[0].len = 100;
	it[1].kind = LOGENTRY_ACK, it[1].data = rec[4], it[1].len = 50;
	it[1].ref = 0;
	it[2].kind = LOGENTRY_REVOCATION, it[2].data = rec[4] + 50;
	it[2].len = 50, it[2].key = key;
	CHECK_EQ(store_append(st, it, 3, 1700000000001ULL, sign_cb, sg, res),
	    0);
	CHECK_EQ(res[0].duplicate, 1);
	CHECK_EQ(res[0].index, 1);
	check_receipt(&res[0], sg, rec[1], 100, LOGENTRY_ALERT);
	CHECK_EQ(res[1].index, 4);
	check_receipt(&res[1], sg, rec[4], 50, LOGENTRY_ACK);
	CHECK_EQ(res[2].index, 5);
	check_receipt(&res[2], sg, rec[4] + 50, 50, LOGENTRY_REVOCATION);
	store_results_free(res, 3);
	/* A batch of duplicates only changes nothing. */
	amana_buf_reset(&b);
	CHECK_EQ(store_checkpoint(st, &b), 0);
	it[0].data = rec[0];
	CHECK_EQ(store_append(st, it, 1, 1700000000002ULL, sign_cb, sg, res),
	    0);
	CHECK_EQ(res[0].duplicate, 1);
	CHECK_EQ(res[0].index, 0);
	check_receipt(&res[0], sg, rec[0], 100, LOGENTRY_ALERT);
	store_results_free(res, 1);
	CHECK_EQ(store_checkpoint(st, &b2), 0);
	CHECK(b.len == b2.len && memcmp(b.p, b2.p, b.len) == 0);
	/* Replies of alert 0, in order; none for alert 1. */
	memset(&rp, 0, sizeof(rp));
	CHECK_EQ(store_replies(st, 0, reply_cb, &rp), 0);
	CHECK_EQ(rp.n, 2);
	CHECK_EQ(rp.idx[0], 2);
	CHECK_EQ(rp.idx[1], 4);
	CHECK_EQ(rp.seq[0], 0);
	CHECK_EQ(rp.seq[1], 1);
	memset(&rp, 0, sizeof(rp));
	CHECK_EQ(store_replies(st, 1, reply_cb, &rp), 0);
	CHECK_EQ(rp.n, 0);
	/* Roster: the latest record for the key. */
	amana_buf_reset(&b);
	CHECK_EQ(store_roster_get(st, key, &b, &idx), 0);
	CHECK_EQ(idx, 5);
	CHECK(b.len == 50 && memcmp(b.p, rec[4] + 50, 50) == 0);
	count = 0;
	CHECK_EQ(store_roster_each(st, roster_cb, &count), 0);
	CHECK_EQ(count, 1);
	key[0] ^= 1;
	CHECK_EQ(store_roster_get(st, key, &b, &idx), AMANA_ENOENT);
	key[0] ^= 1;

	/* Purge alert 1: bytes gone, entry kept, log still verifies. */
	CHECK_EQ(store_purge(st, 1, 1700000000003ULL, sign_cb, sg, res), 0);
	CHECK_EQ(res[0].index, 6);
	{
		uint8_t pr[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };

		check_receipt(&res[0], sg, pr, 8, LOGENTRY_PURGE);
	}
	store_results_free(res, 1);
	amana_buf_reset(&b);
	CHECK_EQ(store_envelope(st, 1, &b), AMANA_ENOENT);
	CHECK_EQ(store_entry(st, 1, ent), 0);
	CHECK_EQ(store_receipt(st, 1, &b), 0);
	/* Purging again returns the original purge (identical record). */
	CHECK_EQ(store_purge(st, 1, 1700000000004ULL, sign_cb, sg, res), 0);
	CHECK_EQ(res[0].duplicate, 1);
	CHECK_EQ(res[0].index, 6);
	store_results_free(res, 1);
	/* Purging a reply removes it from the list; out of range fails. */
	CHECK_EQ(store_purge(st, 2, 1700000000005ULL, sign_cb, sg, res), 0);
	store_results_free(res, 1);
	memset(&rp, 0, sizeof(rp));
	CHECK_EQ(store_replies(st, 0, reply_cb, &rp), 0);
	CHECK_EQ(rp.n, 1);
	CHECK_EQ(store_purge(st, 99, 1700000000006ULL, sign_cb, sg, res), 0);
	CHECK_EQ(res[0].err, AMANA_EINVAL);
	store_results_free(res, 1);
	/* A failing signer aborts the batch and changes nothing. */
	CHECK_EQ(store_size(st, &size), 0);
	sg->fail = AMANA_EIO;
	memset(it, 0, sizeof(it));
	for (i = 0; i < 6; i++) {
		it[i].kind = LOGENTRY_ALERT;
		it[i].data = rec[3] + i;
		it[i].len = 10;
	}
	CHECK_EQ(store_append(st, it, 6, 1, sign_cb, sg, res), AMANA_EIO);
	store_results_free(res, 6);
	sg->fail = 0;
	CHECK_EQ(store_size(st, &idx), 0);
	CHECK_EQ(idx, size);
	/* Other records at the same indices: the failed batch's tree nodes
	 * must not leak into their receipts. */
	for (i = 0; i < 6; i++)
		it[i].data = rec[4] + i;
	CHECK_EQ(store_append(st, it, 6, 2, sign_cb, sg, res), 0);
	for (i = 0; i < 6; i++) {
		CHECK_EQ(res[i].index, size + i);
		check_receipt(&res[i], sg, rec[4] + i, 10, LOGENTRY_ALERT);
	}
	store_results_free(res, 6);
	size += 6;
	/* Reopen: everything is still there. */
	store_close(st);
	CHECK((st = open_store(dir, 0)) != NULL);
	if (st != NULL) {
		CHECK_EQ(store_size(st, &idx), 0);
		CHECK_EQ(idx, size);
		amana_buf_reset(&b);
		CHECK_EQ(store_envelope(st, 0, &b), 0);
		CHECK(b.len == 100 && memcmp(b.p, rec[0], 100) == 0);
	}
	amana_buf_free(&b);
	amana_buf_free(&b2);
	store_close(st);
	test_rm_store(dir);
}

static void
test_full(struct signer *sg)
{
	char dir[4096];
	struct store *st;
	struct store_item it;
	struct store_result res;
	struct amana_buf c1, c2;
	uint8_t *rec;
	uint64_t s1, s2, i;
	int ret = 0;

	test_store_dir(dir, sizeof(dir), "full");
	if ((rec = malloc(20000)) == NULL ||
	    (st = open_store(dir, 256 * 1024)) == NULL) {
		CHECK(0);
		free(rec);
		return;
	}
	amana_buf_init(&c1, 1 << 16, 0);
	amana_buf_init(&c2, 1 << 16, 0);
	memset(&it, 0, sizeof(it));
	it.kind = LOGENTRY_ALERT;
	it.data = rec;
	it.len = 20000;
	for (i = 0; i < 100; i++) {
		test_fill(rec, 20000, 1000 + i);
		amana_buf_reset(&c1);
		ret = store_checkpoint(st, &c1);
		CHECK(ret == 0 || (i == 0 && ret == AMANA_ENOENT));
		CHECK_EQ(store_size(st, &s1), 0);
		ret = store_append(st, &it, 1, 5, sign_cb, sg, &res);
		store_results_free(&res, 1);
		if (ret != 0)
			break;
	}
	CHECK_EQ(ret, AMANA_EFULL);
	CHECK(i > 0 && i < 100);
	CHECK_EQ(store_size(st, &s2), 0);
	CHECK_EQ(s1, s2);
	CHECK_EQ(store_checkpoint(st, &c2), 0);
	CHECK(c1.len == c2.len && memcmp(c1.p, c2.p, c1.len) == 0);
	amana_sha256(c2.p, rec, 20000);
	CHECK_EQ(store_lookup(st, c2.p, &s2), AMANA_ENOENT);
	store_close(st);
	/* Still opens, still consistent. */
	CHECK((st = open_store(dir, 256 * 1024)) != NULL);
	store_close(st);
	amana_buf_free(&c1);
	amana_buf_free(&c2);
	free(rec);
	test_rm_store(dir);
}

/* Replaces (or, with newv NULL, restores) one value through bare LMDB. */
static int
poke(const char *dir, const char *db, const void *key, size_t klen,
    const void *newv, size_t nlen, struct amana_buf *saved)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k, v;
	int rc;

	k.mv_data = (void *)(uintptr_t)key;
	k.mv_size = klen;
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 8)) != 0 ||
	    (rc = mdb_env_open(env, dir, 0, 0600)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, db, 0, &dbi)) != 0)
		goto out;
	if (newv != NULL) {
		if ((rc = mdb_get(txn, dbi, &k, &v)) != 0)
			goto out;
		amana_buf_reset(saved);
		if (amana_buf_append(saved, v.mv_data, v.mv_size) != 0) {
			rc = -1;
			goto out;
		}
		if (newv == saved) {	/* peek only */
			rc = 0;
			goto out;
		}
		v.mv_data = (void *)(uintptr_t)newv;
		v.mv_size = nlen;
	} else {
		v.mv_data = saved->p;
		v.mv_size = saved->len;
	}
	if ((rc = mdb_put(txn, dbi, &k, &v, 0)) != 0)
		goto out;
	rc = mdb_txn_commit(txn);
	txn = NULL;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	return rc;
}

static void
test_corrupt(struct signer *sg)
{
	char dir[4096];
	struct store *st;
	struct store_item it[40];
	struct store_result res[40];
	uint8_t rec[40][64], key[32], ent[STORE_ENTRY_LEN], bad[64];
	uint8_t lv[LOG_VAL_LEN], saved_lv[LOG_VAL_LEN];
	uint8_t k8[8] = { 0, 0, 0, 0, 0, 0, 0, 3 };
	/* Level 4, index 1: leaf count (1 + 1) << 4 at its right edge, 4/4. */
	uint8_t node[8] = { 0, 0, 0, 0, 0, 0, 0, 2 << 4 | 1 };
	struct amana_buf b, saved;
	struct replies rp;
	uint64_t idx;
	size_t i;

	test_store_dir(dir, sizeof(dir), "corrupt");
	if ((st = open_store(dir, 0)) == NULL) {
		CHECK(0);
		return;
	}
	amana_buf_init(&b, 1 << 20, 0);
	amana_buf_init(&saved, 1 << 20, 0);
	test_fill(key, 32, 3);
	memset(it, 0, sizeof(it));
	for (i = 0; i < 40; i++) {
		test_fill(rec[i], 64, 500 + i);
		it[i].kind = LOGENTRY_ALERT;
		it[i].data = rec[i];
		it[i].len = 64;
	}
	it[5].kind = LOGENTRY_REPLY, it[5].ref = 3;
	it[6].kind = LOGENTRY_ACCREDITATION, it[6].key = key;
	CHECK_EQ(store_append(st, it, 40, 77, sign_cb, sg, res), 0);
	for (i = 0; i < 40; i++)
		CHECK_EQ(res[i].err, 0);
	store_results_free(res, 40);
	store_close(st);

	/*
	 * Log value 3 (entry, state byte, record): every truncation of the
	 * entry and state byte, a bad kind, a bad state, a purged state with
	 * record bytes after it.
	 */
	CHECK_EQ(poke(dir, "log", k8, 8, &saved, 0, &saved), 0);
	CHECK_EQ(saved.len, LOG_VAL_LEN);
	CHECK(saved.len == LOG_VAL_LEN && saved.p[STORE_ENTRY_LEN] == 1 &&
	    memcmp(saved.p + STORE_ENTRY_LEN + 1, rec[3], 64) == 0);
	memcpy(saved_lv, saved.p, LOG_VAL_LEN);
	for (i = 0; i <= STORE_ENTRY_LEN + 3; i++) {
		size_t len = i;

		memcpy(lv, saved_lv, LOG_VAL_LEN);
		if (i == STORE_ENTRY_LEN + 1) {
			lv[0] = 0;		/* unknown kind */
			len = LOG_VAL_LEN;
		} else if (i == STORE_ENTRY_LEN + 2) {
			lv[STORE_ENTRY_LEN] = 2;	/* unknown state */
			len = LOG_VAL_LEN;
		} else if (i == STORE_ENTRY_LEN + 3) {
			lv[STORE_ENTRY_LEN] = 0;	/* purged, with bytes */
			len = LOG_VAL_LEN;
		}
		CHECK_EQ(poke(dir, "log", k8, 8, lv, len, &saved), 0);
		st = open_store(dir, 0);
		CHECK(st != NULL);
		if (st == NULL)
			break;
		CHECK_EQ(store_entry(st, 3, ent), AMANA_ECORRUPT);
		CHECK_EQ(store_envelope(st, 3, &b), AMANA_ECORRUPT);
		CHECK_EQ(store_entries(st, 0, 40, &b), AMANA_ECORRUPT);
		CHECK_EQ(store_tile(st, 0, 0, 40, &b), AMANA_ECORRUPT);
		CHECK_EQ(store_inclusion_proof(st, 2, 40, &b), AMANA_ECORRUPT);
		CHECK_EQ(store_receipt(st, 3, &b), AMANA_ECORRUPT);
		store_close(st);
		CHECK_EQ(poke(dir, "log", k8, 8, NULL, 0, &saved), 0);
	}
	/* A record whose bytes changed. */
	memcpy(lv, saved_lv, LOG_VAL_LEN);
	lv[STORE_ENTRY_LEN + 1 + 10] ^= 0x20;
	CHECK_EQ(poke(dir, "log", k8, 8, lv, LOG_VAL_LEN, &saved), 0);
	if ((st = open_store(dir, 0)) != NULL) {
		CHECK_EQ(store_envelope(st, 3, &b), AMANA_ECORRUPT);
		CHECK_EQ(store_envelope(st, 4, &b), 0);
		store_close(st);
	}
	CHECK_EQ(poke(dir, "log", k8, 8, NULL, 0, &saved), 0);
	/* A stored tree node, truncated or changed. */
	memset(bad, 0, sizeof(bad));
	CHECK_EQ(poke(dir, "hashes", node, 8, bad, 31, &saved), 0);
	if ((st = open_store(dir, 0)) != NULL) {
		CHECK_EQ(store_inclusion_proof(st, 0, 40, &b), AMANA_ECORRUPT);
		store_close(st);
	}
	CHECK_EQ(poke(dir, "hashes", node, 8, NULL, 0, &saved), 0);
	/* The tree state: every truncation, or a wrong root. */
	CHECK_EQ(poke(dir, "meta", "tree", 4, &saved, 0, &saved), 0);
	CHECK_EQ(saved.len, 8 + 2 * 32);	/* 40 = 32 + 8: two hashes */
	memcpy(bad, saved.p, 8 + 2 * 32 <= sizeof(bad) ? 64 : 0);
	{
		uint8_t tree[8 + 2 * 32];

		memcpy(tree, saved.p, sizeof(tree));
		for (i = 0; i < sizeof(tree); i++) {
			CHECK_EQ(poke(dir, "meta", "tree", 4, tree, i, &saved),
			    0);
			CHECK(open_store(dir, 0) == NULL);
			CHECK_EQ(poke(dir, "meta", "tree", 4, NULL, 0, &saved),
			    0);
		}
		tree[20] ^= 1;
		CHECK_EQ(poke(dir, "meta", "tree", 4, tree, sizeof(tree),
		    &saved), 0);
		CHECK(open_store(dir, 0) == NULL);
		CHECK_EQ(poke(dir, "meta", "tree", 4, NULL, 0, &saved), 0);
	}
	/* The dedup merge state and cycle, and a recent row: each refused
	 * at open when it cannot be right (40 entries, cycle 32768). */
	{
		static const uint8_t past[16] = { 0, 0, 0, 0, 0, 0, 0, 41 };
		static const uint8_t over[16] = { [10] = 0x80 };
		static const uint8_t zero[4] = { 0 };
		static const uint8_t row[8] = { 0 };	/* one batch: 0 */

		const struct {
			const char	*db, *key;
			size_t		 klen;
			const uint8_t	*v;
			size_t		 vlen;
		} bads[] = {
			{ "meta", "dmerge", 6, past, 16 },
			{ "meta", "dmerge", 6, over, 16 },
			{ "meta", "dmerge", 6, past, 15 },
			{ "meta", "dcycle", 6, zero, 4 },
			{ "meta", "dcycle", 6, zero, 3 },
			{ "recent", (const char *)row, 8, zero, 3 },
		};

		for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
			CHECK_EQ(poke(dir, bads[i].db, bads[i].key,
			    bads[i].klen, bads[i].v, bads[i].vlen, &saved), 0);
			CHECK(open_store(dir, 0) == NULL);
			CHECK_EQ(poke(dir, bads[i].db, bads[i].key,
			    bads[i].klen, NULL, 0, &saved), 0);
		}
		if ((st = open_store(dir, 0)) != NULL)
			store_close(st);
		else
			CHECK(0);
	}
	/* A roster value with other bytes; a dedup value of 7 bytes. */
	CHECK_EQ(poke(dir, "roster", key, 32, bad, 20, &saved), 0);
	if ((st = open_store(dir, 0)) != NULL) {
		CHECK_EQ(store_roster_get(st, key, &b, &idx), AMANA_ECORRUPT);
		CHECK_EQ(store_roster_each(st, roster_cb, &i), AMANA_ECORRUPT);
		store_close(st);
	}
	CHECK_EQ(poke(dir, "roster", key, 32, NULL, 0, &saved), 0);
	{
		uint8_t rk[12] = { 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0 };

		for (i = 0; i < 8; i++) {
			CHECK_EQ(poke(dir, "replies", rk, 12, bad, i, &saved),
			    0);
			if ((st = open_store(dir, 0)) != NULL) {
				CHECK_EQ(store_replies(st, 3, reply_cb, &rp),
				    AMANA_ECORRUPT);
				store_close(st);
			}
			CHECK_EQ(poke(dir, "replies", rk, 12, NULL, 0, &saved),
			    0);
		}
	}
	/* Intact again: everything reads. */
	if ((st = open_store(dir, 0)) != NULL) {
		CHECK_EQ(store_roster_get(st, key, &b, &idx), 0);
		CHECK_EQ(idx, 6);
		CHECK_EQ(store_entry(st, 3, ent), 0);
		memset(&rp, 0, sizeof(rp));
		CHECK_EQ(store_replies(st, 3, reply_cb, &rp), 0);
		CHECK_EQ(rp.n, 1);
		amana_buf_reset(&b);
		CHECK_EQ(store_inclusion_proof(st, 0, 40, &b), 0);
		store_close(st);
	} else {
		CHECK(0);
	}
	amana_buf_free(&b);
	amana_buf_free(&saved);
	test_rm_store(dir);
}

/*
 * Resident kB of this process's mappings of dir's data.mdb, from
 * /proc/self/smaps; -1 when it cannot be read (not Linux).
 */
static long
map_rss_kb(const char *dir)
{
	char line[4096];
	FILE *f;
	unsigned long lo, hi;
	long total = -1, kb;
	int ours = 0;
	unsigned lines = 0;

	if ((f = fopen("/proc/self/smaps", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL && ++lines < 1000000) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			/* A mapping's header line: "start-end perms ... path". */
			ours = strstr(line, dir) != NULL &&
			    strstr(line, "/data.mdb") != NULL;
			continue;
		}
		if (ours && sscanf(line, "Rss: %ld kB", &kb) == 1)
			total = (total < 0 ? 0 : total) + kb;
	}
	fclose(f);
	return total;
}

/*
 * Readers copy values out of the data file (pread) instead of reading the
 * map: with 4 KiB records (each on its own overflow pages) tiles, bundles,
 * envelopes and receipts map only B-tree pages, and every check still
 * holds on the copied bytes (a changed record, entry or state byte of a
 * large value is AMANA_ECORRUPT).
 */
static void
test_pread(struct signer *sg)
{
	enum { N = 300, LEN = 4096 };
	char dir[4096];
	struct store *st;
	struct store_item *it = NULL;
	struct store_result *res = NULL;
	uint8_t *rec = NULL, ent[STORE_ENTRY_LEN], k8[8];
	struct amana_buf b, saved, lv;
	long before, after;
	size_t i;

	test_store_dir(dir, sizeof(dir), "pread");
	amana_buf_init(&b, 1 << 20, 0);
	amana_buf_init(&saved, 1 << 20, 0);
	amana_buf_init(&lv, 1 << 20, 0);
	if ((it = calloc(N, sizeof(*it))) == NULL ||
	    (res = calloc(N, sizeof(*res))) == NULL ||
	    (rec = malloc((size_t)N * LEN)) == NULL ||
	    (st = open_store(dir, 0)) == NULL) {
		CHECK(0);
		goto out;
	}
	for (i = 0; i < N; i++) {
		test_fill(rec + i * LEN, LEN, 9000 + i);
		it[i].kind = LOGENTRY_ALERT;
		it[i].data = rec + i * LEN;
		it[i].len = LEN;
	}
	CHECK_EQ(store_append(st, it, N, 99, sign_cb, sg, res), 0);
	for (i = 0; i < N; i++)
		check_receipt(&res[i], sg, rec + i * LEN, LEN, LOGENTRY_ALERT);
	store_results_free(res, N);
	store_close(st);

	/* Fresh process view of the map: trim, read everything, measure. */
	if ((st = open_store(dir, 0)) == NULL) {
		CHECK(0);
		goto out;
	}
	CHECK_EQ(store_trim(st), 0);	/* the map was found */
	before = map_rss_kb(dir);
	amana_buf_reset(&b);
	CHECK_EQ(store_entries(st, 0, 256, &b), 0);
	CHECK_EQ(b.len, 256 * (2 + STORE_ENTRY_LEN));
	amana_buf_reset(&b);
	CHECK_EQ(store_tile(st, 0, 0, 256, &b), 0);
	CHECK_EQ(b.len, 256 * 32);
	for (i = 0; i < N; i += 7) {
		struct store_result r;

		amana_buf_reset(&b);
		CHECK_EQ(store_envelope(st, i, &b), 0);
		CHECK(b.len == LEN && memcmp(b.p, rec + i * LEN, LEN) == 0);
		CHECK_EQ(store_entry(st, i, ent), 0);
		memset(&r, 0, sizeof(r));
		r.index = i;
		amana_buf_init(&r.receipt, RECEIPT_MAX_LEN, 0);
		CHECK_EQ(store_receipt(st, i, &r.receipt), 0);
		check_receipt(&r, sg, rec + i * LEN, LEN, LOGENTRY_ALERT);
		amana_buf_free(&r.receipt);
	}
	after = map_rss_kb(dir);
	if (before < 0 || after < 0) {
		test_skip("pread: map RSS", "no /proc/self/smaps");
	} else {
		/*
		 * Through the map: every record's two pages (2.4 MB here).
		 * Copied: the B-tree pages read, each with the kernel's
		 * fault-around window of cached neighbours (64 KiB).
		 */
		CHECK(after - before < (long)N * LEN / 1024);
		if (after - before >= (long)N * LEN / 1024)
			fprintf(stderr, "pread: map RSS %ld -> %ld kB\n",
			    before, after);
	}
	store_close(st);

	/* Changed bytes of a large value, read back through the copy. */
	memset(k8, 0, sizeof(k8));
	k8[7] = 7;
	CHECK_EQ(poke(dir, "log", k8, 8, &saved, 0, &saved), 0);
	CHECK_EQ(saved.len, STORE_ENTRY_LEN + 1 + LEN);
	for (i = 0; i < 4; i++) {
		amana_buf_reset(&lv);
		CHECK_EQ(amana_buf_append(&lv, saved.p, saved.len), 0);
		if (lv.len != saved.len || saved.len < STORE_ENTRY_LEN + 1 +
		    LEN)
			break;
		if (i == 0)
			lv.p[STORE_ENTRY_LEN + 1 + LEN - 1] ^= 1; /* record */
		else if (i == 1)
			lv.p[0] = 0;			/* unknown kind */
		else if (i == 2)
			lv.p[STORE_ENTRY_LEN] = 0;	/* purged, bytes */
		else
			lv.p[STORE_ENTRY_LEN] = 2;	/* unknown state */
		CHECK_EQ(poke(dir, "log", k8, 8, lv.p, lv.len, &saved), 0);
		if ((st = open_store(dir, 0)) == NULL) {
			CHECK(0);
			break;
		}
		amana_buf_reset(&b);
		CHECK_EQ(store_envelope(st, 7, &b), AMANA_ECORRUPT);
		CHECK_EQ(b.len, 0);
		CHECK_EQ(store_envelope(st, 8, &b), 0);
		CHECK_EQ(store_entry(st, 7, ent), i == 0 ? 0 : AMANA_ECORRUPT);
		amana_buf_reset(&b);
		CHECK_EQ(store_entries(st, 0, 256, &b),
		    i == 0 ? 0 : AMANA_ECORRUPT);
		CHECK_EQ(store_tile(st, 0, 0, 256, &b),
		    i == 0 ? 0 : AMANA_ECORRUPT);
		CHECK_EQ(store_receipt(st, 7, &b), i == 0 ? 0 : AMANA_ECORRUPT);
		store_close(st);
		CHECK_EQ(poke(dir, "log", k8, 8, NULL, 0, &saved), 0);
	}
	if ((st = open_store(dir, 0)) != NULL) {
		amana_buf_reset(&b);
		CHECK_EQ(store_envelope(st, 7, &b), 0);
		CHECK(b.len == LEN && memcmp(b.p, rec + 7 * LEN, LEN) == 0);
		store_close(st);
	} else {
		CHECK(0);
	}
out:
	free(it);
	free(res);
	free(rec);
	amana_buf_free(&b);
	amana_buf_free(&saved);
	amana_buf_free(&lv);
	test_rm_store(dir);
}

/* A schema-1 store (other databases) and a bumped version are refused. */
static void
test_schema(void)
{
	static const uint8_t v1[4] = { 0, 0, 0, 1 };
	static const uint8_t v3[4] = { 0, 0, 0, STORE_SCHEMA_VERSION + 1 };
	char dir[4096];
	struct store_opts o;
	struct store *st = NULL;
	struct amana_buf saved;
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k, v;
	int rc;

	amana_buf_init(&saved, 1024, 0);
	test_store_dir(dir, sizeof(dir), "schema");
	(void)mkdir(dir, 0700);
	k.mv_data = (void *)(uintptr_t)"schema";
	k.mv_size = 6;
	v.mv_data = (void *)(uintptr_t)v1;
	v.mv_size = 4;
	rc = mdb_env_create(&env);
	if (rc == 0 && (rc = mdb_env_set_maxdbs(env, 8)) == 0 &&
	    (rc = mdb_env_open(env, dir, 0, 0600)) == 0 &&
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) == 0 &&
	    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &dbi)) == 0 &&
	    (rc = mdb_put(txn, dbi, &k, &v, 0)) == 0 &&
	    (rc = mdb_dbi_open(txn, "entries", MDB_CREATE, &dbi)) == 0) {
		rc = mdb_txn_commit(txn);
		txn = NULL;
	}
	if (txn != NULL)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	CHECK_EQ(rc, 0);
	memset(&o, 0, sizeof(o));
	o.dir = dir;
	o.origin = ORIGIN;
	CHECK_EQ(store_open(&o, &st), AMANA_EUNSUPPORTED);
	CHECK(st == NULL);
	test_rm_store(dir);
	/* A current store whose version is changed. */
	CHECK_EQ(store_open(&o, &st), 0);
	store_close(st);
	st = NULL;
	CHECK_EQ(poke(dir, "meta", "schema", 6, v3, 4, &saved), 0);
	CHECK_EQ(store_open(&o, &st), AMANA_EUNSUPPORTED);
	CHECK_EQ(poke(dir, "meta", "schema", 6, NULL, 0, &saved), 0);
	CHECK_EQ(store_open(&o, &st), 0);
	store_close(st);
	amana_buf_free(&saved);
	test_rm_store(dir);
}

/* ---- dedup in two tiers (docs/STORAGE.md) ---- */

/* Deletes one key of database db in the store at dir (LMDB directly). */
static int
lmdb_del(const char *dir, const char *db, const void *key, size_t klen)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k;
	int rc;

	k.mv_data = (void *)(uintptr_t)key;
	k.mv_size = klen;
	if ((rc = mdb_env_create(&env)) == 0 &&
	    (rc = mdb_env_set_maxdbs(env, 8)) == 0 &&
	    (rc = mdb_env_open(env, dir, 0, 0600)) == 0 &&
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) == 0 &&
	    (rc = mdb_dbi_open(txn, db, 0, &dbi)) == 0 &&
	    (rc = mdb_del(txn, dbi, &k, NULL)) == 0) {
		rc = mdb_txn_commit(txn);
		txn = NULL;
	}
	if (txn != NULL)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	return rc;
}

#define DT_CYCLE	8
#define DT_N		240

static uint64_t
dt_get64(const void *p)
{
	struct amana_cur c;
	uint64_t v;

	amana_cur_init(&c, p, 8);
	return amana_cur_u64be(&c, &v) == 0 ? v : UINT64_MAX;
}

static void
dt_put64(uint8_t b[8], uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

static void
dt_rec(uint8_t rec[32], uint64_t j)
{
	test_fill(rec, 32, 7000 + j);
}

static struct store *
dt_open(const char *dir, uint32_t cycle)
{
	struct store *st = open_store_with(dir, 0, cycle);

	CHECK(st != NULL);
	return st;
}

/* Every record 0 .. n-1 is found at its index, and sent again is a
 * duplicate with that index. */
static void
dt_check_all(struct store *st, struct signer *sg, uint64_t n)
{
	struct store_item it;
	struct store_result r;
	uint8_t rec[32], h[32];
	uint64_t j, idx;

	for (j = 0; j < n; j++) {
		dt_rec(rec, j);
		crypto_hash_sha256(h, rec, sizeof(rec));
		idx = UINT64_MAX;
		CHECK_EQ(store_lookup(st, h, &idx), 0);
		CHECK(idx == j);
		if (j % 5 != 0)
			continue;
		memset(&it, 0, sizeof(it));
		it.kind = LOGENTRY_ALERT;
		it.data = rec;
		it.len = sizeof(rec);
		CHECK_EQ(store_append(st, &it, 1, 1, sign_cb, sg, &r), 0);
		CHECK(r.err == 0 && r.duplicate && r.index == j);
		store_results_free(&r, 1);
	}
}

/* Recent rows and B-tree keys stay within what the cycle allows. */
static void
dt_check_space(struct store *st, uint64_t n, uint64_t batch_max,
    uint64_t cycle)
{
	struct store_stats ss;

	CHECK_EQ(store_stats(st, &ss), 0);
	CHECK(strcmp(ss.db[6].name, "recent") == 0);
	CHECK(ss.db[6].items <= 3 * cycle + batch_max + 16);
	CHECK(ss.db[3].items + 2 * cycle + batch_max >= n);
	CHECK(ss.db[3].items <= n);
}

/* A write transaction on dir's environment and its recent and meta
 * databases, for the helpers below that rewrite a store as older code
 * wrote it; *env and *txn NULL on errors (an LMDB code). */
static int
dt_begin(const char *dir, MDB_env **env, MDB_txn **txn, MDB_dbi *recent,
    MDB_dbi *meta)
{
	int rc;

	*txn = NULL;
	if ((rc = mdb_env_create(env)) != 0)
		return rc;
	if ((rc = mdb_env_set_maxdbs(*env, 8)) != 0 ||
	    (rc = mdb_env_open(*env, dir, 0, 0600)) != 0 ||
	    (rc = mdb_txn_begin(*env, NULL, 0, txn)) != 0 ||
	    (rc = mdb_dbi_open(*txn, "recent", 0, recent)) != 0 ||
	    (rc = mdb_dbi_open(*txn, "meta", 0, meta)) != 0) {
		if (*txn != NULL)
			mdb_txn_abort(*txn);
		mdb_env_close(*env);
		*env = NULL;
		*txn = NULL;
	}
	return rc;
}

/* Sets the schema version, commits txn if rc is 0 (else aborts it) and
 * closes env: rc, or the first error of these. */
static int
dt_end(MDB_env *env, MDB_txn *txn, MDB_dbi meta, uint8_t version, int rc)
{
	uint8_t vb[4] = { 0, 0, 0, version };
	MDB_val k = { 6, (void *)(uintptr_t)"schema" }, v = { 4, vb };

	if (env == NULL)
		return rc;
	if (rc == 0)
		rc = mdb_put(txn, meta, &k, &v, 0);
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	mdb_env_close(env);
	return rc;
}

/* Schema 3 as the previous code wrote it: one recent row per entry. */
static int
dt_to_v3(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_dbi meta, recent;
	MDB_val k, v;
	uint8_t rows[4096][12];
	size_t n = 0, j, i;
	int rc;

	if ((rc = dt_begin(dir, &env, &txn, &recent, &meta)) != 0 ||
	    (rc = mdb_cursor_open(txn, recent, &cur)) != 0)
		return dt_end(env, txn, meta, 3, rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		for (j = 0; j < v.mv_size / 4 && n < 4096; j++, n++) {
			dt_put64(rows[n], dt_get64(k.mv_data) + j);
			memcpy(rows[n] + 8, (uint8_t *)v.mv_data + 4 * j, 4);
		}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND || n == 4096)
		return dt_end(env, txn, meta, 3, rc == MDB_NOTFOUND ? -1 : rc);
	rc = mdb_drop(txn, recent, 0);
	for (i = 0; i < n && rc == 0; i++) {
		k.mv_data = rows[i];
		k.mv_size = 8;
		v.mv_data = rows[i] + 8;
		v.mv_size = 4;
		rc = mdb_put(txn, recent, &k, &v, 0);
	}
	return dt_end(env, txn, meta, 3, rc);
}

/* Schema 2 as the previous code wrote it: every key in the B-tree, no
 * recent rows, no merge state. */
static int
dt_downgrade(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_dbi meta, dedup, recent;
	MDB_val k, v;
	int rc;

	if ((rc = dt_begin(dir, &env, &txn, &recent, &meta)) != 0 ||
	    (rc = mdb_dbi_open(txn, "dedup", MDB_DUPSORT | MDB_DUPFIXED,
	    &dedup)) != 0 || (rc = mdb_cursor_open(txn, recent, &cur)) != 0)
		return dt_end(env, txn, meta, 2, rc);
	/* Rows below the merge cycle are in the B-tree already; putting
	 * them again changes nothing. A row: first index, then its keys. */
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint64_t first = dt_get64(k.mv_data);
		size_t j;

		for (j = 0; rc == 0 && j < v.mv_size / 4; j++) {
			uint8_t ib[8];
			MDB_val dk = { 4, (uint8_t *)v.mv_data + 4 * j };
			MDB_val dv = { 8, ib };

			dt_put64(ib, first + j);
			rc = mdb_put(txn, dedup, &dk, &dv, 0);
		}
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return dt_end(env, txn, meta, 2, rc);
	rc = mdb_drop(txn, recent, 1);
	k.mv_data = (void *)(uintptr_t)"dcycle";
	k.mv_size = 6;
	if (rc == 0)
		rc = mdb_del(txn, meta, &k, NULL);
	k.mv_data = (void *)(uintptr_t)"dmerge";
	if (rc == 0)
		rc = mdb_del(txn, meta, &k, NULL);
	return dt_end(env, txn, meta, 2, rc);
}

/*
 * Appends in batches of 1 .. 13 (with an item sent twice in one batch now
 * and then) across many merge cycles (of cycle entries), a batch that fails
 * after its items were written, reopening, and upgrades from schemas 3 and 2:
 * every record keeps being found, and the tiers stay small.
 */
static void
test_dedup_tiers(struct signer *sg, uint32_t cycle, uint64_t total)
{
	char dir[4096];
	struct store *st;
	struct store_item it[14];
	struct store_result res[14];
	uint8_t rec[14][32], saved_v[4];
	struct amana_buf saved;
	uint64_t j = 0, m, b, round = 0;

	amana_buf_init(&saved, 64, 0);
	test_store_dir(dir, sizeof(dir), "tiers");
	test_rm_store(dir);
	st = dt_open(dir, cycle);
	while (st != NULL && j < total) {
		b = 1 + round++ % 13;
		for (m = 0; m < b && j + m < total; m++) {
			dt_rec(rec[m], j + m);
			memset(&it[m], 0, sizeof(it[m]));
			it[m].kind = LOGENTRY_ALERT;
			it[m].data = rec[m];
			it[m].len = 32;
		}
		if (round % 4 == 0) {		/* item 0 again, same batch */
			it[m] = it[0];
			m++;
		}
		if (round == 9) {		/* fails after writing: no trace */
			sg->fail = AMANA_EIO;
			CHECK_EQ(store_append(st, it, m, 1, sign_cb, sg, res),
			    AMANA_EIO);
			sg->fail = 0;
		}
		CHECK_EQ(store_append(st, it, m, 1, sign_cb, sg, res), 0);
		for (b = 0; b < m; b++) {
			CHECK_EQ(res[b].err, 0);
			CHECK(res[b].index == ((b > 0 && it[b].data == rec[0]) ?
			    j : j + b));
			CHECK(res[b].duplicate == (b > 0 && it[b].data ==
			    rec[0]));
		}
		store_results_free(res, m);
		j += round % 4 == 0 ? m - 1 : m;
		if (round % 7 == 0)
			dt_check_all(st, sg, j);
		if (round % 11 == 0) {		/* the cycle stays 8 */
			store_close(st);
			st = dt_open(dir, 3);
			dt_check_all(st, sg, j);
		}
		dt_check_space(st, j, 14, cycle);
	}
	/* Another process appends (j, j+1): this one finds them at once
	 * (their recent rows) and, sent again, they are duplicates. */
	if (st != NULL) {
		pid_t pid;
		int status = 0;
		uint64_t idx;
		uint8_t h[32];

		fflush(NULL);
		if ((pid = fork()) == 0) {
			struct store *o = dt_open(dir, 0);
			int bad = o == NULL;

			for (m = 0; m < 2 && !bad; m++) {
				dt_rec(rec[0], j + m);
				memset(&it[0], 0, sizeof(it[0]));
				it[0].kind = LOGENTRY_ALERT;
				it[0].data = rec[0];
				it[0].len = 32;
				bad = store_append(o, it, 1, 1, sign_cb, sg,
				    res) != 0 || res[0].index != j + m;
				store_results_free(res, 1);
			}
			store_close(o);
			_exit(bad);
		}
		CHECK(pid > 0 && waitpid(pid, &status, 0) == pid &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0);
		dt_rec(rec[0], j + 1);
		crypto_hash_sha256(h, rec[0], 32);
		CHECK(store_lookup(st, h, &idx) == 0 && idx == j + 1);
		j += 2;
		dt_check_all(st, sg, j);
		/* Three more cycles: the keys the other process merged are
		 * only in the B-tree then, not in this one's keyset. */
		for (b = 0; b < 3 * (uint64_t)cycle; b++, j++) {
			dt_rec(rec[0], j);
			memset(&it[0], 0, sizeof(it[0]));
			it[0].kind = LOGENTRY_ALERT;
			it[0].data = rec[0];
			it[0].len = 32;
			CHECK_EQ(store_append(st, it, 1, 1, sign_cb, sg, res),
			    0);
			CHECK(res[0].index == j && !res[0].duplicate);
			store_results_free(res, 1);
		}
		dt_check_all(st, sg, j);
	}
	store_close(st);
	/* A recent row missing (the other process's first), the last one
	 * reaching past the tree, or a merge state off by one: refused. */
	{
		struct amana_buf kb;
		struct amana_cur c;
		uint8_t ms[16], two[8] = { 0 };
		uint64_t lo = 0, size = j;

		amana_buf_init(&kb, 8, 0);
		CHECK_EQ(amana_buf_u64be(&kb, size - 2), 0);
		CHECK_EQ(poke(dir, "recent", kb.p, 8, &saved, 0, &saved), 0);
		CHECK_EQ(lmdb_del(dir, "recent", kb.p, 8), 0);
		CHECK(open_store_with(dir, 0, 0) == NULL);
		CHECK_EQ(poke(dir, "recent", kb.p, 8, NULL, 0, &saved), 0);
		amana_buf_reset(&kb);
		CHECK_EQ(amana_buf_u64be(&kb, size - 1), 0);
		CHECK_EQ(poke(dir, "recent", kb.p, 8, two, 8, &saved), 0);
		CHECK(saved.len == 4);
		CHECK(open_store_with(dir, 0, 0) == NULL);
		CHECK_EQ(poke(dir, "recent", kb.p, 8, NULL, 0, &saved), 0);
		amana_buf_free(&kb);
		CHECK_EQ(poke(dir, "meta", "dmerge", 6, &saved, 0, &saved), 0);
		CHECK(saved.len == 16);
		memcpy(ms, saved.p, 16);
		amana_cur_init(&c, ms, 16);
		CHECK(amana_cur_u64be(&c, &lo) == 0 && lo <= size &&
		    size - lo < 2 * (uint64_t)cycle);
		ms[15] ^= 1;
		CHECK_EQ(poke(dir, "meta", "dmerge", 6, ms, 16, &saved), 0);
		CHECK(open_store_with(dir, 0, 0) == NULL);
		CHECK_EQ(poke(dir, "meta", "dmerge", 6, NULL, 0, &saved), 0);
		st = dt_open(dir, 0);
		store_close(st);
	}
	/* Schema 3 (a recent row per entry): upgraded at open. */
	CHECK_EQ(dt_to_v3(dir), 0);
	CHECK_EQ(poke(dir, "meta", "schema", 6, &saved, 0, &saved), 0);
	CHECK(saved.len == 4 && saved.p[3] == 3);
	st = dt_open(dir, 0);
	CHECK_EQ(poke(dir, "meta", "schema", 6, &saved, 0, &saved), 0);
	CHECK(saved.len == 4 && saved.p[3] == STORE_SCHEMA_VERSION);
	dt_check_all(st, sg, j);
	store_close(st);
	/* Schema 2: upgraded at open, its keys all in the B-tree. */
	CHECK_EQ(dt_downgrade(dir), 0);
	CHECK_EQ(poke(dir, "meta", "schema", 6, &saved, 0, &saved), 0);
	CHECK(saved.len == 4 && saved.p[3] == 2);
	st = dt_open(dir, 5);
	CHECK_EQ(poke(dir, "meta", "schema", 6, &saved, 0, &saved), 0);
	memcpy(saved_v, saved.p, 4);
	CHECK(saved.len == 4 && saved_v[3] == STORE_SCHEMA_VERSION);
	dt_check_all(st, sg, j);
	for (m = 0; m < 30; m++, j++) {
		dt_rec(rec[0], j);
		memset(&it[0], 0, sizeof(it[0]));
		it[0].kind = LOGENTRY_ALERT;
		it[0].data = rec[0];
		it[0].len = 32;
		CHECK_EQ(store_append(st, it, 1, 1, sign_cb, sg, res), 0);
		CHECK(res[0].index == j && !res[0].duplicate);
		store_results_free(res, 1);
	}
	dt_check_all(st, sg, j);
	store_close(st);
	st = dt_open(dir, 0);
	dt_check_all(st, sg, j);
	store_close(st);
	amana_buf_free(&saved);
	test_rm_store(dir);
}

/*
 * A store reopened with more dedup keys in its B-tree than one batch adds
 * to the keyset (4096): while the writer fills the keyset, batch after
 * batch, and once it holds them all, old records are found and are
 * duplicates, and new ones are not.
 */
static void
test_dedup_keyset(struct signer *sg)
{
	char dir[4096];
	struct store *st;
	struct store_item it[100];
	struct store_result res[100];
	uint8_t rec[100][32], h[32];
	uint64_t j, m, q, idx, n = 12000;
	unsigned r;

	test_store_dir(dir, sizeof(dir), "keyset");
	test_rm_store(dir);
	if ((st = dt_open(dir, 64)) == NULL)
		return;
	for (j = 0; j < n; j += 100) {
		for (m = 0; m < 100; m++) {
			dt_rec(rec[m], j + m);
			memset(&it[m], 0, sizeof(it[m]));
			it[m].kind = LOGENTRY_ALERT;
			it[m].data = rec[m];
			it[m].len = 32;
		}
		CHECK_EQ(store_append(st, it, 100, 1, sign_cb, sg, res), 0);
		CHECK(res[99].index == j + 99 && !res[99].duplicate);
		store_results_free(res, 100);
	}
	store_close(st);
	if ((st = dt_open(dir, 0)) == NULL)
		return;
	for (r = 0; r < 6; r++) {
		for (q = r; q < n; q += 397) {
			dt_rec(rec[0], q);
			crypto_hash_sha256(h, rec[0], 32);
			idx = UINT64_MAX;
			CHECK_EQ(store_lookup(st, h, &idx), 0);
			CHECK(idx == q);
		}
		/* An old one again, then a new one with it: a batch. */
		dt_rec(rec[0], r * 1999);
		dt_rec(rec[1], n + r);
		for (m = 0; m < 2; m++) {
			memset(&it[m], 0, sizeof(it[m]));
			it[m].kind = LOGENTRY_ALERT;
			it[m].data = rec[m];
			it[m].len = 32;
		}
		CHECK_EQ(store_append(st, it, 2, 1, sign_cb, sg, res), 0);
		CHECK(res[0].duplicate && res[0].index == r * 1999);
		CHECK(!res[1].duplicate && res[1].index == n + r);
		store_results_free(res, 2);
		dt_rec(rec[0], n + 100 + r);
		crypto_hash_sha256(h, rec[0], 32);
		CHECK_EQ(store_lookup(st, h, &idx), AMANA_ENOENT);
	}
	store_close(st);
	test_rm_store(dir);
}

/*
 * Dedup matches kinds too: a purge of index 0, whose record is be64(0),
 * is not "a duplicate" of an alert that happens to hold those 8 bytes.
 */
static void
test_dedup_kind(struct signer *sg)
{
	char dir[4096];
	struct store *st;
	struct store_item it;
	struct store_result r;
	struct amana_buf b;
	uint8_t rec[32], zero[8] = { 0 };

	amana_buf_init(&b, 1 << 16, 0);
	test_store_dir(dir, sizeof(dir), "kind");
	test_rm_store(dir);
	if ((st = dt_open(dir, 0)) == NULL)
		return;
	memset(&it, 0, sizeof(it));
	it.kind = LOGENTRY_ALERT;
	dt_rec(rec, 0);
	it.data = rec;
	it.len = sizeof(rec);
	CHECK(store_append(st, &it, 1, 1, sign_cb, sg, &r) == 0 &&
	    r.index == 0);
	store_results_free(&r, 1);
	it.data = zero;
	it.len = sizeof(zero);
	CHECK(store_append(st, &it, 1, 1, sign_cb, sg, &r) == 0 &&
	    r.index == 1);
	store_results_free(&r, 1);
	CHECK_EQ(store_purge(st, 0, 2, sign_cb, sg, &r), 0);
	CHECK(r.err == 0 && !r.duplicate && r.index == 2);
	store_results_free(&r, 1);
	CHECK_EQ(store_envelope(st, 0, &b), AMANA_ENOENT);	/* purged */
	store_close(st);
	amana_buf_free(&b);
	test_rm_store(dir);
}

/* ---- a reader looking up while the writer merges ---- */

struct dt_race {
	struct store	*st;
	_Atomic uint64_t committed;	/* records 0 .. committed-1 logged */
	_Atomic int	 done;
	unsigned long	 lookups, misses;
};

static void *
dt_reader(void *arg)
{
	struct dt_race *r = arg;
	uint8_t rec[32], h[32];
	uint64_t s = 12345, j, n, idx;

	while (!atomic_load(&r->done)) {
		if ((n = atomic_load(&r->committed)) == 0)
			continue;
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		j = (s >> 33) % n;
		dt_rec(rec, j);
		crypto_hash_sha256(h, rec, sizeof(rec));
		r->lookups++;
		if (store_lookup(r->st, h, &idx) != 0 || idx != j)
			r->misses++;
	}
	return NULL;
}

/*
 * While the writer appends across many merge cycles (of 8), a reader
 * thread looks up records already logged: every one is found, although
 * its snapshot may be older than the young tier the writer has pruned.
 */
static void
test_dedup_race(struct signer *sg)
{
	char dir[4096];
	struct dt_race r;
	struct store_item it[13];
	struct store_result res[13];
	uint8_t rec[13][32];
	pthread_t thr;
	uint64_t j = 0, m, b, round = 0;

	memset(&r, 0, sizeof(r));
	test_store_dir(dir, sizeof(dir), "race");
	test_rm_store(dir);
	if ((r.st = dt_open(dir, DT_CYCLE)) == NULL)
		return;
	if (pthread_create(&thr, NULL, dt_reader, &r) != 0) {
		CHECK(0);
		store_close(r.st);
		return;
	}
	while (j < 3000) {
		b = 1 + round++ % 13;
		for (m = 0; m < b; m++) {
			dt_rec(rec[m], j + m);
			memset(&it[m], 0, sizeof(it[m]));
			it[m].kind = LOGENTRY_ALERT;
			it[m].data = rec[m];
			it[m].len = 32;
		}
		CHECK_EQ(store_append(r.st, it, m, 1, sign_cb, sg, res), 0);
		store_results_free(res, m);
		j += m;
		atomic_store(&r.committed, j);
	}
	atomic_store(&r.done, 1);
	pthread_join(thr, NULL);
	CHECK(r.lookups > 0);
	CHECK_EQ(r.misses, 0);
	printf("race: %lu lookups, %lu misses\n", r.lookups, r.misses);
	store_close(r.st);
	test_rm_store(dir);
}

int
main(void)
{
	struct signer sg;
	char base[4096];
	const char *b = getenv("AMANA_BUILD");

	test_begin("store");
	if (sodium_init() < 0)
		return 1;
	(void)snprintf(base, sizeof(base), "%s/test-tmp",
	    b != NULL ? b : ".");
	(void)mkdir(base, 0700);
	memset(&sg, 0, sizeof(sg));
	if (note_signer_generate(ORIGIN, &sg.s) != 0)
		return 1;
	note_signer_verifier(sg.s, &sg.v);
	test_append(&sg);
	test_full(&sg);
	test_corrupt(&sg);
	test_pread(&sg);
	test_schema();
	test_dedup_tiers(&sg, DT_CYCLE, DT_N);
	test_dedup_tiers(&sg, 256, 1000);	/* merge steps of 4 keys */
	test_dedup_race(&sg);
	test_dedup_keyset(&sg);
	test_dedup_kind(&sg);
	note_signer_free(sg.s);
	return test_done();
}
