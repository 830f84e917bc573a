/*
 * cli_cases: `amana cases [--overdue]`, the investigator's deadline view:
 * per alert in the verified log, its relay time, whether it was
 * acknowledged within 7 days and answered within 3 months (EU directive
 * 2019/1937, art. 9). Alerts come from the verified log. Acknowledgements
 * and replies, from every investigator, come from the relay (GET
 * /v1/alerts/N/replies, signed with a credentialed key): each must be the
 * log entry its frame names, of its kind, with its SHA-256, and the time
 * is the log entry's. The receipts `amana ack|reply` keep in DIR/cases/
 * (N.ack-M.tlog-proof, N.reply-M.tlog-proof), verified against the log key
 * and required to be entry M of the same log, count too (an alert whose
 * envelope was purged has no replies on the relay). Nothing is decrypted.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amana_file.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_env.h"
#include "cli_keys.h"
#include "cli_relay.h"
#include "cli_tlog.h"
#include "envelope.h"
#include "logentry.h"

#define ACK_DAYS	7
#define ANSWER_MONTHS	3
#define REPLIES_MAX	((size_t)80 << 20)

struct cs_case {
	uint64_t	index;
	uint64_t	t_ms;
	uint64_t	ack_ms;		/* 0: none */
	uint64_t	ans_ms;
};

static uint64_t
plus_months(uint64_t ms, int months)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return ms;
	tm.tm_mon += months;
	return (uint64_t)timegm(&tm) * 1000 + ms % 1000;
}

static void
fmt(uint64_t ms, char *out, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, size,
	    "%Y-%m-%d %H:%M", &tm) == 0)
		out[0] = '\0';
}

/* The earliest time wins. */
static void
note_time(uint64_t *slot, uint64_t ms)
{
	if (*slot == 0 || ms < *slot)
		*slot = ms;
}

/* Reads DIR/cases/ receipts into the cases. */
static int
load_answers(const char *cmd, const char *dir, const struct cli_tlog *t,
    const struct note_verifier *lk, struct cs_case *cs, size_t n)
{
	struct receipt_view rv;
	struct amana_buf b;
	struct logentry le;
	struct dirent *de;
	const uint8_t *e;
	unsigned long long alert;
	char path[4400], num[32];
	const char *dot;
	size_t i, elen;
	int ret = CLI_OK, k, ack;
	DIR *d;

	k = snprintf(path, sizeof(path), "%s/cases", dir);
	if (k < 0 || (size_t)k >= sizeof(path) || (d = opendir(path)) == NULL)
		return CLI_OK;		/* nothing answered yet */
	amana_buf_init(&b, RECEIPT_MAX_LEN, 0);
	while ((de = readdir(d)) != NULL) {
		if ((dot = strchr(de->d_name, '.')) == NULL ||
		    strstr(de->d_name, ".tlog-proof") == NULL ||
		    (size_t)(dot - de->d_name) >= sizeof(num))
			continue;
		memcpy(num, de->d_name, (size_t)(dot - de->d_name));
		num[dot - de->d_name] = '\0';
		if (cli_parse_u64(num, 0, ~0ULL >> 1, &alert) != 0)
			continue;
		ack = strncmp(dot, ".ack-", 5) == 0;
		if (!ack && strncmp(dot, ".reply-", 7) != 0)
			continue;
		k = snprintf(path, sizeof(path), "%s/cases/%s", dir,
		    de->d_name);
		if (k < 0 || (size_t)k >= sizeof(path))
			continue;
		amana_buf_reset(&b);
		if (amana_file_read(path, &b) != 0 ||
		    (ret = cli_check_receipt(cmd, path, b.p, b.len, lk, NULL,
		    0, &rv)) != CLI_OK)
			goto out;
		ret = CLI_FAIL;
		if (rv.index >= t->size) {
			ret = cli_fail(cmd, "%s: not in the relay's log", path);
			goto out;
		}
		cli_tlog_entry(t, rv.index, &e, &elen);
		if (logentry_decode(e, elen, &le) != 0 || le.kind !=
		    (ack ? LOGENTRY_ACK : LOGENTRY_REPLY) ||
		    memcmp(le.hash, rv.entry.hash, LOGENTRY_HASH_LEN) != 0) {
			ret = cli_fail(cmd, "%s: the log holds another entry "
			    "there", path);
			goto out;
		}
		ret = CLI_OK;
		for (i = 0; i < n; i++) {
			if (cs[i].index == alert)
				note_time(ack ? &cs[i].ack_ms : &cs[i].ans_ms,
				    le.time_ms);
		}
	}
out:
	closedir(d);
	amana_buf_free(&b);
	return ret;
}

/*
 * Reads the replies and acknowledgements of every alert from the relay,
 * each checked against the verified log t.
 */
static int
load_replies(const char *cmd, struct cli_http *h, struct cli_signer *signer,
    const struct cli_tlog *t, struct cs_case *cs, size_t n)
{
	struct cli_http_resp resp = { 0 };
	struct cli_frame f;
	struct amana_cur c;
	uint64_t ms;
	size_t k, nf;
	char q[96];
	int ret = CLI_OK, m, kind;

	for (k = 0; k < n; k++) {
		m = snprintf(q, sizeof(q), "/v1/alerts/%llu/replies",
		    (unsigned long long)cs[k].index);
		if (m < 0 || (size_t)m >= sizeof(q))
			return cli_fail(cmd, "alert number too large");
		cli_http_resp_free(&resp);
		if ((ret = cli_relay_get_404(cmd, h, q, REPLIES_MAX, signer,
		    &resp)) != CLI_OK)
			goto out;
		if (resp.status == 404)
			continue;	/* purged: only the kept receipts */
		ret = CLI_FAIL;
		if (cli_frames_check(resp.body.p, resp.body.len,
		    cs[k].index + 1, (size_t)ENVELOPE_MAX, &nf) != 0) {
			ret = cli_fail(cmd, "malformed list of replies to alert "
			    "%llu from the relay",
			    (unsigned long long)cs[k].index);
			goto out;
		}
		amana_cur_init(&c, resp.body.p, resp.body.len);
		while (cli_frame_next(&c, &f) == 0) {
			if (f.index >= t->size)
				break;	/* logged after our checkpoint */
			if ((ret = cli_check_reply(cmd, t, cs[k].index, &f,
			    &kind, &ms)) != CLI_OK)
				goto out;
			note_time(kind == ENVELOPE_KIND_ACK ? &cs[k].ack_ms :
			    &cs[k].ans_ms, ms);
		}
		ret = CLI_OK;
	}
out:
	cli_http_resp_free(&resp);
	return ret;
}

/* "on time", "LATE", "due ...", "OVERDUE since ..." into out. */
static int
status(uint64_t done_ms, uint64_t due_ms, uint64_t now_ms, char *out,
    size_t size)
{
	char d[32];
	int late;

	fmt(due_ms, d, sizeof(d));
	if (done_ms != 0) {
		late = done_ms > due_ms;
		(void)snprintf(out, size, late ? "LATE" : "on time");
		return late;
	}
	late = now_ms > due_ms;
	(void)snprintf(out, size, late ? "OVERDUE since %s" : "due %s", d);
	return late;
}

int
cli_cmd_cases(int argc, char **argv)
{
	struct cli_opt opts[] = {
		{ "relay", 0, 1, 0, 0, NULL },
		{ "key", 0, 1, 0, 0, NULL },
		{ "overdue", 0, 0, 0, 0, NULL },
		{ "log-key", 0, 1, 0, 0, NULL },
		{ "dir", 0, 1, 0, 0, NULL },
		{ "ca", 0, 1, 0, 0, NULL },
		{ "passphrase-file", 0, 1, 0, 0, NULL },
	};
	const size_t nopts = sizeof(opts) / sizeof(opts[0]);
	struct cs_case *cs = NULL;
	struct note_signer *s = NULL;
	struct cli_signer signer;
	struct cli_http *h = NULL;
	struct cli_tlog t = { 0 };
	struct note_verifier lk;
	struct logentry le;
	struct timespec now;
	struct cli_args a;
	const uint8_t *e;
	const char *keypath, *lkpath, *dir, *sl;
	char lkbuf[4096], dirbuf[4096], when[32], ack[64], ans[64];
	uint64_t i, now_ms;
	size_t n = 0, k, elen, shown = 0;
	int ret = CLI_USAGE, only_overdue, late1, late2, m;

	if (cli_args_parse("cases", argc, argv, opts, nopts, &a) != 0)
		goto out;
	keypath = cli_opt_get(opts, nopts, "key");
	only_overdue = opts[2].count > 0;
	if (a.npos != 0 || keypath == NULL) {
		ret = cli_usage("cases", a.npos != 0 ? "unexpected argument" :
		    "missing --key F");
		goto out;
	}
	if ((dir = cli_opt_get(opts, nopts, "dir")) == NULL) {
		sl = strrchr(keypath, '/');
		m = sl == NULL ? snprintf(dirbuf, sizeof(dirbuf), ".") :
		    snprintf(dirbuf, sizeof(dirbuf), "%.*s", (int)(sl -
		    keypath), keypath);
		if (m < 0 || (size_t)m >= sizeof(dirbuf))
			goto out;
		dir = dirbuf;
	}
	if ((ret = cli_log_key_path("cases", cli_opt_get(opts, nopts,
	    "log-key"), keypath, lkbuf, sizeof(lkbuf), &lkpath)) != CLI_OK ||
	    (ret = cli_relay_open("cases", cli_opt_get(opts, nopts, "relay"),
	    cli_opt_get(opts, nopts, "ca"), &h)) != CLI_OK ||
	    (ret = cli_load_verifier("cases", lkpath, &lk)) != CLI_OK ||
	    (ret = cli_load_signer("cases", keypath, cli_opt_get(opts, nopts,
	    "passphrase-file"), &s)) != CLI_OK ||
	    (ret = cli_tlog_load("cases", h, &lk, 0, &t)) != CLI_OK)
		goto out;
	signer.s = s;
	ret = CLI_FAIL;
	if ((cs = calloc((size_t)t.size + 1, sizeof(*cs))) == NULL)
		goto out;
	for (i = 0; i < t.size; i++) {
		cli_tlog_entry(&t, i, &e, &elen);
		if (logentry_decode(e, elen, &le) != 0 ||
		    le.kind != LOGENTRY_ALERT)
			continue;
		cs[n].index = i;
		cs[n].t_ms = le.time_ms;
		n++;
	}
	if ((ret = load_replies("cases", h, &signer, &t, cs, n)) != CLI_OK ||
	    (ret = load_answers("cases", dir, &t, &lk, cs, n)) != CLI_OK)
		goto out;
	clock_gettime(CLOCK_REALTIME, &now);
	now_ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
	for (k = 0; k < n; k++) {
		late1 = status(cs[k].ack_ms, cs[k].t_ms + (uint64_t)ACK_DAYS *
		    86400000, now_ms, ack, sizeof(ack));
		late2 = status(cs[k].ans_ms, plus_months(cs[k].t_ms,
		    ANSWER_MONTHS), now_ms, ans, sizeof(ans));
		if (only_overdue && !((late1 && cs[k].ack_ms == 0) ||
		    (late2 && cs[k].ans_ms == 0)))
			continue;
		fmt(cs[k].t_ms, when, sizeof(when));
		printf("alert %llu  received %s UTC  acknowledged: %s%s  "
		    "answered: %s%s\n", (unsigned long long)cs[k].index, when,
		    cs[k].ack_ms ? "yes, " : "no, ", ack,
		    cs[k].ans_ms ? "yes, " : "no, ", ans);
		shown++;
	}
	fprintf(stderr, "amana cases: %zu alert%s in the log, %zu shown\n", n,
	    n == 1 ? "" : "s", shown);
	ret = CLI_OK;
out:
	free(cs);
	note_signer_free(s);
	cli_tlog_free(&t);
	cli_http_free(h);
	cli_args_free(opts, nopts);
	return ret;
}
