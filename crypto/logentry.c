/*
 * logentry: the 41-byte public log entry. See logentry.h.
 */
#include <string.h>

#include "amana_cur.h"
#include "logentry.h"

static int
kind_valid(unsigned kind)
{
	return kind >= LOGENTRY_KIND_MIN && kind <= LOGENTRY_KIND_MAX;
}

int
logentry_encode(uint8_t out[LOGENTRY_LEN], const struct logentry *e)
{
	int i;

	if (!kind_valid(e->kind))
		return AMANA_EINVAL;
	out[0] = e->kind;
	for (i = 0; i < 8; i++)
		out[1 + i] = (uint8_t)(e->time_ms >> (56 - 8 * i));
	memcpy(out + 9, e->hash, LOGENTRY_HASH_LEN);
	return 0;
}

int
logentry_decode(const uint8_t *p, size_t len, struct logentry *out)
{
	struct amana_cur c;
	struct logentry e;
	int ret;

	if (len != LOGENTRY_LEN)
		return AMANA_EPARSE;
	amana_cur_init(&c, p, len);
	if ((ret = amana_cur_u8(&c, &e.kind)) != 0 ||
	    (ret = amana_cur_u64be(&c, &e.time_ms)) != 0 ||
	    (ret = amana_cur_copy(&c, e.hash, sizeof(e.hash))) != 0 ||
	    (ret = amana_cur_done(&c)) != 0)
		return ret;
	if (!kind_valid(e.kind))
		return AMANA_EPARSE;
	*out = e;
	return 0;
}

const char *
logentry_kind_name(int kind)
{
	switch (kind) {
	case LOGENTRY_ALERT:
		return "alert";
	case LOGENTRY_REPLY:
		return "reply";
	case LOGENTRY_ACK:
		return "ack";
	case LOGENTRY_ACCREDITATION:
		return "accreditation";
	case LOGENTRY_CREDENTIAL:
		return "credential";
	case LOGENTRY_REVOCATION:
		return "revocation";
	case LOGENTRY_PURGE:
		return "purge";
	default:
		return "unknown";
	}
}
