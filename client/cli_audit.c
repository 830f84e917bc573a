/*
 * cli_audit: `amana audit`, the auditor's check of the whole log, and the
 * state file that makes a fork or a rollback visible between runs:
 *
 *	amana-audit-state v1\n
 *	origin <log origin>\n
 *	size <decimal tree size>\n
 *	root <base64 root hash>\n
 */
#include <stdio.h>
#include <string.h>

#include "amana_codec.h"
#include "amana_file.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_http.h"
#include "cli_keys.h"
#include "cli_parse.h"
#include "cli_tlog.h"

static int
state_write(const char *path, const struct cli_tlog *t)
{
	struct amana_buf b;
	char root[64];
	int err;

	amana_buf_init(&b, CLI_AUDIT_STATE_MAX, 0);
	if ((err = amana_b64_encode(root, sizeof(root), t->ckpt.root,
	    MERKLE_HASH_LEN, 1)) == 0 &&
	    (err = amana_buf_printf(&b, CLI_AUDIT_STATE_MAGIC "\norigin %s\nsize %llu\n"
	    "root %s\n", t->ckpt.origin, (unsigned long long)t->size,
	    root)) == 0)
		err = amana_file_write_atomic(path, 0644, b.p, b.len);
	amana_buf_free(&b);
	return err;
}

int
cli_cmd_audit(int argc, char **argv)
{
	struct cli_opt opts[] = {
		{ "relay", 0, 1, 0, 0, NULL },
		{ "log-key", 0, 1, 0, 0, NULL },
		{ "state", 0, 1, 0, 0, NULL },
		{ "ca", 0, 1, 0, 0, NULL },
	};
	const size_t nopts = sizeof(opts) / sizeof(opts[0]);
	struct cli_audit_state st = { 0 };
	struct note_verifier lk;
	struct cli_http *h = NULL;
	struct cli_tlog t = { 0 };
	struct amana_buf sb;
	struct cli_args a;
	const char *relay, *lkpath, *state;
	int ret = CLI_USAGE, have_state = 0, err;

	amana_buf_init(&sb, CLI_AUDIT_STATE_MAX, 0);
	if (cli_args_parse("audit", argc, argv, opts, nopts, &a) != 0)
		goto out;
	relay = cli_relay_url(cli_opt_get(opts, nopts, "relay"));
	lkpath = cli_opt_get(opts, nopts, "log-key");
	state = cli_opt_get(opts, nopts, "state");
	if (a.npos != 0) {
		ret = cli_usage("audit", "unexpected argument %s", a.pos[0]);
		goto out;
	}
	if (relay == NULL) {
		ret = cli_usage("audit", "missing --relay URL (or AMANA_RELAY)");
		goto out;
	}
	if (lkpath == NULL) {
		ret = cli_usage("audit", "missing --log-key VKEYFILE");
		goto out;
	}
	if ((ret = cli_load_verifier("audit", lkpath, &lk)) != CLI_OK)
		goto out;
	ret = CLI_FAIL;
	if (state != NULL) {
		err = amana_file_read(state, &sb);
		if (err == 0) {
			if (cli_audit_state_parse(sb.p, sb.len, &st) != 0) {
				ret = cli_fail("audit", "%s: not an audit state "
				    "file", state);
				goto out;
			}
			have_state = 1;
		} else if (err != AMANA_ENOENT) {
			ret = cli_file_err("audit", state, err);
			goto out;
		}
	}
	if (have_state && strcmp(st.origin, lk.name) != 0) {
		ret = cli_fail("audit", "%s is the state of log %s, not of %s",
		    state, st.origin, lk.name);
		goto out;
	}
	if ((err = cli_http_new(relay, cli_ca_file(cli_opt_get(opts, nopts,
	    "ca")), &h)) != 0) {
		ret = err == AMANA_EINVAL ? cli_usage("audit", "bad relay URL "
		    "%s (https://HOST[:PORT])", relay) : cli_fail("audit",
		    "cannot use the CA file: %s", amana_strerror(err));
		goto out;
	}
	if ((ret = cli_tlog_load("audit", h, &lk, have_state ? st.size : 0,
	    &t)) != CLI_OK)
		goto out;
	ret = CLI_FAIL;
	if (have_state && st.size > t.size) {
		(void)cli_fail("audit", "LOG ROLLBACK OR FORK: %s now "
		    "serves %llu entries, but %llu were seen before (%s)",
		    lk.name, (unsigned long long)t.size,
		    (unsigned long long)st.size, state);
		goto out;
	}
	/* the first st.size leaves were rehashed: same root or a fork */
	if (have_state && st.size > 0 && (!t.have_mark_root ||
	    memcmp(t.mark_root, st.root, MERKLE_HASH_LEN) != 0)) {
		(void)cli_fail("audit", "LOG FORK: the first %llu entries "
		    "of %s differ from those seen before (%s)",
		    (unsigned long long)st.size, lk.name, state);
		goto out;
	}
	if (state != NULL && (err = state_write(state, &t)) != 0) {
		ret = cli_fail("audit", "%s: cannot write the state: %s", state,
		    amana_strerror(err));
		goto out;
	}
	printf("log %s: %llu entries verified against the signed checkpoint",
	    lk.name, (unsigned long long)t.size);
	if (have_state)
		printf("; consistent with the %llu seen before",
		    (unsigned long long)st.size);
	printf("\n");
	ret = CLI_OK;
out:
	cli_tlog_free(&t);
	cli_http_free(h);
	amana_buf_free(&sb);
	cli_args_free(opts, nopts);
	return ret;
}
