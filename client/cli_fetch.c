/*
 * cli_fetch: `amana fetch`, the investigator's download of new alert
 * envelopes into DIR/N.envelope. Resumable: it starts after the highest N
 * already in DIR (or at --from N). The whole log is first verified
 * (cli_tlog: signed checkpoint, every tile and entry bundle); each envelope
 * is then checked to be log entry N (kind alert, SHA-256 equal) and to
 * carry a valid signature before it is written atomically (0600).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "amana_file.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_env.h"
#include "cli_keys.h"
#include "cli_relay.h"
#include "cli_tlog.h"
#include "envelope.h"
#include "logentry.h"

#define FETCH_LIMIT	100
#define FETCH_RESP_MAX	((size_t)80 << 20)

/* Highest N of DIR/N.envelope plus one, or 0. */
static uint64_t
resume_point(const char *dir)
{
	struct dirent *de;
	unsigned long long n;
	uint64_t next = 0;
	char num[32];
	size_t len;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 9 || len - 9 >= sizeof(num) ||
		    strcmp(de->d_name + len - 9, ".envelope") != 0)
			continue;
		memcpy(num, de->d_name, len - 9);
		num[len - 9] = '\0';
		if (cli_parse_u64(num, 0, ~0ULL - 1, &n) == 0 && n + 1 > next)
			next = n + 1;
	}
	closedir(d);
	return next;
}

int
cli_log_key_path(const char *cmd, const char *opt, const char *beside,
    char *buf, size_t buf_size, const char **out)
{
	const char *sl;
	int n;

	if (opt != NULL) {
		*out = opt;
		return CLI_OK;
	}
	sl = strrchr(beside, '/');
	n = sl == NULL ? snprintf(buf, buf_size, "relay.vkey") :
	    snprintf(buf, buf_size, "%.*s/relay.vkey", (int)(sl - beside),
	    beside);
	if (n < 0 || (size_t)n >= buf_size)
		return cli_usage(cmd, "path too long");
	if (access(buf, F_OK) != 0)
		return cli_usage(cmd, "no log key: give --log-key VKEYFILE "
		    "(the relay's relay.vkey) or put it in %s", buf);
	*out = buf;
	return CLI_OK;
}

/* Checks that envelope p[0..len) is alert entry index of the log. */
int
cli_check_in_log(const char *cmd, const struct cli_tlog *t, uint64_t index,
    int kind, const uint8_t *p, size_t len)
{
	struct envelope_view v;
	struct logentry le;
	const uint8_t *e;
	uint8_t hash[ENVELOPE_HASH_LEN];
	size_t elen;

	if (index >= t->size)
		return cli_fail(cmd, "entry %llu is not in the verified log",
		    (unsigned long long)index);
	cli_tlog_entry(t, index, &e, &elen);
	if (logentry_decode(e, elen, &le) != 0 || le.kind != kind)
		return cli_fail(cmd, "log entry %llu is not of kind %s",
		    (unsigned long long)index, logentry_kind_name(kind));
	envelope_hash(p, len, hash);
	if (memcmp(hash, le.hash, sizeof(hash)) != 0)
		return cli_fail(cmd, "the relay sent an envelope for %llu that "
		    "is NOT the one in the log", (unsigned long long)index);
	if (envelope_parse(p, len, &v) != 0 ||
	    envelope_verify(&v, v.hdr.signer) != 0)
		return cli_fail(cmd, "envelope %llu is malformed or its "
		    "signature does not verify", (unsigned long long)index);
	return CLI_OK;
}

int
cli_check_reply(const char *cmd, const struct cli_tlog *t, uint64_t alert,
    const struct cli_frame *f, int *kind, uint64_t *time_ms)
{
	struct envelope_view v;
	struct logentry le;
	const uint8_t *e;
	size_t elen;
	int ret;

	if (envelope_parse(f->p, f->len, &v) != 0 || v.hdr.ref != alert ||
	    (v.hdr.kind != ENVELOPE_KIND_REPLY &&
	    v.hdr.kind != ENVELOPE_KIND_ACK))
		return cli_fail(cmd, "the relay sent a malformed reply for "
		    "alert %llu (entry %llu)", (unsigned long long)alert,
		    (unsigned long long)f->index);
	if ((ret = cli_check_in_log(cmd, t, f->index, v.hdr.kind ==
	    ENVELOPE_KIND_ACK ? LOGENTRY_ACK : LOGENTRY_REPLY, f->p, f->len)) !=
	    CLI_OK)
		return ret;
	cli_tlog_entry(t, f->index, &e, &elen);
	if (logentry_decode(e, elen, &le) != 0)
		return cli_fail(cmd, "log entry %llu is malformed",
		    (unsigned long long)f->index);
	*kind = v.hdr.kind;
	*time_ms = le.time_ms;
	return CLI_OK;
}

int
cli_cmd_fetch(int argc, char **argv)
{
	struct cli_opt opts[] = {
		{ "relay", 0, 1, 0, 0, NULL },
		{ "key", 0, 1, 0, 0, NULL },
		{ "from", 0, 1, 0, 0, NULL },
		{ "log-key", 0, 1, 0, 0, NULL },
		{ "ca", 0, 1, 0, 0, NULL },
		{ "passphrase-file", 0, 1, 0, 0, NULL },
		{ "output", 'o', 1, 0, 0, NULL },
	};
	const size_t nopts = sizeof(opts) / sizeof(opts[0]);
	struct cli_http_resp resp = { 0 };
	struct note_signer *s = NULL;
	struct cli_http *h = NULL;
	struct cli_tlog t = { 0 };
	struct note_verifier lk;
	struct cli_signer cs;
	struct cli_frame f;
	struct amana_cur c;
	struct cli_args a;
	const char *keypath, *dir, *lkpath, *from_s;
	char lkbuf[4096], path[4200], q[96];
	unsigned long long from, next, got = 0;
	size_t nf;
	int ret = CLI_USAGE, err, n;

	if (cli_args_parse("fetch", argc, argv, opts, nopts, &a) != 0)
		goto out;
	keypath = cli_opt_get(opts, nopts, "key");
	dir = cli_opt_get(opts, nopts, "output");
	from_s = cli_opt_get(opts, nopts, "from");
	if (a.npos != 0 || keypath == NULL || dir == NULL) {
		ret = cli_usage("fetch", a.npos != 0 ? "unexpected argument" :
		    keypath == NULL ? "missing --key F" : "missing -o DIR");
		goto out;
	}
	if (from_s != NULL && cli_parse_u64(from_s, 0, ~0ULL >> 1, &from) !=
	    0) {
		ret = cli_usage("fetch", "bad --from N");
		goto out;
	}
	if ((ret = cli_log_key_path("fetch", cli_opt_get(opts, nopts,
	    "log-key"), keypath, lkbuf, sizeof(lkbuf), &lkpath)) != CLI_OK ||
	    (ret = cli_relay_open("fetch", cli_opt_get(opts, nopts, "relay"),
	    cli_opt_get(opts, nopts, "ca"), &h)) != CLI_OK ||
	    (ret = cli_load_verifier("fetch", lkpath, &lk)) != CLI_OK ||
	    (ret = cli_load_signer("fetch", keypath, cli_opt_get(opts, nopts,
	    "passphrase-file"), &s)) != CLI_OK)
		goto out;
	ret = CLI_FAIL;
	if (amana_file_mkdirs(dir, 0700) != 0) {
		ret = cli_fail("fetch", "%s: cannot create the folder", dir);
		goto out;
	}
	if (from_s == NULL)
		from = resume_point(dir);
	if ((ret = cli_tlog_load("fetch", h, &lk, 0, &t)) != CLI_OK)
		goto out;
	cs.s = s;
	while (from < t.size) {
		n = snprintf(q, sizeof(q), "/v1/alerts?from=%llu&limit=%d",
		    from, FETCH_LIMIT);
		if (n < 0 || (size_t)n >= sizeof(q))
			goto out;
		cli_http_resp_free(&resp);
		if ((ret = cli_relay_call_h("fetch", h, "GET", q, NULL, 0, 1,
		    FETCH_RESP_MAX, &cs, "Amana-Next", &resp)) != CLI_OK)
			goto out;
		ret = CLI_FAIL;
		if (cli_frames_check(resp.body.p, resp.body.len, from,
		    (size_t)ENVELOPE_MAX, &nf) != 0) {
			ret = cli_fail("fetch", "malformed answer from the "
			    "relay");
			goto out;
		}
		next = from;
		amana_cur_init(&c, resp.body.p, resp.body.len);
		while (amana_cur_left(&c) > 0) {
			if (cli_frame_next(&c, &f) != 0 || f.index < from) {
				ret = cli_fail("fetch", "malformed answer from "
				    "the relay");
				goto out;
			}
			if (f.index >= t.size)
				break;	/* logged after our checkpoint */
			if ((ret = cli_check_in_log("fetch", &t, f.index,
			    LOGENTRY_ALERT, f.p, f.len)) != CLI_OK)
				goto out;
			ret = CLI_FAIL;
			n = snprintf(path, sizeof(path), "%s/%llu.envelope",
			    dir, (unsigned long long)f.index);
			if (n < 0 || (size_t)n >= sizeof(path))
				goto out;
			if ((err = amana_file_write_atomic(path, 0600, f.p,
			    f.len)) != 0) {
				ret = cli_file_err("fetch", path, err);
				goto out;
			}
			printf("%s\n", path);
			got++;
			next = f.index + 1;
		}
		/* the relay says where to go on (it skips non-alerts) */
		if (resp.header[0] != '\0' && cli_parse_u64(resp.header, 0,
		    ~0ULL >> 1, &from) == 0 && from > next)
			next = from;
		if (next <= from && amana_cur_left(&c) == 0 &&
		    resp.body.len == 0 && resp.header[0] == '\0')
			break;		/* nothing more and no hint */
		if (next <= from)
			next = from + 1;
		from = next;
	}
	fprintf(stderr, "amana fetch: %llu new envelope%s, checked against "
	    "the log (%llu entries)\n", got, got == 1 ? "" : "s",
	    (unsigned long long)t.size);
	ret = CLI_OK;
out:
	note_signer_free(s);
	cli_tlog_free(&t);
	cli_http_resp_free(&resp);
	cli_http_free(h);
	cli_args_free(opts, nopts);
	return ret;
}
