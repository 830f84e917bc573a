/*
 * cli_age: `amana encrypt` and `amana decrypt`, plain age v1 files,
 * streamed in constant memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "age.h"
#include "amana_file.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_keys.h"
#include "keyfile.h"

#define IO_CHUNK	65536

static int
stdout_sink(void *ctx, const uint8_t *p, size_t len)
{
	(void)ctx;
	return cli_stdout_write(p, len);
}

static int
open_input(const char *cmd, const char *path, int *fd)
{
	if (path == NULL || strcmp(path, "-") == 0) {
		*fd = STDIN_FILENO;
		return CLI_OK;
	}
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? cli_fail(cmd, "%s: no such file",
		    path) : cli_fail(cmd, "%s: %s", path, strerror(errno));
	return CLI_OK;
}

static const char *
enc_err(int err)
{
	return err == AMANA_EIO ? "cannot write the output" :
	    amana_strerror(err);
}

static int
enc_write(void *ctx, const uint8_t *p, size_t len)
{
	return age_enc_write(ctx, p, len);
}

static int
dec_write(void *ctx, const uint8_t *p, size_t len)
{
	return age_dec_write(ctx, p, len);
}

/*
 * pump: reads fd to its end in pieces of IO_CHUNK bytes into buf (caller's,
 * IO_CHUNK bytes) and gives each to feed(ctx, ...). A failed read or
 * write prints one line (errstr names a write error) and returns CLI_FAIL.
 */
static int
pump(const char *cmd, int fd, uint8_t *buf,
    int (*feed)(void *, const uint8_t *, size_t), void *ctx,
    const char *(*errstr)(int))
{
	ssize_t n;
	int err;

	for (;;) {
		n = read(fd, buf, IO_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cli_fail(cmd, "cannot read the input: %s",
			    strerror(errno));
		if (n == 0)
			return CLI_OK;
		if ((err = feed(ctx, buf, (size_t)n)) != 0)
			return cli_fail(cmd, "%s", errstr(err));
	}
}

int
cli_cmd_encrypt(int argc, char **argv)
{
	struct cli_opt opts[] = {
		{ "to", 'r', 1, 1, 0, NULL },
	};
	const size_t nopts = sizeof(opts) / sizeof(opts[0]);
	uint8_t (*pks)[AGE_KEY_LEN] = NULL;
	struct age_enc *e = NULL;
	struct cli_args a;
	uint8_t *buf = NULL;
	size_t npk = 0;
	int ret = CLI_USAGE, fd = -1, err;

	if (cli_args_parse("encrypt", argc, argv, opts, nopts, &a) != 0)
		goto out;
	if (a.npos > 1) {
		ret = cli_usage("encrypt", "expected at most one FILE");
		goto out;
	}
	if (opts[0].count == 0) {
		ret = cli_usage("encrypt", "give at least one --to RECIPIENT");
		goto out;
	}
	if ((ret = cli_load_recipients("encrypt", opts[0].vals,
	    opts[0].count, &pks, &npk)) != CLI_OK)
		goto out;
	ret = CLI_FAIL;
	if (isatty(STDOUT_FILENO)) {
		ret = cli_fail("encrypt", "refusing to write binary output to "
		    "a terminal; redirect stdout to a file");
		goto out;
	}
	if ((ret = open_input("encrypt", a.npos ? a.pos[0] : NULL, &fd)) !=
	    CLI_OK)
		goto out;
	ret = CLI_FAIL;
	/* the plaintext passes through here: secure memory */
	if ((buf = sodium_malloc(IO_CHUNK)) == NULL) {
		ret = cli_fail("encrypt", "out of memory");
		goto out;
	}
	if ((err = age_enc_new_x25519((const uint8_t (*)[AGE_KEY_LEN])pks,
	    npk, stdout_sink, NULL, &e)) != 0) {
		ret = cli_fail("encrypt", "%s", enc_err(err));
		goto out;
	}
	if ((ret = pump("encrypt", fd, buf, enc_write, e, enc_err)) != CLI_OK)
		goto out;
	if ((err = age_enc_finish(e)) != 0) {
		ret = cli_fail("encrypt", "%s", enc_err(err));
		goto out;
	}
	ret = CLI_OK;
out:
	age_enc_free(e);
	sodium_free(buf);
	if (fd > STDIN_FILENO)
		close(fd);
	free(pks);
	cli_args_free(opts, nopts);
	return ret;
}

static const char *
dec_err(int err)
{
	switch (err) {
	case AMANA_ENOMATCH:
		return "no identity or passphrase matches this file";
	case AMANA_EHEADER:
		return "not a valid age file (bad header)";
	case AMANA_EMAC:
		return "the age header MAC does not verify (tampered or wrong "
		    "passphrase)";
	case AMANA_EPAYLOAD:
		return "the file is damaged or truncated (payload does not "
		    "verify)";
	case AMANA_EARMOR:
		return "bad ASCII armor";
	case AMANA_EIO:
		return "cannot write the output";
	default:
		return amana_strerror(err);
	}
}

int
cli_cmd_decrypt(int argc, char **argv)
{
	struct cli_opt opts[] = {
		{ "identity", 'i', 1, 1, 0, NULL },
		{ "passphrase-file", 0, 1, 0, 0, NULL },
	};
	const size_t nopts = sizeof(opts) / sizeof(opts[0]);
	struct age_identity **ids = NULL;
	struct age_dec_keys keys = { 0 };
	struct age_dec *d = NULL;
	struct amana_buf pass;
	struct cli_args a;
	const char *passfile;
	uint8_t *buf = NULL;
	size_t nids = 0;
	int ret = CLI_USAGE, fd = -1, err;

	amana_buf_init(&pass, KEYFILE_PASS_MAX + 1, 1);
	if (cli_args_parse("decrypt", argc, argv, opts, nopts, &a) != 0)
		goto out;
	if (a.npos > 1) {
		ret = cli_usage("decrypt", "expected at most one FILE");
		goto out;
	}
	passfile = cli_opt_get(opts, nopts, "passphrase-file");
	ret = CLI_FAIL;
	if ((ret = open_input("decrypt", a.npos ? a.pos[0] : NULL, &fd)) !=
	    CLI_OK)
		goto out;
	if (opts[0].count > 0) {
		/* --passphrase-file then unlocks protected identity files */
		if ((ret = cli_load_identities("decrypt", opts[0].vals,
		    opts[0].count, passfile, &ids, &nids)) != CLI_OK)
			goto out;
		keys.ids = ids;
		keys.n_ids = nids;
	} else {
		if ((err = keyfile_passphrase(passfile, "passphrase: ", 0,
		    &pass)) != 0) {
			ret = err == AMANA_ENOENT ? cli_fail("decrypt",
			    "%s: no such file", passfile) : err == AMANA_EIO &&
			    passfile == NULL ? cli_fail("decrypt", "no "
			    "--identity given and no terminal to ask for a "
			    "passphrase") : cli_fail("decrypt", "cannot read "
			    "the passphrase: %s", amana_strerror(err));
			goto out;
		}
		keys.pass = pass.p;
		keys.pass_len = pass.len;
	}
	ret = CLI_FAIL;
	if ((buf = malloc(IO_CHUNK)) == NULL ||
	    (err = age_dec_new(&keys, stdout_sink, NULL, &d)) != 0) {
		ret = cli_fail("decrypt", "out of memory");
		goto out;
	}
	if ((ret = pump("decrypt", fd, buf, dec_write, d, dec_err)) != CLI_OK)
		goto out;
	if ((err = age_dec_finish(d)) != 0) {
		ret = cli_fail("decrypt", "%s", dec_err(err));
		goto out;
	}
	ret = CLI_OK;
out:
	age_dec_free(d);
	free(buf);
	if (fd > STDIN_FILENO)
		close(fd);
	age_identities_free(ids, nids);
	amana_buf_free(&pass);
	cli_args_free(opts, nopts);
	return ret;
}
