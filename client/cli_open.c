/*
 * cli_open: `amana open`, the investigator's offline decryption of an alert
 * envelope into a folder: DIR/message.txt, DIR/alert.txt (who, category,
 * place, reply recipient, attachment list) and DIR/attachments/<name>.
 * Everything is written into a private temporary folder inside DIR and
 * moved into place only once the whole record decrypted and parsed, so a
 * damaged envelope leaves nothing half-written. Attachment names were
 * checked by the record reader (no '/', '\\', "..", control characters)
 * and are checked again here; files are created with O_EXCL|O_NOFOLLOW.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sodium.h>

#include "age.h"
#include "amana_file.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_env.h"
#include "cli_keys.h"
#include "envelope.h"
#include "record.h"

struct open_ctx {
	const struct envelope_header *hdr;
	int		 tmpfd;		/* the temporary folder */
	int		 attfd;		/* its attachments/ */
	int		 cur;		/* the attachment being written */
	int		 bad_signer;
	struct record_reader *rr;
};

static int
write_at(int dirfd, const char *name, const void *p, size_t len)
{
	int fd, err;

	if ((fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return errno == EEXIST ? AMANA_EEXIST : AMANA_EIO;
	err = amana_file_write_all(fd, p, len);
	if (err == 0 && fsync(fd) != 0)
		err = AMANA_EIO;
	if (close(fd) != 0 && err == 0)
		err = AMANA_EIO;
	return err;
}

static int
on_header(void *arg, const struct record_header *h)
{
	struct open_ctx *c = arg;
	struct note_verifier v;
	struct amana_buf t;
	int err;

	/* the inner key must be the outer signer: no swapped signatures */
	if (note_verifier_parse((const uint8_t *)h->ngo_vkey, h->ngo_vkey_len,
	    &v) != 0 || sodium_memcmp(v.pk, c->hdr->signer,
	    NOTE_PK_LEN) != 0) {
		c->bad_signer = 1;
		return AMANA_EBADSIG;
	}
	if ((err = write_at(c->tmpfd, "message.txt", h->message,
	    h->message_len)) != 0)
		return err;
	amana_buf_init(&t, 16384, 1);
	err = amana_buf_printf(&t, "ngo: %.*s\nreply-recipient: %.*s\n"
	    "category: %.*s\nplace: %.*s\nattachments: %u\n",
	    (int)h->ngo_vkey_len, h->ngo_vkey, (int)h->reply_recipient_len,
	    h->reply_recipient, (int)h->category_len, h->category,
	    (int)h->place_len, h->place, (unsigned)h->n_att);
	if (err == 0)
		err = write_at(c->tmpfd, "alert.txt", t.p, t.len);
	amana_buf_free(&t);
	return err;
}

static int
on_att_begin(void *arg, const struct record_att_info *a)
{
	struct open_ctx *c = arg;
	char name[RECORD_NAME_MAX + 1];

	if (a->name_len > RECORD_NAME_MAX || record_name_valid((const uint8_t *)
	    a->name, a->name_len) != 0)
		return AMANA_EPARSE;
	memcpy(name, a->name, a->name_len);
	name[a->name_len] = '\0';
	if (memchr(name, '\0', a->name_len) != NULL)
		return AMANA_EPARSE;
	if ((c->cur = openat(c->attfd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return errno == EEXIST ? AMANA_EEXIST : AMANA_EIO;
	return 0;
}

static int
on_att_data(void *arg, const uint8_t *p, size_t len)
{
	struct open_ctx *c = arg;

	return amana_file_write_all(c->cur, p, len);
}

static int
on_att_end(void *arg)
{
	struct open_ctx *c = arg;
	int err = 0;

	if (fsync(c->cur) != 0)
		err = AMANA_EIO;
	if (close(c->cur) != 0)
		err = AMANA_EIO;
	c->cur = -1;
	return err;
}

/* Payload pieces from cli_stream_payload go to the age decryptor. */
static int
dec_sink(void *ctx, const uint8_t *p, size_t len)
{
	return age_dec_write(ctx, p, len);
}

/* Removes every file in dirfd (flat), best effort. */
static void
empty_dir(int dirfd)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if ((fd = dup(dirfd)) < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			(void)unlinkat(dirfd, de->d_name, 0);
	closedir(d);
}

static const char *
open_err(int err)
{
	switch (err) {
	case AMANA_ENOMATCH:
		return "this identity cannot open the envelope (not sealed to "
		    "it)";
	case AMANA_EHEADER:
	case AMANA_EMAC:
	case AMANA_EPAYLOAD:
		return "the payload is damaged (age decryption failed)";
	case AMANA_EPARSE:
	case AMANA_ETOOBIG:
		return "the decrypted alert record is malformed";
	case AMANA_EEXIST:
		return "two attachments have the same name";
	case AMANA_EIO:
		return "cannot write the output files";
	default:
		return amana_strerror(err);
	}
}

int
cli_cmd_open(int argc, char **argv)
{
	static const struct record_reader_cb cb = {
		on_header, on_att_begin, on_att_data, on_att_end,
	};
	struct cli_opt opts[] = {
		{ "identity", 'i', 1, 1, 0, NULL },
		{ "passphrase-file", 0, 1, 0, 0, NULL },
		{ "output", 'o', 1, 0, 0, NULL },
	};
	const size_t nopts = sizeof(opts) / sizeof(opts[0]);
	struct age_identity **ids = NULL;
	struct age_dec_keys keys = { 0 };
	struct age_dec *d = NULL;
	struct open_ctx c = { 0 };
	struct envelope_header hdr;
	struct cli_args a;
	uint8_t hash[ENVELOPE_HASH_LEN];
	const char *dir;
	char tmp[4096], from[4200], to[4200];
	static const char *const names[] = { "message.txt", "alert.txt",
	    "attachments" };
	struct stat st;
	size_t nids = 0, len, k;
	int ret = CLI_USAGE, err, n, made_tmp = 0, fd = -1;

	c.tmpfd = c.attfd = c.cur = -1;
	if (cli_args_parse("open", argc, argv, opts, nopts, &a) != 0)
		goto out;
	dir = cli_opt_get(opts, nopts, "output");
	if (a.npos != 1 || dir == NULL || opts[0].count == 0) {
		ret = cli_usage("open", a.npos != 1 ? "expected one ENVELOPE" :
		    dir == NULL ? "missing -o DIR" : "missing --identity F");
		goto out;
	}
	for (k = 0; k < 3; k++) {
		if ((ret = cli_path("open", to, sizeof(to), dir, names[k])) !=
		    CLI_OK)
			goto out;
		if (lstat(to, &st) == 0) {
			ret = cli_fail("open", "%s: already exists; refusing to "
			    "overwrite it", to);
			goto out;
		}
	}
	/* checked whole (header, length, signature), then decrypted from
	 * a second pass that must see the same bytes: constant memory */
	if ((ret = cli_open_envelope("open", a.pos[0], &fd, &hdr, hash,
	    &len)) != CLI_OK)
		goto out;
	ret = CLI_FAIL;
	if (hdr.kind != ENVELOPE_KIND_ALERT) {
		ret = cli_fail("open", "%s: not an alert envelope", a.pos[0]);
		goto out;
	}
	c.hdr = &hdr;
	if ((ret = cli_load_identities("open", opts[0].vals, opts[0].count,
	    cli_opt_get(opts, nopts, "passphrase-file"), &ids, &nids)) !=
	    CLI_OK)
		goto out;
	ret = CLI_FAIL;
	if (amana_file_mkdirs(dir, 0700) != 0) {
		ret = cli_fail("open", "%s: cannot create the folder", dir);
		goto out;
	}
	n = snprintf(tmp, sizeof(tmp), "%s/.amana-open-XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof(tmp) || mkdtemp(tmp) == NULL) {
		ret = cli_fail("open", "%s: cannot create a folder", dir);
		goto out;
	}
	made_tmp = 1;
	if ((c.tmpfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    mkdirat(c.tmpfd, "attachments", 0700) != 0 ||
	    (c.attfd = openat(c.tmpfd, "attachments", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0) {
		ret = cli_fail("open", "%s: cannot create a folder", tmp);
		goto out;
	}
	keys.ids = ids;
	keys.n_ids = nids;
	if ((err = record_reader_new(&cb, &c, &c.rr)) != 0 ||
	    (err = age_dec_new(&keys, record_reader_sink, c.rr, &d)) != 0) {
		ret = cli_fail("open", "out of memory");
		goto out;
	}
	if ((ret = cli_stream_payload("open", a.pos[0], fd, &hdr, hash,
	    dec_sink, d, &err)) != CLI_OK && err == 0)
		goto out;	/* the file changed or could not be read */
	ret = CLI_FAIL;
	if (err == 0)
		err = age_dec_finish(d);
	if (err == 0)
		err = record_reader_finish(c.rr);
	if (err != 0) {
		ret = c.bad_signer ? cli_fail("open", "%s: the record names "
		    "another NGO key than the envelope's signer", a.pos[0]) :
		    cli_fail("open", "%s: %s", a.pos[0], open_err(err));
		goto out;
	}
	for (k = 0; k < 3; k++) {
		n = snprintf(from, sizeof(from), "%s/%s", tmp, names[k]);
		if (n < 0 || (size_t)n >= sizeof(from) ||
		    cli_path("open", to, sizeof(to), dir, names[k]) != CLI_OK ||
		    rename(from, to) != 0) {
			ret = cli_fail("open", "cannot move the files into %s",
			    dir);
			goto out;
		}
	}
	ret = CLI_OK;
out:
	if (c.cur >= 0)
		close(c.cur);
	if (c.attfd >= 0) {
		if (ret != CLI_OK)
			empty_dir(c.attfd);
		close(c.attfd);
	}
	if (c.tmpfd >= 0) {
		if (ret != CLI_OK) {
			(void)unlinkat(c.tmpfd, "attachments", AT_REMOVEDIR);
			(void)unlinkat(c.tmpfd, "message.txt", 0);
			(void)unlinkat(c.tmpfd, "alert.txt", 0);
		}
		close(c.tmpfd);
	}
	if (made_tmp)
		(void)rmdir(tmp);
	if (fd >= 0)
		close(fd);
	age_dec_free(d);
	record_reader_free(c.rr);
	age_identities_free(ids, nids);
	cli_args_free(opts, nopts);
	return ret;
}
