/*
 * age_tool: a small test CLI over the age module, for the interop test.
 *   age_tool keygen                       identity file to stdout
 *   age_tool pub IDENTITY_FILE            its recipient to stdout
 *   age_tool enc -r RECIPIENT...          stdin to stdout
 *   age_tool enc -p PASSFILE [-n LOG_N]   stdin to stdout (scrypt)
 *   age_tool dec [-i IDFILE]... [-p PASSFILE]   stdin to stdout
 * Exit 0 on success, 1 on failure (message on stderr), 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "age.h"
#include "amana_file.h"
#include "keyfile.h"

#define MAX_ARGS	16

static int
out_sink(void *ctx, const uint8_t *p, size_t len)
{
	return amana_file_write_all(STDOUT_FILENO, p, len);
}

static int
usage(void)
{
	fprintf(stderr, "usage: age_tool keygen | pub IDFILE | "
	    "enc (-r RCPT... | -p PASSFILE [-n LOG_N]) | "
	    "dec [-i IDFILE]... [-p PASSFILE]\n");
	return 2;
}

static int
fail(const char *what, int err)
{
	fprintf(stderr, "age_tool: %s: %s\n", what, amana_strerror(err));
	return 1;
}

static int
cmd_keygen(void)
{
	struct age_identity *id = NULL;
	struct amana_buf s;
	uint8_t		 pk[AGE_KEY_LEN];
	char		 r[AGE_RECIPIENT_STR_LEN + 1];
	int		 err;

	amana_buf_init(&s, 4096, 1);
	if ((err = age_identity_generate(&id)) != 0)
		return fail("keygen", err);
	age_identity_public(id, pk);
	if ((err = age_recipient_format(pk, r, sizeof(r))) != 0 ||
	    (err = amana_buf_printf(&s, "# public key: %s\n", r)) != 0 ||
	    (err = age_identity_format(id, &s)) != 0 ||
	    (err = amana_buf_u8(&s, '\n')) != 0 ||
	    (err = amana_file_write_all(STDOUT_FILENO, s.p, s.len)) != 0) {
		age_identity_free(id);
		amana_buf_free(&s);
		return fail("keygen", err);
	}
	age_identity_free(id);
	amana_buf_free(&s);
	return 0;
}

static int
load_ids(const char *path, struct age_identity ***ids, size_t *n)
{
	struct amana_buf b;
	int		 err;

	amana_buf_init(&b, AGE_IDENTITY_FILE_MAX, 1);
	if ((err = amana_file_read(path, &b)) == 0)
		err = age_identity_file_parse(b.p, b.len, ids, n);
	amana_buf_free(&b);
	return err;
}

static int
cmd_pub(const char *path)
{
	struct age_identity **ids = NULL;
	uint8_t		 pk[AGE_KEY_LEN];
	char		 r[AGE_RECIPIENT_STR_LEN + 1];
	size_t		 n = 0, i;
	int		 err;

	if ((err = load_ids(path, &ids, &n)) != 0)
		return fail(path, err);
	for (i = 0; i < n; i++) {
		age_identity_public(ids[i], pk);
		if (age_recipient_format(pk, r, sizeof(r)) == 0)
			printf("%s\n", r);
	}
	age_identities_free(ids, n);
	return 0;
}

static int
pump_enc(struct age_enc *e)
{
	uint8_t	 buf[65536];
	ssize_t	 r;
	int	 err;

	for (;;) {
		r = read(STDIN_FILENO, buf, sizeof(buf));
		if (r < 0)
			return AMANA_EIO;
		if (r == 0)
			break;
		if ((err = age_enc_write(e, buf, (size_t)r)) != 0)
			return err;
	}
	return age_enc_finish(e);
}

static int
pump_dec(struct age_dec *d)
{
	uint8_t	 buf[65536];
	ssize_t	 r;
	int	 err;

	for (;;) {
		r = read(STDIN_FILENO, buf, sizeof(buf));
		if (r < 0)
			return AMANA_EIO;
		if (r == 0)
			break;
		if ((err = age_dec_write(d, buf, (size_t)r)) != 0)
			return err;
	}
	return age_dec_finish(d);
}

static int
cmd_enc(int argc, char **argv)
{
	uint8_t		 pks[MAX_ARGS][AGE_KEY_LEN];
	struct amana_buf pass;
	struct age_enc	*e = NULL;
	const char	*passfile = NULL;
	size_t		 n = 0;
	int		 i, err, log_n = 0;

	amana_buf_init(&pass, KEYFILE_PASS_MAX + 1, 1);
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-r") == 0 && i + 1 < argc &&
		    n < MAX_ARGS) {
			i++;
			if ((err = age_recipient_parse((const uint8_t *)argv[i],
			    strlen(argv[i]), pks[n])) != 0)
				return fail(argv[i], err);
			n++;
		} else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
			passfile = argv[++i];
		} else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			log_n = (int)strtol(argv[++i], NULL, 10);
		} else {
			return usage();
		}
	}
	if ((n == 0) == (passfile == NULL))
		return usage();
	if (passfile != NULL) {
		if ((err = keyfile_passphrase(passfile, NULL, 0, &pass)) != 0)
			return fail(passfile, err);
		err = age_enc_new_scrypt(pass.p, pass.len, log_n, out_sink,
		    NULL, &e);
	} else {
		err = age_enc_new_x25519((const uint8_t (*)[AGE_KEY_LEN])pks,
		    n, out_sink, NULL, &e);
	}
	amana_buf_free(&pass);
	if (err != 0)
		return fail("encrypt", err);
	err = pump_enc(e);
	age_enc_free(e);
	return err != 0 ? fail("encrypt", err) : 0;
}

static int
cmd_dec(int argc, char **argv)
{
	struct age_identity **all = NULL, **ids, **more;
	struct age_dec_keys keys;
	struct amana_buf pass;
	struct age_dec	*d = NULL;
	size_t		 n_all = 0, n, k;
	int		 i, err, ret = 1;

	memset(&keys, 0, sizeof(keys));
	amana_buf_init(&pass, KEYFILE_PASS_MAX + 1, 1);
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-i") == 0 && i + 1 < argc) {
			i++;
			if ((err = load_ids(argv[i], &ids, &n)) != 0) {
				fail(argv[i], err);
				goto out;
			}
			more = realloc(all, (n_all + n) * sizeof(*all));
			if (more == NULL) {
				age_identities_free(ids, n);
				goto out;
			}
			all = more;
			for (k = 0; k < n; k++)
				all[n_all++] = ids[k];
			free(ids);
		} else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
			i++;
			if ((err = keyfile_passphrase(argv[i], NULL, 0,
			    &pass)) != 0) {
				fail(argv[i], err);
				goto out;
			}
			keys.pass = pass.p;
			keys.pass_len = pass.len;
		} else {
			ret = usage();
			goto out;
		}
	}
	keys.ids = all;
	keys.n_ids = n_all;
	if ((err = age_dec_new(&keys, out_sink, NULL, &d)) != 0 ||
	    (err = pump_dec(d)) != 0) {
		fail("decrypt", err);
		goto out;
	}
	ret = 0;
out:
	age_dec_free(d);
	age_identities_free(all, n_all);
	amana_buf_free(&pass);
	return ret;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "keygen") == 0 && argc == 2)
		return cmd_keygen();
	if (strcmp(argv[1], "pub") == 0 && argc == 3)
		return cmd_pub(argv[2]);
	if (strcmp(argv[1], "enc") == 0)
		return cmd_enc(argc - 2, argv + 2);
	if (strcmp(argv[1], "dec") == 0)
		return cmd_dec(argc - 2, argv + 2);
	return usage();
}
