/*
 * roster_check: see roster_check.h. The store keeps the latest roster
 * record per key; each is re-verified against the authority key when read
 * (so records of a replaced authority key stop counting), and decisions
 * are cached per key until the roster changes (a roster commit or SIGHUP).
 * Expiry is re-checked against the clock on every use.
 */
#include <string.h>

#include <sodium.h>

#include "logentry.h"
#include "relay.h"
#include "roster.h"
#include "roster_check.h"

#define CACHE_SLOTS	1024

struct roster_cache_slot {
	uint8_t		key[NOTE_PK_LEN];
	int		used;
	int		found;		/* a verified record exists */
	struct roster_rec rec;
};

static struct roster_cache_slot *
slot_for(struct relay *r, const uint8_t *key)
{
	size_t i = ((size_t)key[0] | (size_t)key[1] << 8) % CACHE_SLOTS;

	if (r->roster_cache == NULL &&
	    (r->roster_cache = calloc(CACHE_SLOTS,
	    sizeof(struct roster_cache_slot))) == NULL)
		return NULL;
	return &((struct roster_cache_slot *)r->roster_cache)[i];
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
	int ret;

	if (!r->have_authority)
		return AMANA_EUNSUPPORTED;
	if ((ret = roster_verify(p, len, &r->authority, &rec)) != 0)
		return ret;
	/*
	 * Only a newer record may replace the current one: re-posting an
	 * old, authority-signed accreditation must not undo a revocation.
	 */
	ret = lookup(r, rec.vkey.pk, &old);
	if (ret == 0 && rec.issued <= old.issued)
		return AMANA_EEXIST;
	if (ret != 0 && ret != AMANA_ENOENT)
		return ret;
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
	memcpy(key, rec.vkey.pk, NOTE_PK_LEN);
	return 0;
}

void
relay_roster_changed(struct relay *r)
{
	if (r->roster_cache != NULL)
		memset(r->roster_cache, 0,
		    CACHE_SLOTS * sizeof(struct roster_cache_slot));
}
