/*
 * cli_reply: `amana ack` and `amana reply` (investigator: a reply record
 * sealed to the alert's reply recipient, and to the authority itself, in a
 * signed envelope the relay logs) and `amana inbox` (NGO: the replies to
 * its own alerts, opened with the reply identities `submit` kept).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "age.h"
#include "amana_file.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_env.h"
#include "cli_keys.h"
#include "cli_relay.h"
#include "cli_tlog.h"
#include "envelope.h"
#include "logentry.h"
#include "record.h"

#define LIST_MAX	((size_t)80 << 20)
#define ACK_TEXT	"Your alert was received by the authority. It will be " \
			"examined and you will be informed of the follow-up.\n"
#define INBOX_MAX	4096

struct rcpt_ctx {
	char	rcpt[RECORD_RECIPIENT_MAX + 1];
	size_t	len;
};

static int
grab_rcpt(void *arg, const struct record_header *h)
{
	struct rcpt_ctx *c = arg;

	if (h->reply_recipient_len > RECORD_RECIPIENT_MAX)
		return AMANA_ETOOBIG;
	memcpy(c->rcpt, h->reply_recipient, h->reply_recipient_len);
	c->len = h->reply_recipient_len;
	c->rcpt[c->len] = '\0';
	return 0;
}

/* Decrypts the alert envelope and returns its reply recipient key. */
static int
reply_key(const char *cmd, const uint8_t *p, size_t len,
    const struct age_dec_keys *keys, uint8_t pk[AGE_KEY_LEN])
{
	static const struct record_reader_cb cb = { grab_rcpt, NULL, NULL,
	    NULL };
	struct record_reader *rr = NULL;
	struct age_dec *d = NULL;
	struct envelope_view v;
	struct rcpt_ctx c = { { 0 }, 0 };
	int ret = CLI_FAIL, err;

	if (envelope_parse(p, len, &v) != 0)
		return cli_fail(cmd, "malformed alert envelope");
	if ((err = record_reader_new(&cb, &c, &rr)) != 0 ||
	    (err = age_dec_new(keys, record_reader_sink, rr, &d)) != 0 ||
	    (err = age_dec_write(d, v.payload, (size_t)v.hdr.payload_len)) !=
	    0 || (err = age_dec_finish(d)) != 0 ||
	    (err = record_reader_finish(rr)) != 0) {
		ret = cli_fail(cmd, "cannot open the alert: %s", err ==
		    AMANA_ENOMATCH ? "the identity does not match" :
		    amana_strerror(err));
		goto out;
	}
	if (c.len != AGE_RECIPIENT_STR_LEN || age_recipient_parse((const
	    uint8_t *)c.rcpt, c.len, pk) != 0) {
		ret = cli_fail(cmd, "the alert's reply recipient is not an "
		    "X25519 age recipient");
		goto out;
	}
	ret = CLI_OK;
out:
	age_dec_free(d);
	record_reader_free(rr);
	return ret;
}

static int
buf_sink(void *ctx, const uint8_t *p, size_t len)
{
	return amana_buf_append(ctx, p, len);
}

static int
answer(const char *cmd, int kind, int argc, char **argv)
{
	struct cli_opt opts[] = {
		{ "relay", 0, 1, 0, 0, NULL },
		{ "key", 0, 1, 0, 0, NULL },
		{ "alert", 0, 1, 0, 0, NULL },
		{ "identity", 'i', 1, 1, 0, NULL },
		{ "log-key", 0, 1, 0, 0, NULL },
		{ "dir", 0, 1, 0, 0, NULL },
		{ "ca", 0, 1, 0, 0, NULL },
		{ "passphrase-file", 0, 1, 0, 0, NULL },
	};
	const size_t nopts = sizeof(opts) / sizeof(opts[0]);
	struct cli_http_resp resp = { 0 };
	struct age_identity **ids = NULL;
	struct note_signer *s = NULL;
	struct envelope_writer *w = NULL;
	struct cli_http *h = NULL;
	struct cli_tlog t = { 0 };
	struct age_dec_keys keys = { 0 };
	struct envelope_header eh;
	struct note_verifier lk, me;
	struct receipt_view rv;
	struct record_reply rr;
	struct cli_signer cs;
	struct cli_frame f;
	struct amana_cur c;
	struct cli_args a;
	struct amana_buf msg, rec, payload, env;
	uint8_t pks[2][AGE_KEY_LEN], sm[ENVELOPE_SIGNED_LEN], sig[NOTE_SIG_LEN];
	const char *keypath, *lkpath, *alert_s, *dir, *sl, *idp;
	const char *const *idpaths;
	char lkbuf[4096], q[96], path[4200], dirbuf[4096], idbuf[4200];
	size_t nidpaths;
	unsigned long long alert;
	size_t nids = 0;
	int ret = CLI_USAGE, err, n;

	amana_buf_init(&msg, RECORD_MESSAGE_MAX, 1);
	amana_buf_init(&rec, (size_t)RECORD_MAX, 1);
	amana_buf_init(&payload, (size_t)ENVELOPE_PAYLOAD_MAX, 0);
	amana_buf_init(&env, (size_t)ENVELOPE_MAX, 0);
	if (cli_args_parse(cmd, argc, argv, opts, nopts, &a) != 0)
		goto out;
	keypath = cli_opt_get(opts, nopts, "key");
	alert_s = cli_opt_get(opts, nopts, "alert");
	if (a.npos > 1 || keypath == NULL || alert_s == NULL) {
		ret = cli_usage(cmd, a.npos > 1 ? "expected at most one "
		    "MESSAGE-FILE" : keypath == NULL ? "missing --key F" :
		    "missing --alert N");
		goto out;
	}
	if (cli_parse_u64(alert_s, 0, ~0ULL >> 1, &alert) != 0) {
		ret = cli_usage(cmd, "bad --alert N");
		goto out;
	}
	if ((dir = cli_opt_get(opts, nopts, "dir")) == NULL) {
		sl = strrchr(keypath, '/');
		n = sl == NULL ? snprintf(dirbuf, sizeof(dirbuf), ".") :
		    snprintf(dirbuf, sizeof(dirbuf), "%.*s", (int)(sl -
		    keypath), keypath);
		if (n < 0 || (size_t)n >= sizeof(dirbuf))
			goto out;
		dir = dirbuf;
	}
	/* the authority identity: --identity, else authority.identity in DIR */
	idpaths = opts[3].vals;
	nidpaths = opts[3].count;
	if (nidpaths == 0) {
		if ((ret = cli_path(cmd, idbuf, sizeof(idbuf), dir,
		    "authority.identity")) != CLI_OK)
			goto out;
		if (access(idbuf, F_OK) != 0) {
			ret = cli_usage(cmd, "missing --identity F (the "
			    "authority identity, to read the alert's reply "
			    "recipient), or put it in %s", idbuf);
			goto out;
		}
		idp = idbuf;
		idpaths = &idp;
		nidpaths = 1;
	}
	if ((ret = cli_log_key_path(cmd, cli_opt_get(opts, nopts, "log-key"),
	    keypath, lkbuf, sizeof(lkbuf), &lkpath)) != CLI_OK ||
	    (ret = cli_relay_open(cmd, cli_opt_get(opts, nopts, "relay"),
	    cli_opt_get(opts, nopts, "ca"), &h)) != CLI_OK ||
	    (ret = cli_load_verifier(cmd, lkpath, &lk)) != CLI_OK ||
	    (ret = cli_load_signer(cmd, keypath, cli_opt_get(opts, nopts,
	    "passphrase-file"), &s)) != CLI_OK ||
	    (ret = cli_load_identities(cmd, idpaths, nidpaths,
	    cli_opt_get(opts, nopts, "passphrase-file"), &ids, &nids)) !=
	    CLI_OK)
		goto out;
	ret = CLI_FAIL;
	/* a reply without MESSAGE-FILE reads stdin; an ack has a default */
	if (a.npos == 1 || kind == ENVELOPE_KIND_REPLY) {
		if ((err = amana_file_read(a.npos == 1 ? a.pos[0] : "-",
		    &msg)) != 0) {
			ret = cli_file_err(cmd, a.npos == 1 ? a.pos[0] : "-",
			    err);
			goto out;
		}
	} else if (amana_buf_str(&msg, ACK_TEXT) != 0) {
		ret = cli_fail(cmd, "out of memory");
		goto out;
	}
	/* the alert, checked against the verified log */
	if ((ret = cli_tlog_load(cmd, h, &lk, 0, &t)) != CLI_OK)
		goto out;
	cs.s = s;
	n = snprintf(q, sizeof(q), "/v1/alerts?from=%llu&limit=1", alert);
	if (n < 0 || (size_t)n >= sizeof(q))
		goto out;
	if ((ret = cli_relay_call(cmd, h, "GET", q, NULL, 0, 1, LIST_MAX, &cs,
	    &resp)) != CLI_OK)
		goto out;
	amana_cur_init(&c, resp.body.p, resp.body.len);
	if (cli_frame_next(&c, &f) != 0 || f.index != alert) {
		ret = cli_fail(cmd, "alert %llu is not on the relay", alert);
		goto out;
	}
	keys.ids = ids;
	keys.n_ids = nids;
	if ((ret = cli_check_in_log(cmd, &t, alert, LOGENTRY_ALERT, f.p,
	    f.len)) != CLI_OK ||
	    (ret = reply_key(cmd, f.p, f.len, &keys, pks[0])) != CLI_OK)
		goto out;
	ret = CLI_FAIL;
	age_identity_public(ids[0], pks[1]);	/* the authority keeps a copy */
	/* seal and sign */
	memset(&rr, 0, sizeof(rr));
	rr.kind = (uint8_t)kind;
	rr.alert_index = alert;
	rr.message = (const char *)msg.p;
	rr.message_len = msg.len;
	if ((err = record_reply_format(&rr, &rec)) != 0) {
		ret = cli_fail(cmd, "cannot make the %s: %s", cmd,
		    err == AMANA_EPARSE ? "the message must be UTF-8 text" :
		    amana_strerror(err));
		goto out;
	}
	if ((err = age_encrypt_buf((const uint8_t (*)[AGE_KEY_LEN])pks, 2,
	    rec.p, rec.len, &payload)) != 0)
		goto fail;
	note_signer_verifier(s, &me);
	memset(&eh, 0, sizeof(eh));
	eh.kind = (uint8_t)kind;
	memcpy(eh.signer, me.pk, ENVELOPE_PK_LEN);
	eh.created = (uint64_t)time(NULL);
	eh.ref = alert;
	eh.payload_len = payload.len;
	if ((err = envelope_writer_new(&eh, buf_sink, &env, &w)) != 0 ||
	    (err = envelope_writer_write(w, payload.p, payload.len)) != 0 ||
	    (err = envelope_writer_msg(w, sm)) != 0 ||
	    (err = note_sign_raw(s, sm, sizeof(sm), sig)) != 0 ||
	    (err = envelope_writer_finish_sig(w, sig)) != 0)
		goto fail;
	n = snprintf(q, sizeof(q), "/v1/alerts/%llu/replies", alert);
	if (n < 0 || (size_t)n >= sizeof(q))
		goto out;
	cli_http_resp_free(&resp);
	if ((ret = cli_relay_call(cmd, h, "POST", q, env.p, env.len, 1,
	    RECEIPT_MAX_LEN + 1024, NULL, &resp)) != CLI_OK ||
	    (ret = cli_check_receipt(cmd, "the relay's receipt", resp.body.p,
	    resp.body.len, &lk, env.p, env.len, &rv)) != CLI_OK)
		goto out;
	ret = CLI_FAIL;
	/* kept for `amana cases`: DIR/cases/<alert>.<kind>-<entry> */
	n = snprintf(path, sizeof(path), "%s/cases", dir);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    amana_file_mkdirs(path, 0700) != 0)
		goto out;
	n = snprintf(path, sizeof(path), "%s/cases/%llu.%s-%llu.tlog-proof",
	    dir, alert, kind == ENVELOPE_KIND_ACK ? "ack" : "reply",
	    (unsigned long long)rv.index);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    (err = amana_file_write_atomic(path, 0644, resp.body.p,
	    resp.body.len)) != 0) {
		ret = cli_fail(cmd, "cannot keep the receipt in %s", dir);
		goto out;
	}
	printf("alert %llu: %s logged as entry %llu\n", alert,
	    kind == ENVELOPE_KIND_ACK ? "acknowledgement" : "reply",
	    (unsigned long long)rv.index);
	ret = CLI_OK;
	goto out;
fail:
	ret = cli_fail(cmd, "cannot seal the %s: %s", cmd,
	    amana_strerror(err));
out:
	envelope_writer_free(w);
	note_signer_free(s);
	age_identities_free(ids, nids);
	cli_tlog_free(&t);
	cli_http_resp_free(&resp);
	cli_http_free(h);
	amana_buf_free(&msg);
	amana_buf_free(&rec);
	amana_buf_free(&payload);
	amana_buf_free(&env);
	cli_args_free(opts, nopts);
	return ret;
}

int
cli_cmd_ack(int argc, char **argv)
{
	return answer("ack", ENVELOPE_KIND_ACK, argc, argv);
}

int
cli_cmd_reply(int argc, char **argv)
{
	return answer("reply", ENVELOPE_KIND_REPLY, argc, argv);
}

/* inbox */

struct item {
	uint64_t	 index;		/* log entry of the reply */
	uint64_t	 alert;
	int		 kind;
	uint64_t	 created;	/* the log entry's time, seconds */
	struct amana_buf text;		/* secure */
};

static int
by_index_desc(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	return x->index < y->index ? 1 : x->index > y->index ? -1 : 0;
}

/*
 * Reads the replies of alert n with identity file idpath into items, each
 * checked against the verified log t first (as fetch does); *newer counts
 * those logged after t's checkpoint, left for the next run.
 */
static int
inbox_alert(struct cli_http *h, struct cli_signer *cs,
    const struct cli_tlog *t, uint64_t n, const char *idpath,
    struct item *items, size_t *nitems, size_t *newer)
{
	struct cli_http_resp resp = { 0 };
	struct age_identity **ids = NULL;
	struct age_dec_keys keys = { 0 };
	struct envelope_view v;
	struct record_reply rr;
	struct amana_buf plain;
	struct cli_frame f;
	struct amana_cur c;
	char q[96];
	uint64_t ms;
	size_t nids = 0, nf;
	int ret, k, err, kind;

	amana_buf_init(&plain, (size_t)RECORD_MAX, 1);
	if ((ret = cli_load_identities("inbox", &idpath, 1, NULL, &ids,
	    &nids)) != CLI_OK)
		goto out;
	ret = CLI_FAIL;
	keys.ids = ids;
	keys.n_ids = nids;
	k = snprintf(q, sizeof(q), "/v1/alerts/%llu/replies",
	    (unsigned long long)n);
	if (k < 0 || (size_t)k >= sizeof(q))
		goto out;
	if ((ret = cli_relay_call("inbox", h, "GET", q, NULL, 0, 1, LIST_MAX,
	    cs, &resp)) != CLI_OK)
		goto out;
	ret = CLI_FAIL;
	if (cli_frames_check(resp.body.p, resp.body.len, n + 1,
	    (size_t)ENVELOPE_MAX, &nf) != 0) {
		ret = cli_fail("inbox", "malformed list of replies to alert "
		    "%llu from the relay", (unsigned long long)n);
		goto out;
	}
	amana_cur_init(&c, resp.body.p, resp.body.len);
	while (cli_frame_next(&c, &f) == 0) {
		if (f.index >= t->size) {
			(*newer)++;	/* logged after our checkpoint */
			continue;
		}
		/* in the log, signed, for alert n: only then decrypted */
		if ((ret = cli_check_reply("inbox", t, n, &f, &kind, &ms)) !=
		    CLI_OK)
			goto out;
		ret = CLI_FAIL;
		if (envelope_parse(f.p, f.len, &v) != 0)
			goto out;
		amana_buf_reset(&plain);
		if ((err = age_decrypt_buf(&keys, v.payload,
		    (size_t)v.hdr.payload_len, &plain)) != 0 ||
		    (err = record_reply_parse(plain.p, plain.len, &rr)) != 0 ||
		    rr.alert_index != n || rr.kind != v.hdr.kind) {
			ret = cli_fail("inbox", "a reply to alert %llu cannot be "
			    "opened with %s", (unsigned long long)n, idpath);
			goto out;
		}
		if (*nitems == INBOX_MAX)
			break;
		items[*nitems].index = f.index;
		items[*nitems].alert = n;
		items[*nitems].kind = v.hdr.kind;
		items[*nitems].created = ms / 1000;	/* relay time */
		amana_buf_init(&items[*nitems].text, RECORD_MESSAGE_MAX, 1);
		if (amana_buf_append(&items[*nitems].text, rr.message,
		    rr.message_len) != 0)
			goto out;
		(*nitems)++;
	}
	ret = CLI_OK;
out:
	age_identities_free(ids, nids);
	amana_buf_free(&plain);
	cli_http_resp_free(&resp);
	return ret;
}

int
cli_cmd_inbox(int argc, char **argv)
{
	struct cli_opt opts[] = {
		{ "relay", 0, 1, 0, 0, NULL },
		{ "ngo-key", 0, 1, 0, 0, NULL },
		{ "dir", 0, 1, 0, 0, NULL },
		{ "alert", 0, 1, 0, 0, NULL },
		{ "ca", 0, 1, 0, 0, NULL },
		{ "passphrase-file", 0, 1, 0, 0, NULL },
		{ "log-key", 0, 1, 0, 0, NULL },
	};
	const size_t nopts = sizeof(opts) / sizeof(opts[0]);
	struct note_signer *s = NULL;
	struct cli_http *h = NULL;
	struct cli_tlog t = { 0 };
	struct note_verifier lk;
	struct item *items = NULL;
	struct cli_signer cs;
	struct cli_args a;
	struct dirent *de;
	struct tm tm;
	time_t tt;
	DIR *d = NULL;
	const char *keypath, *dir, *alert_s, *sl, *lkpath;
	char dirbuf[4096], idpath[4400], num[32], when[32], lkbuf[4096];
	unsigned long long n;
	size_t nitems = 0, i, len, nalerts = 0, newer = 0;
	int ret = CLI_USAGE, k;

	if (cli_args_parse("inbox", argc, argv, opts, nopts, &a) != 0)
		goto out;
	keypath = cli_opt_get(opts, nopts, "ngo-key");
	alert_s = cli_opt_get(opts, nopts, "alert");
	if (a.npos != 0 || keypath == NULL) {
		ret = cli_usage("inbox", a.npos != 0 ? "unexpected argument" :
		    "missing --ngo-key F");
		goto out;
	}
	if (alert_s != NULL && cli_parse_u64(alert_s, 0, ~0ULL >> 1, &n) !=
	    0) {
		ret = cli_usage("inbox", "bad --alert N");
		goto out;
	}
	if ((dir = cli_opt_get(opts, nopts, "dir")) == NULL) {
		sl = strrchr(keypath, '/');
		k = sl == NULL ? snprintf(dirbuf, sizeof(dirbuf), ".") :
		    snprintf(dirbuf, sizeof(dirbuf), "%.*s", (int)(sl -
		    keypath), keypath);
		if (k < 0 || (size_t)k >= sizeof(dirbuf))
			goto out;
		dir = dirbuf;
	}
	if ((ret = cli_log_key_path("inbox", cli_opt_get(opts, nopts,
	    "log-key"), keypath, lkbuf, sizeof(lkbuf), &lkpath)) != CLI_OK ||
	    (ret = cli_relay_open("inbox", cli_opt_get(opts, nopts, "relay"),
	    cli_opt_get(opts, nopts, "ca"), &h)) != CLI_OK ||
	    (ret = cli_load_verifier("inbox", lkpath, &lk)) != CLI_OK ||
	    (ret = cli_load_signer("inbox", keypath, cli_opt_get(opts, nopts,
	    "passphrase-file"), &s)) != CLI_OK ||
	    (ret = cli_tlog_load("inbox", h, &lk, 0, &t)) != CLI_OK)
		goto out;
	ret = CLI_FAIL;
	cs.s = s;
	if ((items = calloc(INBOX_MAX, sizeof(*items))) == NULL)
		goto out;
	if (alert_s != NULL) {
		k = snprintf(idpath, sizeof(idpath), "%s/alert-%llu.identity",
		    dir, n);
		if (k < 0 || (size_t)k >= sizeof(idpath))
			goto out;
		if ((ret = inbox_alert(h, &cs, &t, n, idpath, items, &nitems,
		    &newer)) != CLI_OK)
			goto out;
		nalerts = 1;
	} else {
		if ((d = opendir(dir)) == NULL) {
			ret = cli_fail("inbox", "%s: cannot read the folder",
			    dir);
			goto out;
		}
		while ((de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			if (len <= 15 || strncmp(de->d_name, "alert-", 6) != 0 ||
			    strcmp(de->d_name + len - 9, ".identity") != 0 ||
			    len - 15 >= sizeof(num))
				continue;
			memcpy(num, de->d_name + 6, len - 15);
			num[len - 15] = '\0';
			if (cli_parse_u64(num, 0, ~0ULL >> 1, &n) != 0)
				continue;
			k = snprintf(idpath, sizeof(idpath), "%s/%s", dir,
			    de->d_name);
			if (k < 0 || (size_t)k >= sizeof(idpath))
				goto out;
			if ((ret = inbox_alert(h, &cs, &t, n, idpath, items,
			    &nitems, &newer)) != CLI_OK)
				goto out;
			ret = CLI_FAIL;
			nalerts++;
		}
	}
	qsort(items, nitems, sizeof(*items), by_index_desc);
	for (i = 0; i < nitems; i++) {
		tt = (time_t)items[i].created;
		if (gmtime_r(&tt, &tm) == NULL || strftime(when, sizeof(when),
		    "%Y-%m-%d %H:%M UTC", &tm) == 0)
			when[0] = '\0';
		printf("alert %llu: %s (log entry %llu, %s)\n",
		    (unsigned long long)items[i].alert, items[i].kind ==
		    ENVELOPE_KIND_ACK ? "acknowledgement" : "reply",
		    (unsigned long long)items[i].index, when);
		fwrite(items[i].text.p, 1, items[i].text.len, stdout);
		if (items[i].text.len == 0 ||
		    items[i].text.p[items[i].text.len - 1] != '\n')
			putchar('\n');
		putchar('\n');
	}
	fprintf(stderr, "amana inbox: %zu message%s for %zu alert%s, checked "
	    "against the log (%llu entries)\n", nitems, nitems == 1 ? "" : "s",
	    nalerts, nalerts == 1 ? "" : "s", (unsigned long long)t.size);
	if (newer > 0)
		fprintf(stderr, "amana inbox: %zu newer message%s, logged after "
		    "the checkpoint, will show on the next run\n", newer,
		    newer == 1 ? "" : "s");
	ret = CLI_OK;
out:
	if (d != NULL)
		closedir(d);
	if (items != NULL)
		for (i = 0; i < nitems; i++)
			amana_buf_free(&items[i].text);
	free(items);
	note_signer_free(s);
	cli_tlog_free(&t);
	cli_http_free(h);
	cli_args_free(opts, nopts);
	return ret;
}
