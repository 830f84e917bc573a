/*
 * roster_check: see roster_check.h. The store keeps the latest roster
 * record per key; each is re-verified against the authority key when read
 * (so records of a replaced authority key stop counting), and decisions
 * are cached per key until the roster changes (a roster commit or SIGHUP).
 * Expiry is re-checked against the clock on every use.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "logentry.h"
#include "relay.h"
#include "roster.h"
#include "roster_check.h"

#define CACHE_SLOTS	1024
#define PENDING_MAX	256	/* roster records queued, not yet committed */

struct roster_cache_slot {
	uint8_t		key[NOTE_PK_LEN];
	int		used;
	int		found;		/* a verified record exists */
	struct roster_rec rec;
};

/*
 * A key with roster records in the commit queue: the newest issued time
 * among them. The queue commits in order, so a record accepted later must
 * be newer than these too, or an older grant could land after a revocation.
 */
struct roster_pending {
	uint8_t		key[NOTE_PK_LEN];
	uint64_t	issued;
	size_t		refs;		/* 0: free */
};

struct roster_state {
	struct roster_cache_slot slots[CACHE_SLOTS];
	struct roster_pending	 pending[PENDING_MAX];
};

static struct roster_state *
state(struct relay *r)
{
	if (r->roster_cache == NULL)
		r->roster_cache = calloc(1, sizeof(struct roster_state));
	return r->roster_cache;
}

static struct roster_cache_slot *
slot_for(struct relay *r, const uint8_t *key)
{
	size_t i = ((size_t)key[0] | (size_t)key[1] << 8) % CACHE_SLOTS;
	struct roster_state *st = state(r);

	return st != NULL ? &st->slots[i] : NULL;
}

static struct roster_pending *
pending_find(struct roster_state *st, const uint8_t *key)
{
	size_t i;

	for (i = 0; i < PENDING_MAX; i++)
		if (st->pending[i].refs > 0 &&
		    memcmp(st->pending[i].key, key, NOTE_PK_LEN) == 0)
			return &st->pending[i];
	return NULL;
}

/* The verified latest record for key: 0, AMANA_ENOENT, or a store error. */
static int
lookup(struct relay *r, const uint8_t *key, struct roster_rec *rec)
{
	struct roster_cache_slot *s = slot_for(r, key);
	struct amana_buf b;
	int ret;

	if (s != NULL && s->used && memcmp(s->key, key, NOTE_PK_LEN) == 0) {
		if (!s->found)
			return AMANA_ENOENT;
		*rec = s->rec;
		return 0;
	}
	amana_buf_init(&b, NOTE_MAX_LEN, 0);
	ret = store_roster_get(r->st, key, &b, NULL);
	if (ret == 0 && (roster_verify(b.p, b.len, &r->authority, rec) != 0 ||
	    memcmp(rec->vkey.pk, key, NOTE_PK_LEN) != 0))
		ret = AMANA_ENOENT;	/* not from this authority */
	amana_buf_free(&b);
	if (ret != 0 && ret != AMANA_ENOENT)
		return ret;
	if (s != NULL) {
		memcpy(s->key, key, NOTE_PK_LEN);
		s->used = 1;
		s->found = ret == 0;
		if (ret == 0)
			s->rec = *rec;
	}
	return ret;
}

int
relay_roster_check(struct relay *r, const uint8_t *key, int role, int64_t now)
{
	struct roster_rec rec;
	int ret, kind;

	if (!r->have_authority)
		return AMANA_EUNSUPPORTED;
	if ((ret = lookup(r, key, &rec)) != 0)
		return ret;
	kind = role == RELAY_ROLE_NGO ? ROSTER_ACCREDITATION : ROSTER_CREDENTIAL;
	switch (roster_status(&rec, 1, key, kind, now < 0 ? 0 :
	    (uint64_t)now)) {
	case ROSTER_ACTIVE:
		return 0;
	case ROSTER_EXPIRED:
		return AMANA_EEXPIRED;
	case ROSTER_REVOKED:
		return AMANA_EDENIED;
	default:
		return AMANA_ENOENT;	/* a record for the other role */
	}
}

int
relay_roster_record(struct relay *r, const uint8_t *p, size_t len, int *kind,
    uint8_t key[static 32])
{
	struct roster_rec rec, old;
	struct roster_state *st;
	struct roster_pending *pd, *fr = NULL;
	size_t i;
	int ret;

	if (!r->have_authority)
		return AMANA_EUNSUPPORTED;
	if ((st = state(r)) == NULL)
		return AMANA_ENOMEM;
	if ((ret = roster_verify(p, len, &r->authority, &rec)) != 0)
		return ret;
	/*
	 * Only a newer record may replace the current one: re-posting an
	 * old, authority-signed accreditation must not undo a revocation,
	 * neither one already committed nor one still in the queue.
	 */
	ret = lookup(r, rec.vkey.pk, &old);
	if (ret == 0 && rec.issued <= old.issued)
		return AMANA_EEXIST;
	if (ret != 0 && ret != AMANA_ENOENT)
		return ret;
	if ((pd = pending_find(st, rec.vkey.pk)) != NULL &&
	    rec.issued <= pd->issued)
		return AMANA_EEXIST;
	if (pd == NULL) {
		for (i = 0; i < PENDING_MAX && fr == NULL; i++)
			if (st->pending[i].refs == 0)
				fr = &st->pending[i];
		if (fr == NULL)
			return AMANA_EBUSY;
	}
	switch (rec.kind) {
	case ROSTER_ACCREDITATION:
		*kind = LOGENTRY_ACCREDITATION;
		break;
	case ROSTER_CREDENTIAL:
		*kind = LOGENTRY_CREDENTIAL;
		break;
	case ROSTER_REVOCATION:
		*kind = LOGENTRY_REVOCATION;
		break;
	default:
		return AMANA_EPARSE;
	}
	if (pd == NULL) {
		pd = fr;
		memcpy(pd->key, rec.vkey.pk, NOTE_PK_LEN);
	}
	pd->issued = rec.issued;
	pd->refs++;
	memcpy(key, rec.vkey.pk, NOTE_PK_LEN);
	return 0;
}

void
relay_roster_done(struct relay *r, const uint8_t key[static 32])
{
	struct roster_pending *pd;

	if (r->roster_cache == NULL ||
	    (pd = pending_find(r->roster_cache, key)) == NULL)
		return;
	if (--pd->refs == 0)
		memset(pd, 0, sizeof(*pd));
}

void
relay_roster_changed(struct relay *r)
{
	struct roster_state *st = r->roster_cache;

	if (st != NULL)
		memset(st->slots, 0, sizeof(st->slots));
}
