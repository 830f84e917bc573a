/*
 * api: the HTTP routes of docs/PROTOCOL.md section 8. Every handler runs on
 * the loop thread; posted envelopes go through the verification stage
 * (verify.h: their signatures are checked off the loop) and come back in
 * relay_api_verified; writes go through the commit queue and are answered
 * in relay_api_done. Reads use LMDB read transactions (never waiting for
 * the writer). Error bodies are one plain line. Nothing here
 * looks at the peer address, and nothing is logged per request.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <sodium.h>

#include "amana_buf.h"
#include "amana_codec.h"
#include "envelope.h"
#include "logentry.h"
#include "relay.h"
#include "route.h"
#include "reqsig.h"
#include "roster_check.h"
#include "tile.h"

#define API_URI_MAX		2048
#define API_FETCH_BYTES_MAX	((size_t)64 << 20)
#define API_LIST_DEFAULT	100
/* Largest answer sent as one TLS record: the TLS plaintext limit. */
#define API_ONE_RECORD_MAX	16384

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
add_header(struct evhttp_request *req, const char *k, const char *v)
{
	(void)evhttp_add_header(evhttp_request_get_output_headers(req), k, v);
}

/*
 * evhttp_send_reply, then, for a small answer, its headers and body made
 * one piece of the output buffer: bufferevent_openssl calls SSL_write once
 * per piece, and each call is a TLS record and a write(2), so a receipt
 * would otherwise leave as two records (headers, body) and two system
 * calls, and the client would decrypt two records. The buffer is only
 * rearranged (evbuffer_pullup), never changed; nothing has been sent yet
 * (the bufferevent writes when its socket is next found writable).
 */
static void
send_reply(struct evhttp_request *req, int status, struct evbuffer *b)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = NULL;
	struct evbuffer *out = NULL;
	size_t len;

	if (evcon != NULL && (bev = evhttp_connection_get_bufferevent(evcon)) !=
	    NULL)
		out = bufferevent_get_output(bev);
	evhttp_send_reply(req, status, NULL, b);
	if (out == NULL)
		return;
	len = evbuffer_get_length(out);
	if (len > 0 && len <= API_ONE_RECORD_MAX)
		(void)evbuffer_pullup(out, (ev_ssize_t)len);
}

void
relay_reply_error(struct relay *r, struct evhttp_request *req, int status,
    enum relay_reject cls, const char *msg)
{
	struct evbuffer *b = evbuffer_new();

	relay_metrics_reject(&r->metrics, cls);
	add_header(req, "Content-Type", "text/plain; charset=utf-8");
	add_header(req, "Cache-Control", "no-store");
	if (status == 503 || status == 429)
		add_header(req, "Retry-After", "1");
	if (status == 401)
		add_header(req, "WWW-Authenticate", "Amana-Signature");
	if (b != NULL) {
		(void)evbuffer_add(b, msg, strlen(msg));
		(void)evbuffer_add(b, "\n", 1);
	}
	send_reply(req, status, b);
	if (b != NULL)
		evbuffer_free(b);
}

static void
reply_buf(struct evhttp_request *req, int status, const char *type,
    const char *cache, const uint8_t *p, size_t len)
{
	struct evbuffer *b = evbuffer_new();

	add_header(req, "Content-Type", type);
	add_header(req, "Cache-Control", cache);
	if (b != NULL && len > 0)
		(void)evbuffer_add(b, p, len);
	send_reply(req, status, b);
	if (b != NULL)
		evbuffer_free(b);
}

static void
put_u64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Appends one frame: u64be index || u64be len || bytes. */
static int
frame(struct amana_buf *out, uint64_t index, const uint8_t *p, size_t len)
{
	uint8_t h[16];
	int ret;

	put_u64(h, index);
	put_u64(h + 8, len);
	if ((ret = amana_buf_append(out, h, sizeof(h))) != 0)
		return ret;
	return amana_buf_append(out, p, len);
}

static void
body_of(struct evhttp_request *req, const uint8_t **p, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);

	*len = evbuffer_get_length(in);
	*p = *len > 0 ? evbuffer_pullup(in, -1) : NULL;
}

/* Maps a roster_check error to an answer. */
static void
reply_roster_err(struct relay *r, struct evhttp_request *req, int err,
    int ngo)
{
	if (err == AMANA_EEXPIRED)
		relay_reply_error(r, req, 403, RELAY_REJ_DENIED, ngo ?
		    "accreditation expired: ask the authority to renew it" :
		    "credential expired: ask the authority to renew it");
	else if (err == AMANA_EDENIED)
		relay_reply_error(r, req, 403, RELAY_REJ_DENIED, ngo ?
		    "accreditation revoked: this key may no longer submit" :
		    "credential revoked: this key may no longer act");
	else if (err == AMANA_EUNSUPPORTED)
		relay_reply_error(r, req, 503, RELAY_REJ_OVERLOAD,
		    "no authority key configured: the operator must start "
		    "the relay with --authority");
	else if (err == AMANA_ENOENT)
		relay_reply_error(r, req, 403, RELAY_REJ_DENIED, ngo ?
		    "unknown key: not accredited by the authority" :
		    "unknown key: no credential from the authority");
	else
		relay_reply_error(r, req, 500, RELAY_REJ_INTERNAL,
		    "internal error reading the roster; retry later");
}

/*
 * Checks a signed request (crypto/reqsig) from a key with role.
 * On success *rs holds the parsed signature. Answers and returns -1 on
 * failure.
 */
static int
check_signed(struct relay *r, struct evhttp_request *req, const char *method,
    const char *uri, const uint8_t *body, size_t len, int role,
    struct reqsig *rs)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const char *k, *t, *n, *s;
	int64_t now = (int64_t)time(NULL);
	int ret;

	k = evhttp_find_header(h, REQSIG_HDR_KEY);
	t = evhttp_find_header(h, REQSIG_HDR_TIME);
	n = evhttp_find_header(h, REQSIG_HDR_NONCE);
	s = evhttp_find_header(h, REQSIG_HDR_SIG);
	if (k == NULL || t == NULL || n == NULL || s == NULL) {
		relay_reply_error(r, req, 401, RELAY_REJ_SIGNATURE,
		    "unsigned request: send Amana-Key, Amana-Time, "
		    "Amana-Nonce and Amana-Signature (PROTOCOL.md section 9)");
		return -1;
	}
	if (reqsig_parse(rs, k, strlen(k), t, strlen(t), n, strlen(n), s,
	    strlen(s)) != 0) {
		relay_reply_error(r, req, 400, RELAY_REJ_MALFORMED,
		    "malformed Amana-* signature headers");
		return -1;
	}
	if ((ret = relay_roster_check(r, rs->pk, role, now)) != 0) {
		reply_roster_err(r, req, ret, role == RELAY_ROLE_NGO);
		return -1;
	}
	ret = reqsig_verify(rs, method, uri, body, len, now);
	if (ret == AMANA_EEXPIRED) {
		relay_reply_error(r, req, 401, RELAY_REJ_SIGNATURE,
		    "request time outside the 300 s window: check the clock");
		return -1;
	}
	if (ret != 0) {
		relay_reply_error(r, req, 401, RELAY_REJ_SIGNATURE,
		    "request signature does not verify");
		return -1;
	}
	ret = relay_nonce_check(r->nonce, rs->pk, rs->nonce, now);
	if (ret == AMANA_EEXIST) {
		relay_reply_error(r, req, 401, RELAY_REJ_REPLAY,
		    "replayed request: sign every request with a new nonce");
		return -1;
	}
	if (ret == AMANA_EBUSY) {
		relay_reply_error(r, req, 429, RELAY_REJ_RATE,
		    "too many signed requests from this key; retry later");
		return -1;
	}
	if (ret != 0) {
		relay_reply_error(r, req, 503, RELAY_REJ_OVERLOAD,
		    "too many signed requests in flight; retry shortly");
		return -1;
	}
	return 0;
}

static void
answer_receipt(struct relay *r, struct evhttp_request *req, int status,
    uint64_t index, const struct amana_buf *receipt)
{
	char idx[24];
	int n;

	n = snprintf(idx, sizeof(idx), "%llu", (unsigned long long)index);
	if (n > 0 && (size_t)n < sizeof(idx))
		add_header(req, "Amana-Index", idx);
	reply_buf(req, status, "text/plain; charset=utf-8", "no-store",
	    receipt->p, receipt->len);
}

/*
 * An identical record is already logged: its receipt, nothing verified.
 * hash: out, SHA-256 of the body, handed on to enqueue() so the writer
 * never hashes the record again.
 */
static int
try_duplicate(struct relay *r, struct evhttp_request *req, const uint8_t *p,
    size_t len, uint8_t hash[static ENVELOPE_HASH_LEN])
{
	struct amana_buf rc;
	uint64_t index;

	envelope_hash(p, len, hash);
	if (store_lookup(r->st, hash, &index) != 0)
		return 0;
	amana_buf_init(&rc, STORE_CKPT_MAX + 8192, 0);
	if (store_receipt(r->st, index, &rc) != 0) {
		amana_buf_free(&rc);
		return 0;
	}
	atomic_fetch_add(&r->metrics.duplicates, 1);
	answer_receipt(r, req, 200, index, &rc);
	amana_buf_free(&rc);
	return 1;
}

/*
 * Queues a write: an envelope (v, a view into p) to the verification
 * stage, which hands it back to relay_api_verified; anything else (roster
 * records, verified already) to the commit queue. Answers and returns -1
 * when it cannot.
 */
static int
enqueue(struct relay *r, struct evhttp_request *req, uint8_t kind,
    const uint8_t *p, size_t len, const uint8_t hash[static ENVELOPE_HASH_LEN],
    uint64_t ref, const uint8_t *key, const struct envelope_view *v)
{
	struct relay_job *j;
	int ret;

	if ((j = calloc(1, sizeof(*j))) == NULL) {
		relay_reply_error(r, req, 503, RELAY_REJ_OVERLOAD,
		    "out of memory; retry shortly");
		return -1;
	}
	j->req = req;
	j->item.kind = kind;
	j->item.data = p;
	j->item.len = len;
	j->item.ref = ref;
	memcpy(j->hash, hash, sizeof(j->hash));
	j->item.hash = j->hash;
	if (key != NULL) {
		memcpy(j->key, key, STORE_KEY_LEN);
		j->item.key = j->key;
	}
	j->body_bytes = len;
	if (v != NULL) {
		j->env = *v;
		j->role = kind == LOGENTRY_ALERT ? RELAY_ROLE_NGO :
		    RELAY_ROLE_INVESTIGATOR;
		ret = relay_verify_submit(r->verify, j);
	} else
		ret = relay_commit_submit(r->commit, j);
	if (ret != 0) {
		free(j);
		relay_reply_error(r, req, 503, RELAY_REJ_OVERLOAD,
		    "the relay is busy: queue full; retry after a second");
		return -1;
	}
	return 0;
}

/*
 * An envelope's signature was checked off the loop: its signer must still
 * hold the role (a revocation committed meanwhile counts), and only now is
 * the signer's rate budget charged (the signer field is public: a forged
 * envelope must not spend an NGO's tokens), then the write is queued.
 */
void
relay_api_verified(struct relay_job *j, void *arg)
{
	struct relay *r = arg;
	struct evhttp_request *req = j->req;
	int ret = 0;

	if (j->verify_err != 0)
		relay_reply_error(r, req, 400, RELAY_REJ_MALFORMED,
		    "envelope signature does not verify");
	else if ((ret = relay_roster_check(r, j->env.hdr.signer, j->role,
	    (int64_t)time(NULL))) != 0)
		reply_roster_err(r, req, ret, j->role == RELAY_ROLE_NGO);
	else if (relay_rate_take(r->rate, j->env.hdr.signer, now_ms()) != 0)
		relay_reply_error(r, req, 429, RELAY_REJ_RATE,
		    "rate limit for this key reached; retry later");
	else if (relay_commit_submit(r->commit, j) != 0)
		relay_reply_error(r, req, 503, RELAY_REJ_OVERLOAD,
		    "the relay is busy: queue full; retry after a second");
	else
		return;		/* answered in relay_api_done */
	free(j);
}

void
relay_api_done(struct relay_job *j, void *arg)
{
	struct relay *r = arg;
	struct evhttp_request *req = j->req;

	if (j->item.kind >= LOGENTRY_ACCREDITATION &&
	    j->item.kind <= LOGENTRY_REVOCATION)
		relay_roster_done(r, j->key);	/* committed or not */
	if (j->batch_err == AMANA_EFULL)
		relay_reply_error(r, req, 503, RELAY_REJ_OVERLOAD,
		    "the store is full: the operator must grow it; retry later");
	else if (j->batch_err != 0)
		relay_reply_error(r, req, 503, RELAY_REJ_INTERNAL,
		    "the write could not be committed; retry later");
	else if (j->result.err == AMANA_ETOOBIG)
		relay_reply_error(r, req, 413, RELAY_REJ_TOOBIG,
		    "record too large for the store");
	else if (j->result.err != 0)
		relay_reply_error(r, req, 400, RELAY_REJ_MALFORMED,
		    "the store refused this record (bad reference or key)");
	else {
		if (j->result.duplicate)
			atomic_fetch_add(&r->metrics.duplicates, 1);
		else if (j->item.kind == LOGENTRY_ALERT)
			atomic_fetch_add(&r->metrics.alerts, 1);
		else if (j->item.kind == LOGENTRY_REPLY ||
		    j->item.kind == LOGENTRY_ACK)
			atomic_fetch_add(&r->metrics.replies, 1);
		else
			atomic_fetch_add(&r->metrics.roster, 1);
		if (j->item.kind >= LOGENTRY_ACCREDITATION)
			relay_roster_changed(r);
		answer_receipt(r, req, j->result.duplicate ? 200 : 201,
		    j->result.index, &j->result.receipt);
	}
	store_results_free(&j->result, 1);
	free(j);
}

static void
envelope_err(struct relay *r, struct evhttp_request *req, int err)
{
	if (err == AMANA_ETOOBIG)
		relay_reply_error(r, req, 413, RELAY_REJ_TOOBIG,
		    "envelope payload above the maximum size");
	else
		relay_reply_error(r, req, 400, RELAY_REJ_MALFORMED,
		    "malformed envelope (PROTOCOL.md section 3)");
}

/*
 * The checks every posted envelope passes on the loop, cheapest first:
 * an identical one already logged gets its receipt (nothing verified
 * again); the signer's roster record must grant role now. Then enqueue()
 * hands it to the verification stage (one Ed25519 verification, off the
 * loop), and relay_api_verified charges the key's rate budget. hash: out,
 * SHA-256 of the body for enqueue(). Returns 0 when the envelope should
 * be queued, -1 when req was answered.
 */
static int
admit_envelope(struct relay *r, struct evhttp_request *req,
    const struct envelope_view *v, const uint8_t *p, size_t len, int role,
    uint8_t hash[static ENVELOPE_HASH_LEN])
{
	int ret;

	if (try_duplicate(r, req, p, len, hash))
		return -1;
	if ((ret = relay_roster_check(r, v->hdr.signer, role,
	    (int64_t)time(NULL))) != 0) {
		reply_roster_err(r, req, ret, role == RELAY_ROLE_NGO);
		return -1;
	}
	return 0;
}

static void
post_alert(struct relay *r, struct evhttp_request *req)
{
	uint8_t hash[ENVELOPE_HASH_LEN];
	struct envelope_view v;
	const uint8_t *p;
	size_t len;
	int ret;

	body_of(req, &p, &len);
	if (len == 0) {
		relay_reply_error(r, req, 400, RELAY_REJ_MALFORMED,
		    "empty body: POST one signed envelope");
		return;
	}
	if (p == NULL) {
		relay_reply_error(r, req, 503, RELAY_REJ_OVERLOAD,
		    "out of memory; retry shortly");
		return;
	}
	if ((ret = envelope_parse(p, len, &v)) != 0) {
		envelope_err(r, req, ret);
		return;
	}
	if (v.hdr.kind != ENVELOPE_KIND_ALERT) {
		relay_reply_error(r, req, 400, RELAY_REJ_MALFORMED,
		    "not an alert envelope: replies go to "
		    "/v1/alerts/N/replies");
		return;
	}
	if (admit_envelope(r, req, &v, p, len, RELAY_ROLE_NGO, hash) != 0)
		return;
	(void)enqueue(r, req, LOGENTRY_ALERT, p, len, hash, 0, NULL, &v);
}

/* The log entry of index, decoded. */
static int
entry_kind(struct relay *r, uint64_t index, int *kind)
{
	uint8_t e[STORE_ENTRY_LEN];
	struct logentry le;
	int ret;

	if ((ret = store_entry(r->st, index, e)) != 0 ||
	    (ret = logentry_decode(e, sizeof(e), &le)) != 0)
		return ret;
	*kind = le.kind;
	return 0;
}

static void
get_alerts(struct relay *r, struct evhttp_request *req, const char *uri,
    const struct route *rt)
{
	struct reqsig rs;
	struct amana_buf out, env;
	uint64_t from = 0, limit = API_LIST_DEFAULT, size, i, scanned = 0;
	size_t got = 0;
	char next[24];
	int kind, ret, n;

	if (route_list_query(rt->query, rt->query_len, &from, &limit) != 0) {
		relay_reply_error(r, req, 400, RELAY_REJ_MALFORMED,
		    "bad query: use ?from=N&limit=M with decimal numbers");
		return;
	}
	if (check_signed(r, req, "GET", uri, NULL, 0, RELAY_ROLE_INVESTIGATOR,
	    &rs) != 0)
		return;
	if (limit > r->cfg.fetch_max)
		limit = r->cfg.fetch_max;
	if (store_size(r->st, &size) != 0) {
		relay_reply_error(r, req, 500, RELAY_REJ_INTERNAL,
		    "cannot read the log; retry later");
		return;
	}
	amana_buf_init(&out, API_FETCH_BYTES_MAX + ENVELOPE_MAX + 64, 0);
	amana_buf_init(&env, ENVELOPE_MAX, 0);
	for (i = from; i < size && got < limit && out.len < API_FETCH_BYTES_MAX &&
	    scanned < 4 * (uint64_t)r->cfg.fetch_max; i++, scanned++) {
		if ((ret = entry_kind(r, i, &kind)) != 0)
			goto fail;
		if (kind != LOGENTRY_ALERT)
			continue;
		amana_buf_reset(&env);
		ret = store_envelope(r->st, i, &env);
		if (ret == AMANA_ENOENT)
			continue;	/* purged */
		if (ret != 0 || (ret = frame(&out, i, env.p, env.len)) != 0)
			goto fail;
		got++;
	}
	n = snprintf(next, sizeof(next), "%llu", (unsigned long long)
	    (i > from ? i : from));
	if (n > 0 && (size_t)n < sizeof(next))
		add_header(req, "Amana-Next", next);
	reply_buf(req, 200, "application/octet-stream", "no-store", out.p,
	    out.len);
	amana_buf_free(&out);
	amana_buf_free(&env);
	return;
fail:
	amana_buf_free(&out);
	amana_buf_free(&env);
	relay_reply_error(r, req, 500, RELAY_REJ_INTERNAL,
	    "cannot read the log; retry later");
}

/* The NGO key that signed alert n; answers and returns -1 on failure. */
static int
alert_signer(struct relay *r, struct evhttp_request *req, uint64_t n,
    uint8_t pk[static ENVELOPE_PK_LEN])
{
	struct envelope_view v;
	struct amana_buf env;
	uint64_t size;
	int kind, ret;

	if (store_size(r->st, &size) != 0 || n >= size ||
	    entry_kind(r, n, &kind) != 0 || kind != LOGENTRY_ALERT) {
		relay_reply_error(r, req, 404, RELAY_REJ_NOTFOUND,
		    "no such alert in the log");
		return -1;
	}
	amana_buf_init(&env, ENVELOPE_MAX, 0);
	ret = store_envelope(r->st, n, &env);
	if (ret == 0)
		ret = envelope_parse(env.p, env.len, &v);
	if (ret == 0)
		memcpy(pk, v.hdr.signer, ENVELOPE_PK_LEN);
	amana_buf_free(&env);
	if (ret == AMANA_ENOENT) {
		relay_reply_error(r, req, 404, RELAY_REJ_NOTFOUND,
		    "this alert was purged");
		return -1;
	}
	if (ret != 0) {
		relay_reply_error(r, req, 500, RELAY_REJ_INTERNAL,
		    "cannot read the alert; retry later");
		return -1;
	}
	return 0;
}

static int
reply_frame_cb(void *ctx, uint32_t seq, uint64_t index, const uint8_t *data,
    size_t len)
{
	return frame(ctx, index, data, len);
}

/*
 * The role a GET of replies is checked for: investigator when the
 * Amana-Key header names a key with a current credential (the roster is
 * public, so this leaks nothing), else NGO. check_signed then verifies.
 */
static int
replies_role(struct relay *r, struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const char *k, *t, *n, *s;
	struct reqsig rs;

	k = evhttp_find_header(h, REQSIG_HDR_KEY);
	t = evhttp_find_header(h, REQSIG_HDR_TIME);
	n = evhttp_find_header(h, REQSIG_HDR_NONCE);
	s = evhttp_find_header(h, REQSIG_HDR_SIG);
	if (k == NULL || t == NULL || n == NULL || s == NULL ||
	    reqsig_parse(&rs, k, strlen(k), t, strlen(t), n, strlen(n), s,
	    strlen(s)) != 0 || relay_roster_check(r, rs.pk,
	    RELAY_ROLE_INVESTIGATOR, (int64_t)time(NULL)) != 0)
		return RELAY_ROLE_NGO;
	return RELAY_ROLE_INVESTIGATOR;
}

/* The submitting NGO, or any credentialed investigator (for `cases`). */
static void
get_replies(struct relay *r, struct evhttp_request *req, const char *uri,
    uint64_t n)
{
	uint8_t owner[ENVELOPE_PK_LEN];
	struct amana_buf out;
	struct reqsig rs;
	int role = replies_role(r, req);

	if (check_signed(r, req, "GET", uri, NULL, 0, role, &rs) != 0)
		return;
	if (alert_signer(r, req, n, owner) != 0)
		return;
	if (role != RELAY_ROLE_INVESTIGATOR &&
	    sodium_memcmp(owner, rs.pk, ENVELOPE_PK_LEN) != 0) {
		relay_reply_error(r, req, 403, RELAY_REJ_DENIED,
		    "only the NGO that submitted this alert (or a "
		    "credentialed investigator) may read its replies");
		return;
	}
	amana_buf_init(&out, API_FETCH_BYTES_MAX, 0);
	if (store_replies(r->st, n, reply_frame_cb, &out) != 0) {
		amana_buf_free(&out);
		relay_reply_error(r, req, 500, RELAY_REJ_INTERNAL,
		    "cannot read the replies; retry later");
		return;
	}
	reply_buf(req, 200, "application/octet-stream", "no-store", out.p,
	    out.len);
	amana_buf_free(&out);
}

static void
post_reply(struct relay *r, struct evhttp_request *req, uint64_t n)
{
	uint8_t hash[ENVELOPE_HASH_LEN];
	uint8_t owner[ENVELOPE_PK_LEN];
	struct envelope_view v;
	const uint8_t *p;
	size_t len;
	int ret;

	body_of(req, &p, &len);
	if (len == 0 || p == NULL) {
		relay_reply_error(r, req, 400, RELAY_REJ_MALFORMED,
		    "empty body: POST one signed reply envelope");
		return;
	}
	if ((ret = envelope_parse(p, len, &v)) != 0) {
		envelope_err(r, req, ret);
		return;
	}
	if ((v.hdr.kind != ENVELOPE_KIND_REPLY &&
	    v.hdr.kind != ENVELOPE_KIND_ACK) || v.hdr.ref != n) {
		relay_reply_error(r, req, 400, RELAY_REJ_MALFORMED,
		    "not a reply or acknowledgement envelope for this alert");
		return;
	}
	if (alert_signer(r, req, n, owner) != 0)
		return;
	if (admit_envelope(r, req, &v, p, len, RELAY_ROLE_INVESTIGATOR,
	    hash) != 0)
		return;
	(void)enqueue(r, req, v.hdr.kind == ENVELOPE_KIND_ACK ? LOGENTRY_ACK :
	    LOGENTRY_REPLY, p, len, hash, n, NULL, &v);
}

static int
roster_frame_cb(void *ctx, const uint8_t *key, uint64_t index,
    const uint8_t *data, size_t len)
{
	return frame(ctx, index, data, len);
}

static void
get_roster(struct relay *r, struct evhttp_request *req)
{
	struct amana_buf out;

	amana_buf_init(&out, API_FETCH_BYTES_MAX, 0);
	if (store_roster_each(r->st, roster_frame_cb, &out) != 0) {
		amana_buf_free(&out);
		relay_reply_error(r, req, 500, RELAY_REJ_INTERNAL,
		    "cannot read the roster; retry later");
		return;
	}
	reply_buf(req, 200, "application/octet-stream", "no-cache", out.p,
	    out.len);
	amana_buf_free(&out);
}

static void
post_roster(struct relay *r, struct evhttp_request *req)
{
	uint8_t hash[ENVELOPE_HASH_LEN];
	uint8_t key[STORE_KEY_LEN];
	const uint8_t *p;
	size_t len;
	int kind, ret;

	body_of(req, &p, &len);
	if (len == 0 || p == NULL) {
		relay_reply_error(r, req, 400, RELAY_REJ_MALFORMED,
		    "empty body: POST one authority-signed roster record");
		return;
	}
	if (try_duplicate(r, req, p, len, hash))
		return;
	ret = relay_roster_record(r, p, len, &kind, key);
	if (ret == AMANA_EUNSUPPORTED) {
		reply_roster_err(r, req, ret, 0);
		return;
	}
	if (ret == AMANA_EEXIST) {
		relay_reply_error(r, req, 409, RELAY_REJ_MALFORMED,
		    "stale roster record: a newer record for this key is "
		    "already logged");
		return;
	}
	if (ret == AMANA_EBUSY || ret == AMANA_ENOMEM) {
		relay_reply_error(r, req, 503, RELAY_REJ_OVERLOAD,
		    "too many roster records in flight; retry shortly");
		return;
	}
	if (ret == AMANA_EBADSIG) {
		relay_reply_error(r, req, 403, RELAY_REJ_DENIED,
		    "roster record not signed by this relay's authority key");
		return;
	}
	if (ret != 0) {
		relay_reply_error(r, req, 400, RELAY_REJ_MALFORMED,
		    "malformed roster record (PROTOCOL.md section 5)");
		return;
	}
	if (enqueue(r, req, (uint8_t)kind, p, len, hash, 0, key, NULL) != 0)
		relay_roster_done(r, key);
}

static void
get_checkpoint(struct relay *r, struct evhttp_request *req)
{
	struct amana_buf out;
	int ret;

	amana_buf_init(&out, STORE_CKPT_MAX, 0);
	ret = store_checkpoint(r->st, &out);
	if (ret == AMANA_ENOENT && r->empty_ckpt != NULL)
		reply_buf(req, 200, "text/plain; charset=utf-8", "no-cache",
		    r->empty_ckpt, r->empty_ckpt_len);
	else if (ret != 0)
		relay_reply_error(r, req, 503, RELAY_REJ_INTERNAL,
		    "no checkpoint available yet; retry later");
	else
		reply_buf(req, 200, "text/plain; charset=utf-8", "no-cache",
		    out.p, out.len);
	amana_buf_free(&out);
}

static void
get_tile(struct relay *r, struct evhttp_request *req, const char *path)
{
	struct amana_buf out;
	uint64_t n;
	unsigned width;
	int level, entries, ret;

	if (tile_path_parse(path + 1, strlen(path + 1), &level, &n, &width,
	    &entries) != 0) {
		relay_reply_error(r, req, 400, RELAY_REJ_MALFORMED,
		    "malformed tile path (c2sp.org/tlog-tiles)");
		return;
	}
	if (width == 0)
		width = TILE_WIDTH;
	amana_buf_init(&out, (size_t)TILE_WIDTH * (STORE_RAW_ENTRY_MAX + 2),
	    0);
	ret = entries ? store_entries(r->st, n, width, &out) :
	    store_tile(r->st, (unsigned)level, n, width, &out);
	if (ret == AMANA_ENOENT || ret == AMANA_EINVAL)
		relay_reply_error(r, req, 404, RELAY_REJ_NOTFOUND,
		    "no such tile at the current tree size");
	else if (ret != 0)
		relay_reply_error(r, req, 500, RELAY_REJ_INTERNAL,
		    "cannot read the tile; retry later");
	else	/* a tile of a given width never changes */
		reply_buf(req, 200, "application/octet-stream",
		    "public, max-age=31536000, immutable", out.p, out.len);
	amana_buf_free(&out);
}

static void
method_not_allowed(struct relay *r, struct evhttp_request *req,
    const char *allow)
{
	add_header(req, "Allow", allow);
	relay_reply_error(r, req, 405, RELAY_REJ_METHOD,
	    "method not allowed on this resource");
}

static void
api_cb(struct evhttp_request *req, void *arg)
{
	struct relay *r = arg;
	const char *uri = evhttp_request_get_uri(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	char path[API_URI_MAX + 1];
	struct route rt;
	size_t ulen;
	int get = cmd == EVHTTP_REQ_GET, post = cmd == EVHTTP_REQ_POST;

	atomic_fetch_add(&r->metrics.requests, 1);
	if (r->stopping) {
		add_header(req, "Connection", "close");
		relay_reply_error(r, req, 503, RELAY_REJ_OVERLOAD,
		    "the relay is restarting; retry in a few seconds");
		return;
	}
	ulen = uri != NULL ? strlen(uri) : 0;
	if (ulen > API_URI_MAX ||
	    route_parse((const uint8_t *)uri, ulen, &rt) != 0) {
		relay_reply_error(r, req, 400, RELAY_REJ_MALFORMED,
		    "malformed request path");
		return;
	}
	memcpy(path, uri, rt.path_len);
	path[rt.path_len] = '\0';
	if (rt.has_query && rt.kind != ROUTE_ALERTS) {
		relay_reply_error(r, req, 400, RELAY_REJ_MALFORMED,
		    "this resource takes no query string");
		return;
	}
	if (rt.kind == ROUTE_CHECKPOINT) {
		if (!get)
			method_not_allowed(r, req, "GET");
		else
			get_checkpoint(r, req);
	} else if (rt.kind == ROUTE_TILE) {
		if (!get)
			method_not_allowed(r, req, "GET");
		else
			get_tile(r, req, path);
	} else if (rt.kind == ROUTE_ALERTS) {
		if (post && !rt.has_query)
			post_alert(r, req);
		else if (post)
			relay_reply_error(r, req, 400, RELAY_REJ_MALFORMED,
			    "POST /v1/alerts takes no query string");
		else if (get)
			get_alerts(r, req, uri, &rt);
		else
			method_not_allowed(r, req, "GET, POST");
	} else if (rt.kind == ROUTE_REPLIES) {
		if (post)
			post_reply(r, req, rt.alert);
		else if (get)
			get_replies(r, req, uri, rt.alert);
		else
			method_not_allowed(r, req, "GET, POST");
	} else if (rt.kind == ROUTE_ROSTER) {
		if (post)
			post_roster(r, req);
		else if (get)
			get_roster(r, req);
		else
			method_not_allowed(r, req, "GET, POST");
	} else
		relay_reply_error(r, req, 404, RELAY_REJ_NOTFOUND,
		    "no such resource (see PROTOCOL.md section 8)");
}

static void
admin_cb(struct evhttp_request *req, void *arg)
{
	struct relay *r = arg;
	const char *uri = evhttp_request_get_uri(req);
	struct amana_buf out;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		method_not_allowed(r, req, "GET");
		return;
	}
	if (uri != NULL && strcmp(uri, "/healthz") == 0) {
		if (r->stopping)
			relay_reply_error(r, req, 503, RELAY_REJ_OVERLOAD,
			    "stopping");
		else
			reply_buf(req, 200, "text/plain; charset=utf-8",
			    "no-store", (const uint8_t *)"ok\n", 3);
		return;
	}
	if (uri != NULL && strcmp(uri, "/metrics") == 0) {
		amana_buf_init(&out, 1 << 20, 0);
		if (relay_metrics_render(&r->metrics, &out) != 0) {
			amana_buf_free(&out);
			relay_reply_error(r, req, 500, RELAY_REJ_INTERNAL,
			    "cannot render metrics");
			return;
		}
		reply_buf(req, 200, "text/plain; version=0.0.4", "no-store",
		    out.p, out.len);
		amana_buf_free(&out);
		return;
	}
	relay_reply_error(r, req, 404, RELAY_REJ_NOTFOUND,
	    "admin listener serves /healthz and /metrics only");
}

void
relay_api_install(struct relay *r)
{
	evhttp_set_gencb(r->http, api_cb, r);
	if (r->admin != NULL)
		evhttp_set_gencb(r->admin, admin_cb, r);
}
