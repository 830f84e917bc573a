/*
 * cli_roster: the authority's `accredit`, `credential`, `revoke` (offline,
 * signed roster notes) and `roster push` (publish them on the relay).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "amana_file.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_http.h"
#include "cli_env.h"
#include "cli_keys.h"
#include "cli_relay.h"
#include "receipt.h"
#include "roster.h"

#define DAYS_DEFAULT	365
#define DAYS_MAX	3660
#define ROSTER_FILE_MAX	(NOTE_MAX_LEN)

static int
issue(const char *cmd, int kind, int argc, char **argv)
{
	struct cli_opt opts[] = {
		{ "authority-key", 0, 1, 0, 0, NULL },
		{ "ngo", 0, 1, 0, 0, NULL },
		{ "investigator", 0, 1, 0, 0, NULL },
		{ "name", 0, 1, 0, 0, NULL },
		{ "days", 0, 1, 0, 0, NULL },
		{ "seconds", 0, 1, 0, 0, NULL },
		{ "output", 'o', 1, 0, 0, NULL },
		{ "passphrase-file", 0, 1, 0, 0, NULL },
	};
	const size_t nopts = sizeof(opts) / sizeof(opts[0]);
	struct note_signer *s = NULL;
	struct roster_rec r;
	struct note_verifier v;
	struct amana_buf note, vk;
	struct cli_args a;
	const char *akey, *subject, *name, *out, *days, *secs;
	unsigned long long validity = (unsigned long long)DAYS_DEFAULT * 86400,
	    n;
	int ret = CLI_USAGE, err;

	amana_buf_init(&note, ROSTER_FILE_MAX, 0);
	amana_buf_init(&vk, NOTE_VKEY_MAX + 1, 0);
	memset(&r, 0, sizeof(r));
	if (cli_args_parse(cmd, argc, argv, opts, nopts, &a) != 0)
		goto out;
	akey = cli_opt_get(opts, nopts, "authority-key");
	out = cli_opt_get(opts, nopts, "output");
	name = cli_opt_get(opts, nopts, "name");
	days = cli_opt_get(opts, nopts, "days");
	secs = cli_opt_get(opts, nopts, "seconds");
	subject = kind == ROSTER_CREDENTIAL ? cli_opt_get(opts, nopts,
	    "investigator") : cli_opt_get(opts, nopts, "ngo");
	if (kind == ROSTER_REVOCATION && subject == NULL)
		subject = cli_opt_get(opts, nopts, "investigator");
	if (a.npos != 0) {
		ret = cli_usage(cmd, "unexpected argument %s", a.pos[0]);
		goto out;
	}
	if (akey == NULL || out == NULL || subject == NULL) {
		ret = cli_usage(cmd, "missing %s", akey == NULL ?
		    "--authority-key F" : out == NULL ? "-o F" :
		    kind == ROSTER_CREDENTIAL ? "--investigator VKEYFILE" :
		    "--ngo VKEYFILE");
		goto out;
	}
	if ((kind == ROSTER_ACCREDITATION && (cli_opt_get(opts, nopts,
	    "investigator") != NULL || name == NULL)) ||
	    (kind == ROSTER_CREDENTIAL && cli_opt_get(opts, nopts, "ngo") !=
	    NULL) || (kind == ROSTER_REVOCATION && (name != NULL ||
	    days != NULL || secs != NULL || (cli_opt_get(opts, nopts, "ngo") !=
	    NULL && cli_opt_get(opts, nopts, "investigator") != NULL)))) {
		ret = cli_usage(cmd, kind == ROSTER_ACCREDITATION && name ==
		    NULL ? "missing --name NAME" : "option not valid here");
		goto out;
	}
	if (days != NULL && secs != NULL) {
		ret = cli_usage(cmd, "--days and --seconds exclude each other");
		goto out;
	}
	if (days != NULL) {
		if (cli_parse_u64(days, 1, DAYS_MAX, &n) != 0) {
			ret = cli_usage(cmd, "--days must be 1..%d", DAYS_MAX);
			goto out;
		}
		validity = n * 86400;
	}
	if (secs != NULL) {
		if (cli_parse_u64(secs, 1, (unsigned long long)DAYS_MAX * 86400,
		    &n) != 0) {
			ret = cli_usage(cmd, "bad --seconds");
			goto out;
		}
		validity = n;
	}
	if ((ret = cli_load_verifier(cmd, subject, &v)) != CLI_OK ||
	    (ret = cli_load_signer(cmd, akey, cli_opt_get(opts, nopts,
	    "passphrase-file"), &s)) != CLI_OK)
		goto out;
	ret = CLI_FAIL;
	if (note_verifier_format(&v, &vk) != 0 || vk.len > NOTE_VKEY_MAX)
		goto out;
	r.kind = kind;
	memcpy(r.key, vk.p, vk.len);
	r.key[vk.len] = '\0';
	r.issued = (uint64_t)time(NULL);
	if (kind != ROSTER_REVOCATION) {
		if (name == NULL)
			name = v.name;
		if (strlen(name) > ROSTER_NAME_MAX) {
			ret = cli_usage(cmd, "--name is longer than %d bytes",
			    ROSTER_NAME_MAX);
			goto out;
		}
		memcpy(r.name, name, strlen(name) + 1);
		r.not_after = r.issued + validity;
	}
	if ((err = roster_sign(&r, s, &note)) != 0) {
		ret = err == AMANA_EINVAL ? cli_usage(cmd, "invalid --name "
		    "(printable UTF-8, no leading or trailing space)") :
		    cli_fail(cmd, "cannot sign the record: %s",
		    amana_strerror(err));
		goto out;
	}
	if ((err = amana_file_write_new(out, 0644, note.p, note.len)) != 0) {
		ret = cli_file_err(cmd, out, err);
		goto out;
	}
	ret = CLI_OK;
out:
	note_signer_free(s);
	amana_buf_free(&note);
	amana_buf_free(&vk);
	cli_args_free(opts, nopts);
	return ret;
}

int
cli_cmd_accredit(int argc, char **argv)
{
	return issue("accredit", ROSTER_ACCREDITATION, argc, argv);
}

int
cli_cmd_credential(int argc, char **argv)
{
	return issue("credential", ROSTER_CREDENTIAL, argc, argv);
}

int
cli_cmd_revoke(int argc, char **argv)
{
	return issue("revoke", ROSTER_REVOCATION, argc, argv);
}

static int
push(int argc, char **argv)
{
	struct cli_opt opts[] = {
		{ "relay", 0, 1, 0, 0, NULL },
		{ "ca", 0, 1, 0, 0, NULL },
		{ "log-key", 0, 1, 0, 0, NULL },
	};
	const size_t nopts = sizeof(opts) / sizeof(opts[0]);
	struct cli_http_resp resp = { 0 };
	struct cli_http *h = NULL;
	struct note_verifier lk;
	struct receipt_view rv;
	struct amana_buf b;
	struct cli_args a;
	const char *lkpath;
	size_t i;
	int ret = CLI_USAGE, err;

	amana_buf_init(&b, ROSTER_FILE_MAX, 0);
	if (cli_args_parse("roster", argc, argv, opts, nopts, &a) != 0)
		goto out;
	if (a.npos < 1) {
		ret = cli_usage("roster", "expected: push FILE...");
		goto out;
	}
	lkpath = cli_opt_get(opts, nopts, "log-key");
	if (lkpath != NULL && (ret = cli_load_verifier("roster", lkpath,
	    &lk)) != CLI_OK)
		goto out;
	if ((ret = cli_relay_open("roster", cli_opt_get(opts, nopts, "relay"),
	    cli_opt_get(opts, nopts, "ca"), &h)) != CLI_OK)
		goto out;
	for (i = 0; i < a.npos; i++) {
		amana_buf_reset(&b);
		if ((err = amana_file_read(a.pos[i], &b)) != 0) {
			ret = cli_file_err("roster", a.pos[i], err);
			goto out;
		}
		/* idempotent: the relay answers a known record's receipt */
		if ((ret = cli_relay_call("roster", h, "POST", "/v1/roster",
		    b.p, b.len, 1, RECEIPT_MAX_LEN + 1024, NULL, &resp)) !=
		    CLI_OK)
			goto out;
		if (lkpath != NULL) {
			if ((ret = cli_check_receipt("roster", a.pos[i],
			    resp.body.p, resp.body.len, &lk, NULL, 0, &rv)) !=
			    CLI_OK)
				goto out;
		} else if (receipt_parse(resp.body.p, resp.body.len, &rv) !=
		    0) {
			ret = cli_fail("roster", "%s: the relay's receipt is "
			    "malformed", a.pos[i]);
			goto out;
		}
		printf("%s: logged as entry %llu%s\n", a.pos[i],
		    (unsigned long long)rv.index, lkpath != NULL ?
		    " (receipt verified)" : "");
		cli_http_resp_free(&resp);
	}
	ret = CLI_OK;
out:
	cli_http_resp_free(&resp);
	cli_http_free(h);
	amana_buf_free(&b);
	cli_args_free(opts, nopts);
	return ret;
}

int
cli_cmd_roster(int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "push") != 0)
		return cli_usage("roster", "expected: push FILE...");
	return push(argc - 1, argv + 1);
}
