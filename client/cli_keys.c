/*
 * cli_keys: key loading helpers and `amana keygen`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sodium.h>

#include "amana_file.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_keys.h"
#include "cli_parse.h"
#include "keyfile.h"


int
cli_read_secret(const char *cmd, const char *path, const char *passfile,
    struct amana_buf *secure_out)
{
	struct keyfile_pass_src src;
	char prompt[300];
	int n, err;

	n = snprintf(prompt, sizeof(prompt), "passphrase for %s: ", path);
	if (n < 0 || (size_t)n >= sizeof(prompt))
		return cli_fail(cmd, "%s: path too long", path);
	src.file = passfile;
	src.prompt = prompt;
	err = keyfile_read(path, keyfile_pass_cb, &src, secure_out);
	if (err == AMANA_ENOENT && passfile != NULL &&
	    access(passfile, F_OK) != 0)
		return cli_fail(cmd, "%s: no such file", passfile);
	if (err == AMANA_EIO && passfile == NULL && access(path, R_OK) == 0)
		return cli_fail(cmd, "%s is passphrase-protected: give "
		    "--passphrase-file F or run on a terminal", path);
	if (err == AMANA_EINVAL)
		return cli_fail(cmd, "%s: empty passphrase", path);
	if (err != 0)
		return cli_file_err(cmd, path, err);
	return CLI_OK;
}

int
cli_load_signer(const char *cmd, const char *path, const char *passfile,
    struct note_signer **out)
{
	struct amana_buf b;
	int ret, err;

	amana_buf_init(&b, KEYFILE_MAX, 1);
	if ((ret = cli_read_secret(cmd, path, passfile, &b)) != CLI_OK)
		goto out;
	cli_chomp(&b);
	if ((err = note_signer_parse(b.p, b.len, out)) != 0)
		ret = cli_fail(cmd, "%s: not a signer key file (%s)", path,
		    amana_strerror(err));
out:
	amana_buf_free(&b);
	return ret;
}

int
cli_load_identities(const char *cmd, const char *const *paths, size_t n,
    const char *passfile, struct age_identity ***ids, size_t *n_ids)
{
	struct age_identity **all = NULL, **one = NULL;
	struct amana_buf b;
	size_t i, k, n_all = 0, n_one = 0;
	int ret = CLI_OK, err;

	amana_buf_init(&b, KEYFILE_MAX, 1);
	if ((all = calloc(AGE_IDENTITIES_MAX, sizeof(*all))) == NULL) {
		ret = cli_fail(cmd, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		amana_buf_reset(&b);
		if ((ret = cli_read_secret(cmd, paths[i], passfile, &b)) !=
		    CLI_OK)
			goto out;
		if ((err = age_identity_file_parse(b.p, b.len, &one,
		    &n_one)) != 0) {
			ret = cli_fail(cmd, "%s: not an age identity file (%s)",
			    paths[i], amana_strerror(err));
			goto out;
		}
		if (n_one > AGE_IDENTITIES_MAX - n_all) {
			age_identities_free(one, n_one);
			ret = cli_fail(cmd, "too many identities");
			goto out;
		}
		for (k = 0; k < n_one; k++)
			all[n_all++] = one[k];
		free(one);	/* the identities moved into all */
		one = NULL;
	}
	*ids = all;
	*n_ids = n_all;
	all = NULL;
out:
	age_identities_free(all, n_all);
	amana_buf_free(&b);
	return ret;
}


int
cli_load_recipients(const char *cmd, const char *const *specs, size_t n,
    uint8_t (**pks_out)[AGE_KEY_LEN], size_t *n_out)
{
	uint8_t (*pks)[AGE_KEY_LEN] = NULL;
	struct amana_buf b;
	size_t i, np = 0, bad = 0, len;
	int ret = CLI_OK, err;

	amana_buf_init(&b, CLI_PUBLIC_FILE_MAX, 0);
	if ((pks = calloc(AGE_RECIPIENTS_MAX, sizeof(*pks))) == NULL)
		return cli_fail(cmd, "out of memory");
	for (i = 0; i < n; i++) {
		if (strncmp(specs[i], "age1", 4) == 0 &&
		    access(specs[i], F_OK) != 0) {
			len = strlen(specs[i]);
			if (np == AGE_RECIPIENTS_MAX) {
				ret = cli_fail(cmd, "too many recipients");
				goto out;
			}
			if (len != AGE_RECIPIENT_STR_LEN ||
			    age_recipient_parse((const uint8_t *)specs[i], len,
			    pks[np]) != 0) {
				ret = cli_fail(cmd, "%s: not an age recipient "
				    "(age1...)", specs[i]);
				goto out;
			}
			np++;
			continue;
		}
		amana_buf_reset(&b);
		if ((err = amana_file_read(specs[i], &b)) != 0) {
			ret = err == AMANA_ENOENT ? cli_fail(cmd, "%s: neither "
			    "an age1... recipient nor a file", specs[i]) :
			    cli_file_err(cmd, specs[i], err);
			goto out;
		}
		err = cli_recipients_parse(b.p, b.len, pks,
		    AGE_RECIPIENTS_MAX, &np, &bad);
		if (err == AMANA_ERANGE) {
			ret = cli_fail(cmd, "too many recipients");
			goto out;
		}
		if (err == AMANA_ENOENT) {
			ret = cli_fail(cmd, "%s: no recipient in the file",
			    specs[i]);
			goto out;
		}
		if (err != 0) {
			ret = cli_fail(cmd, "%s: line %zu: not an age recipient "
			    "(age1...)", specs[i], bad);
			goto out;
		}
	}
	if (np == 0) {
		ret = cli_usage(cmd, "give at least one --to RECIPIENT");
		goto out;
	}
	*pks_out = pks;
	*n_out = np;
	pks = NULL;
out:
	free(pks);
	amana_buf_free(&b);
	return ret;
}

int
cli_new_passphrase(const char *cmd, const char *passfile, int none,
    struct amana_buf *secure_out)
{
	struct amana_buf again;
	int ret = CLI_FAIL, err;

	if (none || (passfile == NULL && !isatty(STDIN_FILENO)))
		return CLI_OK;
	if (passfile != NULL) {
		if ((err = keyfile_passphrase(passfile, NULL, 0,
		    secure_out)) == 0)
			return CLI_OK;
		if (err == AMANA_ENOENT)
			return cli_fail(cmd, "%s: no such file", passfile);
		if (err == AMANA_EINVAL)
			return cli_fail(cmd, "%s: empty passphrase", passfile);
		return cli_fail(cmd, "%s: %s", passfile, amana_strerror(err));
	}
	/* asked separately so that empty (no passphrase) != mismatch */
	amana_buf_init(&again, KEYFILE_PASS_MAX + 1, 1);
	err = keyfile_passphrase(NULL, "passphrase for the new keys (empty "
	    "for none): ", 0, secure_out);
	if (err == AMANA_EINVAL) {
		ret = CLI_OK;
		goto out;
	}
	if (err == 0)
		err = keyfile_passphrase(NULL, "the same passphrase again: ", 0,
		    &again);
	if (err != 0) {
		cli_fail(cmd, "cannot read the passphrase: %s",
		    amana_strerror(err));
		goto out;
	}
	if (again.len != secure_out->len || sodium_memcmp(again.p,
	    secure_out->p, again.len) != 0) {
		cli_fail(cmd, "the passphrases do not match");
		goto out;
	}
	ret = CLI_OK;
out:
	if (ret != CLI_OK)
		amana_buf_reset(secure_out);
	amana_buf_free(&again);
	return ret;
}

int
cli_write_key(const char *cmd, const char *path, const uint8_t *secret,
    size_t len, const uint8_t *pass, size_t pass_len)
{
	int err;

	if ((err = keyfile_write(path, secret, len, pass_len > 0 ? pass : NULL,
	    pass_len)) != 0)
		return cli_file_err(cmd, path, err);
	return CLI_OK;
}

int
cli_write_public(const char *cmd, const char *path, const void *p,
    size_t len)
{
	int err;

	if ((err = amana_file_write_new(path, 0644, p, len)) != 0)
		return cli_file_err(cmd, path, err);
	return CLI_OK;
}

int
cli_path(const char *cmd, char *out, size_t out_size, const char *dir,
    const char *name)
{
	int n;

	n = snprintf(out, out_size, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= out_size)
		return cli_fail(cmd, "%s: path too long", dir);
	return CLI_OK;
}

/* keygen */

enum { KG_AUTHORITY, KG_NGO, KG_INVESTIGATOR };

static int
make_signer(const char *name, const char *dir, const char *base,
    const uint8_t *pass, size_t pass_len)
{
	struct note_signer *s = NULL;
	struct note_verifier v;
	struct amana_buf sk, vk;
	char path[4096], file[64];
	int ret = CLI_FAIL, n;

	amana_buf_init(&sk, NOTE_SKEY_MAX + 16, 1);
	amana_buf_init(&vk, NOTE_VKEY_MAX + 16, 0);
	if (note_signer_generate(name, &s) != 0) {
		ret = cli_fail("keygen", "cannot create a key named '%s'",
		    name);
		goto out;
	}
	note_signer_verifier(s, &v);
	if (note_signer_format(s, &sk) != 0 || amana_buf_u8(&sk, '\n') != 0 ||
	    note_verifier_format(&v, &vk) != 0 || amana_buf_u8(&vk, '\n') != 0)
	{
		ret = cli_fail("keygen", "cannot format the key");
		goto out;
	}
	n = snprintf(file, sizeof(file), "%s.key", base);
	if (n < 0 || (size_t)n >= sizeof(file) ||
	    (ret = cli_path("keygen", path, sizeof(path), dir, file)) != CLI_OK ||
	    (ret = cli_write_key("keygen", path, sk.p, sk.len, pass,
	    pass_len)) != CLI_OK)
		goto out;
	n = snprintf(file, sizeof(file), "%s.vkey", base);
	if (n < 0 || (size_t)n >= sizeof(file) ||
	    (ret = cli_path("keygen", path, sizeof(path), dir, file)) != CLI_OK ||
	    (ret = cli_write_public("keygen", path, vk.p, vk.len)) != CLI_OK)
		goto out;
	ret = CLI_OK;
out:
	note_signer_free(s);
	amana_buf_free(&sk);
	amana_buf_free(&vk);
	return ret;
}

static int
make_age(const char *dir, const uint8_t *pass, size_t pass_len)
{
	struct age_identity *id = NULL;
	struct amana_buf text, idstr;
	uint8_t pk[AGE_KEY_LEN];
	char rcpt[AGE_RECIPIENT_STR_LEN + 1], path[4096], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int ret = CLI_FAIL;

	amana_buf_init(&text, 4096, 1);
	amana_buf_init(&idstr, AGE_IDENTITY_STR_LEN + 1, 1);
	if (age_identity_generate(&id) != 0 ||
	    age_identity_format(id, &idstr) != 0) {
		ret = cli_fail("keygen", "cannot create the age identity");
		goto out;
	}
	age_identity_public(id, pk);
	if (age_recipient_format(pk, rcpt, sizeof(rcpt)) != 0 ||
	    gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		goto out;
	/* age-keygen's format: `age -d -i` reads it as is */
	if (amana_buf_printf(&text, "# created: %s\n# public key: %s\n",
	    stamp, rcpt) != 0 || amana_buf_append(&text, idstr.p,
	    idstr.len) != 0 || amana_buf_u8(&text, '\n') != 0)
		goto out;
	if ((ret = cli_path("keygen", path, sizeof(path), dir,
	    "authority.identity")) != CLI_OK ||
	    (ret = cli_write_key("keygen", path, text.p, text.len, pass,
	    pass_len)) != CLI_OK)
		goto out;
	rcpt[AGE_RECIPIENT_STR_LEN] = '\n';
	if ((ret = cli_path("keygen", path, sizeof(path), dir,
	    "authority.recipient")) != CLI_OK ||
	    (ret = cli_write_public("keygen", path, rcpt,
	    AGE_RECIPIENT_STR_LEN + 1)) != CLI_OK)
		goto out;
	ret = CLI_OK;
out:
	age_identity_free(id);
	amana_buf_free(&text);
	amana_buf_free(&idstr);
	return ret;
}

int
cli_cmd_keygen(int argc, char **argv)
{
	static const char *const files[][4] = {
		{ "authority.identity", "authority.recipient", "authority.key",
		  "authority.vkey" },
		{ "ngo.key", "ngo.vkey", NULL, NULL },
		{ "investigator.key", "investigator.vkey", NULL, NULL },
	};
	struct cli_opt opts[] = {
		{ "output", 'o', 1, 0, 0, NULL },
		{ "name", 0, 1, 0, 0, NULL },
		{ "passphrase-file", 0, 1, 0, 0, NULL },
		{ "no-passphrase", 0, 0, 0, 0, NULL },
	};
	const size_t nopts = sizeof(opts) / sizeof(opts[0]);
	struct amana_buf pass;
	struct cli_args a;
	struct stat st;
	const char *dir, *name, *kind;
	char path[4096];
	int ret = CLI_USAGE, k, i;

	amana_buf_init(&pass, KEYFILE_PASS_MAX + 1, 1);
	if (cli_args_parse("keygen", argc, argv, opts, nopts, &a) != 0)
		goto out;
	if (a.npos != 1) {
		ret = cli_usage("keygen", "expected authority, ngo or "
		    "investigator");
		goto out;
	}
	kind = a.pos[0];
	if (strcmp(kind, "authority") == 0)
		k = KG_AUTHORITY;
	else if (strcmp(kind, "ngo") == 0)
		k = KG_NGO;
	else if (strcmp(kind, "investigator") == 0)
		k = KG_INVESTIGATOR;
	else {
		ret = cli_usage("keygen", "unknown key kind '%s'", kind);
		goto out;
	}
	dir = cli_opt_get(opts, nopts, "output");
	name = cli_opt_get(opts, nopts, "name");
	if (dir == NULL) {
		ret = cli_usage("keygen", "missing -o DIR");
		goto out;
	}
	if (name == NULL && k != KG_AUTHORITY) {
		ret = cli_usage("keygen", "missing --name NAME");
		goto out;
	}
	if (name == NULL)
		name = "authority";
	if (note_name_valid((const uint8_t *)name, strlen(name)) != 0) {
		ret = cli_usage("keygen", "invalid key name '%s' (no spaces, "
		    "'+' or control characters)", name);
		goto out;
	}
	if (cli_opt_get(opts, nopts, "passphrase-file") != NULL &&
	    cli_opt_find(opts, nopts, "no-passphrase")->count > 0) {
		ret = cli_usage("keygen", "--passphrase-file and "
		    "--no-passphrase exclude each other");
		goto out;
	}
	ret = CLI_FAIL;
	/* refuse before creating anything */
	for (i = 0; i < 4 && files[k][i] != NULL; i++) {
		if ((ret = cli_path("keygen", path, sizeof(path), dir,
		    files[k][i])) != CLI_OK)
			goto out;
		if (lstat(path, &st) == 0) {
			ret = cli_fail("keygen", "%s: already exists; refusing "
			    "to overwrite it", path);
			goto out;
		}
	}
	if (amana_file_mkdirs(dir, 0700) != 0) {
		ret = cli_fail("keygen", "%s: cannot create the folder", dir);
		goto out;
	}
	if ((ret = cli_new_passphrase("keygen", cli_opt_get(opts, nopts,
	    "passphrase-file"), cli_opt_find(opts, nopts,
	    "no-passphrase")->count > 0, &pass)) != CLI_OK)
		goto out;
	if (k == KG_AUTHORITY) {
		if ((ret = make_age(dir, pass.p, pass.len)) != CLI_OK ||
		    (ret = make_signer(name, dir, "authority", pass.p,
		    pass.len)) != CLI_OK)
			goto out;
	} else if ((ret = make_signer(name, dir, k == KG_NGO ? "ngo" :
	    "investigator", pass.p, pass.len)) != CLI_OK)
		goto out;
	ret = CLI_OK;
out:
	amana_buf_free(&pass);
	cli_args_free(opts, nopts);
	return ret;
}
