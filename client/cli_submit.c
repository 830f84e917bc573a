/*
 * cli_submit: `amana submit`, the NGO's way to seal, sign and send an
 * alert and keep its receipt.
 *
 * The envelope is built streaming (record writer -> age encryptor ->
 * envelope writer -> file) in DIR/pending-<H>.envelope, where H is the
 * SHA-256 of the submission's inputs; the alert's reply identity goes to
 * DIR/pending-<H>.identity (0600) before anything is sent. Only after the
 * receipt verifies are they renamed to DIR/alert-N.envelope and
 * DIR/alert-N.identity, beside DIR/alert-N.tlog-proof. Running the same
 * submission again after a failure finds the pending envelope and resends
 * it byte for byte, so the relay's dedup answers with the same receipt and
 * no second alert exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sodium.h>

#include "age.h"
#include "amana_codec.h"
#include "amana_file.h"
#include "cli.h"
#include "cli_args.h"
#include "cli_env.h"
#include "cli_keys.h"
#include "cli_relay.h"
#include "envelope.h"
#include "keyfile.h"
#include "logentry.h"
#include "record.h"

#define IO_CHUNK	65536
#define CATEGORY_DEFAULT "general"
#define RESP_MAX	(RECEIPT_MAX_LEN + 1024)

struct att {
	const char	*path;
	const char	*name;		/* basename of path */
	const char	*mtype;
	uint64_t	 size;
};

struct pipe_ctx {
	struct age_enc		*enc;
	struct envelope_writer	*env;
	int			 fd;
};

static const char *
media_type(const char *name)
{
	static const char *const map[][2] = {
		{ ".txt", "text/plain" }, { ".pdf", "application/pdf" },
		{ ".jpg", "image/jpeg" }, { ".jpeg", "image/jpeg" },
		{ ".png", "image/png" }, { ".gif", "image/gif" },
		{ ".mp4", "video/mp4" }, { ".mp3", "audio/mpeg" },
		{ ".ogg", "audio/ogg" }, { ".zip", "application/zip" },
		{ ".csv", "text/csv" }, { ".json", "application/json" },
		{ ".doc", "application/msword" },
		{ ".docx", "application/vnd.openxmlformats-officedocument."
		    "wordprocessingml.document" },
		{ ".xlsx", "application/vnd.openxmlformats-officedocument."
		    "spreadsheetml.sheet" },
	};
	const char *dot = strrchr(name, '.');
	size_t i;

	if (dot != NULL)
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strcasecmp(dot, map[i][0]) == 0)
				return map[i][1];
	return "application/octet-stream";
}

static int
sink_file(void *ctx, const uint8_t *p, size_t len)
{
	struct pipe_ctx *c = ctx;

	return amana_file_write_all(c->fd, p, len);
}

static int
sink_env(void *ctx, const uint8_t *p, size_t len)
{
	struct pipe_ctx *c = ctx;

	return envelope_writer_write(c->env, p, len);
}

static int
sink_age(void *ctx, const uint8_t *p, size_t len)
{
	struct pipe_ctx *c = ctx;

	return age_enc_write(c->enc, p, len);
}

/* Hashes a length-prefixed field into the input digest. */
static void
hash_field(struct amana_sha256_ctx *h, const void *p, size_t len)
{
	uint8_t l[8];
	uint64_t v = len;
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		l[i] = (uint8_t)v;
	amana_sha256_update(h, l, sizeof(l));
	amana_sha256_update(h, p, len);
}

static int
stream_file(const char *cmd, const char *path, uint64_t size, uint8_t *buf,
    struct record_writer *w, struct amana_sha256_ctx *h)
{
	uint64_t done = 0;
	ssize_t n;
	int fd, ret = CLI_FAIL, err;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return cli_fail(cmd, "%s: %s", path, strerror(errno));
	for (;;) {
		n = read(fd, buf, IO_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = cli_fail(cmd, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if ((uint64_t)n > size - done) {
			ret = cli_fail(cmd, "%s: the file grew while being "
			    "read", path);
			goto out;
		}
		done += (uint64_t)n;
		if (h != NULL)
			amana_sha256_update(h, buf, (size_t)n);
		if (w != NULL && (err = record_writer_write(w, buf,
		    (size_t)n)) != 0) {
			ret = cli_fail(cmd, "cannot seal %s: %s", path,
			    amana_strerror(err));
			goto out;
		}
	}
	if (done != size) {
		ret = cli_fail(cmd, "%s: the file shrank while being read",
		    path);
		goto out;
	}
	ret = CLI_OK;
out:
	close(fd);
	return ret;
}

/* Seals everything into the open file fd. */
static int
seal(const char *cmd, int fd, const struct note_signer *s,
    const uint8_t pk[NOTE_PK_LEN], const struct record_alert *ra,
    const struct att *att, size_t n_att, const uint8_t (*pks)[AGE_KEY_LEN],
    size_t npk)
{
	struct record_writer *rw = NULL;
	struct envelope_header eh;
	struct pipe_ctx pc = { 0 };
	uint8_t msg[ENVELOPE_SIGNED_LEN], sig[NOTE_SIG_LEN];
	uint8_t *buf = NULL;
	uint64_t content_len, padded_len, payload_len;
	size_t i;
	int ret = CLI_FAIL, err;

	pc.fd = fd;
	if ((err = record_alert_len(ra, &content_len, &padded_len)) != 0) {
		ret = cli_fail(cmd, err == AMANA_ETOOBIG ? "the alert is too "
		    "large (%s)" : "invalid alert field (%s)",
		    amana_strerror(err));
		goto out;
	}
	if ((err = age_payload_len(age_header_len_x25519(npk), padded_len,
	    &payload_len)) != 0 || payload_len > ENVELOPE_PAYLOAD_MAX) {
		ret = cli_fail(cmd, "the alert is too large for an envelope");
		goto out;
	}
	memset(&eh, 0, sizeof(eh));
	eh.kind = ENVELOPE_KIND_ALERT;
	memcpy(eh.signer, pk, ENVELOPE_PK_LEN);
	eh.created = (uint64_t)time(NULL);
	eh.payload_len = payload_len;
	if ((buf = sodium_malloc(IO_CHUNK)) == NULL ||
	    (err = envelope_writer_new(&eh, sink_file, &pc, &pc.env)) != 0 ||
	    (err = age_enc_new_x25519(pks, npk, sink_env, &pc, &pc.enc)) != 0 ||
	    (err = record_writer_new(ra, sink_age, &pc, &rw)) != 0) {
		ret = cli_fail(cmd, "cannot seal the alert: %s", buf == NULL ?
		    "out of memory" : amana_strerror(err));
		goto out;
	}
	for (i = 0; i < n_att; i++)
		if ((ret = stream_file(cmd, att[i].path, att[i].size, buf, rw,
		    NULL)) != CLI_OK)
			goto out;
	ret = CLI_FAIL;
	if ((err = record_writer_finish(rw)) != 0 ||
	    (err = age_enc_finish(pc.enc)) != 0 ||
	    (err = envelope_writer_msg(pc.env, msg)) != 0 ||
	    (err = note_sign_raw(s, msg, sizeof(msg), sig)) != 0 ||
	    (err = envelope_writer_finish_sig(pc.env, sig)) != 0) {
		ret = cli_fail(cmd, "cannot seal the alert: %s",
		    amana_strerror(err));
		goto out;
	}
	ret = CLI_OK;
out:
	record_writer_free(rw);
	age_enc_free(pc.enc);
	envelope_writer_free(pc.env);
	sodium_free(buf);
	return ret;
}

/* Writes new file path from tmp content atomically: tmp -> fsync -> rename */
static int
write_pending(const char *cmd, const char *dir, const char *hhex,
    const struct note_signer *s, const uint8_t pk[NOTE_PK_LEN],
    const struct record_alert *ra, const struct att *att, size_t n_att,
    const uint8_t (*pks)[AGE_KEY_LEN], size_t npk, const char *envpath,
    const char *idpath, const struct amana_buf *idtext)
{
	char tmp[4096];
	int fd = -1, n, ret, err;

	n = snprintf(tmp, sizeof(tmp), "%s/.pending-%s.tmp", dir, hhex);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return cli_fail(cmd, "%s: path too long", dir);
	(void)unlink(tmp);
	/* the reply identity is kept before anything can be sent */
	if ((err = keyfile_write(idpath, idtext->p, idtext->len, NULL, 0)) !=
	    0)
		return cli_file_err(cmd, idpath, err);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0)
		return cli_fail(cmd, "%s: %s", tmp, strerror(errno));
	if ((ret = seal(cmd, fd, s, pk, ra, att, n_att, pks, npk)) != CLI_OK)
		goto fail;
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		ret = cli_fail(cmd, "%s: cannot write", tmp);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, envpath) != 0) {
		ret = cli_fail(cmd, "%s: %s", envpath, strerror(errno));
		goto fail;
	}
	return CLI_OK;
fail:
	if (fd >= 0)
		close(fd);
	(void)unlink(tmp);
	(void)unlink(idpath);
	return ret;
}

int
cli_cmd_submit(int argc, char **argv)
{
	struct cli_opt opts[] = {
		{ "relay", 0, 1, 0, 0, NULL },
		{ "ngo-key", 0, 1, 0, 0, NULL },
		{ "to", 'r', 1, 1, 0, NULL },
		{ "attach", 'a', 1, 1, 0, NULL },
		{ "log-key", 0, 1, 0, 0, NULL },
		{ "dir", 0, 1, 0, 0, NULL },
		{ "ca", 0, 1, 0, 0, NULL },
		{ "category", 0, 1, 0, 0, NULL },
		{ "place", 0, 1, 0, 0, NULL },
		{ "passphrase-file", 0, 1, 0, 0, NULL },
	};
	const size_t nopts = sizeof(opts) / sizeof(opts[0]);
	const struct cli_opt *o_to = &opts[2], *o_att = &opts[3];
	uint8_t (*pks)[AGE_KEY_LEN] = NULL;
	struct note_signer *s = NULL;
	struct age_identity *rid = NULL;
	struct amana_sha256_ctx *hc = NULL;
	struct cli_http *h = NULL;
	struct cli_http_resp resp = { 0 };
	struct record_alert ra;
	struct receipt_view rv;
	struct envelope_header eh;
	struct note_verifier nv, lk;
	struct amana_buf message, vk, idstr, idtext;
	struct att *att = NULL;
	struct record_attachment *ratt = NULL;
	struct cli_args a;
	struct stat st;
	uint8_t digest[AMANA_SHA256_LEN], envhash[ENVELOPE_HASH_LEN];
	uint8_t *buf = NULL;
	char rcpt[AGE_RECIPIENT_STR_LEN + 1], hhex[2 * AMANA_SHA256_LEN + 1];
	char dirbuf[4096], lkbuf[4096], envpath[4096], idpath[4096];
	char finalenv[4096], finalid[4096], proofpath[4096];
	const char *keypath, *dir, *lkpath, *category, *place, *msgpath, *sl;
	size_t npk = 0, i, envlen = 0;
	int ret = CLI_USAGE, err, n, resent = 0, envfd = -1;

	amana_buf_init(&message, RECORD_MESSAGE_MAX, 1);
	amana_buf_init(&vk, NOTE_VKEY_MAX + 1, 0);
	amana_buf_init(&idstr, AGE_IDENTITY_STR_LEN + 1, 1);
	amana_buf_init(&idtext, 4096, 1);
	if (cli_args_parse("submit", argc, argv, opts, nopts, &a) != 0)
		goto out;
	keypath = cli_opt_get(opts, nopts, "ngo-key");
	category = cli_opt_get(opts, nopts, "category");
	place = cli_opt_get(opts, nopts, "place");
	if (category == NULL)
		category = CATEGORY_DEFAULT;
	if (place == NULL)
		place = "";
	if (a.npos > 1) {
		ret = cli_usage("submit", "expected at most one MESSAGE-FILE");
		goto out;
	}
	msgpath = a.npos == 1 ? a.pos[0] : "-";
	if (keypath == NULL) {
		ret = cli_usage("submit", "missing --ngo-key F");
		goto out;
	}
	if (o_to->count == 0) {
		ret = cli_usage("submit", "give at least one --to RECIPIENT");
		goto out;
	}
	if (cli_relay_url(cli_opt_get(opts, nopts, "relay")) == NULL) {
		ret = cli_usage("submit", "missing --relay URL (or "
		    "AMANA_RELAY)");
		goto out;
	}
	/* DIR: --dir, else the NGO key's folder */
	if ((dir = cli_opt_get(opts, nopts, "dir")) == NULL) {
		sl = strrchr(keypath, '/');
		n = sl == NULL ? snprintf(dirbuf, sizeof(dirbuf), ".") :
		    snprintf(dirbuf, sizeof(dirbuf), "%.*s", sl == keypath ? 1 :
		    (int)(sl - keypath), keypath);
		if (n < 0 || (size_t)n >= sizeof(dirbuf)) {
			ret = cli_usage("submit", "path too long");
			goto out;
		}
		dir = dirbuf;
	}
	if ((lkpath = cli_opt_get(opts, nopts, "log-key")) == NULL) {
		if ((ret = cli_path("submit", lkbuf, sizeof(lkbuf), dir,
		    "relay.vkey")) != CLI_OK)
			goto out;
		lkpath = lkbuf;
		if (access(lkpath, F_OK) != 0) {
			ret = cli_usage("submit", "no log key: give --log-key "
			    "VKEYFILE (the relay's relay.vkey) or put it in %s",
			    lkpath);
			goto out;
		}
	}
	ret = CLI_FAIL;
	if ((ret = cli_load_verifier("submit", lkpath, &lk)) != CLI_OK ||
	    (ret = cli_load_recipients("submit", o_to->vals, o_to->count,
	    &pks, &npk)) != CLI_OK)
		goto out;
	ret = CLI_FAIL;
	/* attachments: names and sizes now, bytes streamed later */
	if (o_att->count > RECORD_ATTACH_MAX) {
		ret = cli_usage("submit", "at most %d attachments",
		    RECORD_ATTACH_MAX);
		goto out;
	}
	if ((att = calloc(o_att->count + 1, sizeof(*att))) == NULL)
		goto out;
	for (i = 0; i < o_att->count; i++) {
		att[i].path = o_att->vals[i];
		sl = strrchr(att[i].path, '/');
		att[i].name = sl != NULL ? sl + 1 : att[i].path;
		if (stat(att[i].path, &st) != 0) {
			ret = cli_fail("submit", "%s: %s", att[i].path,
			    errno == ENOENT ? "no such file" :
			    strerror(errno));
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			ret = cli_fail("submit", "%s: not a regular file",
			    att[i].path);
			goto out;
		}
		if (record_name_valid((const uint8_t *)att[i].name,
		    strlen(att[i].name)) != 0) {
			ret = cli_fail("submit", "%s: unusable attachment name "
			    "(control characters, '/', '\\' or '..')",
			    att[i].path);
			goto out;
		}
		att[i].size = (uint64_t)st.st_size;
		att[i].mtype = media_type(att[i].name);
	}
	if ((err = amana_file_read(msgpath, &message)) != 0) {
		ret = err == AMANA_ETOOBIG ? cli_fail("submit", "%s: the "
		    "message is too long", msgpath) : cli_file_err("submit",
		    msgpath, err);
		goto out;
	}
	if ((ret = cli_load_signer("submit", keypath, cli_opt_get(opts, nopts,
	    "passphrase-file"), &s)) != CLI_OK)
		goto out;
	ret = CLI_FAIL;
	note_signer_verifier(s, &nv);
	if (note_verifier_format(&nv, &vk) != 0)
		goto out;

	/* the digest of this submission's inputs names its pending files */
	if ((buf = sodium_malloc(IO_CHUNK)) == NULL ||
	    amana_sha256_new(&hc) != 0)
		goto out;
	hash_field(hc, "amana-submit-v1", 15);
	hash_field(hc, nv.pk, sizeof(nv.pk));
	hash_field(hc, pks, npk * AGE_KEY_LEN);
	hash_field(hc, category, strlen(category));
	hash_field(hc, place, strlen(place));
	hash_field(hc, message.p, message.len);
	for (i = 0; i < o_att->count; i++) {
		hash_field(hc, att[i].name, strlen(att[i].name));
		n = snprintf(rcpt, sizeof(rcpt), "%llu",
		    (unsigned long long)att[i].size);
		if (n < 0 || (size_t)n >= sizeof(rcpt))
			goto out;
		hash_field(hc, rcpt, (size_t)n);
		if ((ret = stream_file("submit", att[i].path, att[i].size, buf,
		    NULL, hc)) != CLI_OK)
			goto out;
	}
	ret = CLI_FAIL;
	amana_sha256_final(hc, digest);
	if (amana_hex_encode(hhex, sizeof(hhex), digest, 16) != 0)
		goto out;
	if (amana_file_mkdirs(dir, 0700) != 0) {
		ret = cli_fail("submit", "%s: cannot create the folder", dir);
		goto out;
	}
	n = snprintf(envpath, sizeof(envpath), "%s/pending-%s.envelope", dir,
	    hhex);
	if (n < 0 || (size_t)n >= sizeof(envpath))
		goto out;
	n = snprintf(idpath, sizeof(idpath), "%s/pending-%s.identity", dir,
	    hhex);
	if (n < 0 || (size_t)n >= sizeof(idpath))
		goto out;
	if (access(envpath, F_OK) == 0 && access(idpath, F_OK) == 0) {
		resent = 1;
		fprintf(stderr, "amana submit: resending the alert sealed by an "
		    "earlier, unreceipted run (%s)\n", envpath);
	} else {
		(void)unlink(idpath);
		/* a fresh reply recipient for this alert only */
		if (age_identity_generate(&rid) != 0 ||
		    age_identity_format(rid, &idstr) != 0)
			goto out;
		age_identity_public(rid, digest);
		if (age_recipient_format(digest, rcpt, sizeof(rcpt)) != 0 ||
		    amana_buf_printf(&idtext, "# amana reply identity\n"
		    "# public key: %s\n", rcpt) != 0 ||
		    amana_buf_append(&idtext, idstr.p, idstr.len) != 0 ||
		    amana_buf_u8(&idtext, '\n') != 0)
			goto out;
		memset(&ra, 0, sizeof(ra));
		ra.ngo_vkey = (const char *)vk.p;
		ra.ngo_vkey_len = vk.len;
		ra.reply_recipient = rcpt;
		ra.reply_recipient_len = AGE_RECIPIENT_STR_LEN;
		ra.category = category;
		ra.category_len = strlen(category);
		ra.place = place;
		ra.place_len = strlen(place);
		ra.message = (const char *)message.p;
		ra.message_len = message.len;
		if (o_att->count > 0) {
			if ((ratt = calloc(o_att->count, sizeof(*ratt))) ==
			    NULL)
				goto out;
			for (i = 0; i < o_att->count; i++) {
				ratt[i].name = att[i].name;
				ratt[i].name_len = strlen(att[i].name);
				ratt[i].media_type = att[i].mtype;
				ratt[i].media_type_len = strlen(att[i].mtype);
				ratt[i].size = att[i].size;
			}
			ra.att = ratt;
			ra.n_att = o_att->count;
		}
		if ((ret = write_pending("submit", dir, hhex, s, nv.pk, &ra,
		    att, o_att->count, (const uint8_t (*)[AGE_KEY_LEN])pks,
		    npk, envpath, idpath, &idtext)) != CLI_OK)
			goto out;
	}
	/* checked and sent from the file: never all in memory */
	if ((ret = cli_open_envelope("submit", envpath, &envfd, &eh, envhash,
	    &envlen)) != CLI_OK)
		goto out;
	if (eh.kind != ENVELOPE_KIND_ALERT ||
	    memcmp(eh.signer, nv.pk, ENVELOPE_PK_LEN) != 0) {
		ret = cli_fail("submit", "%s: not an alert signed by %s",
		    envpath, keypath);
		goto out;
	}
	if ((ret = cli_relay_open("submit", cli_opt_get(opts, nopts, "relay"),
	    cli_opt_get(opts, nopts, "ca"), &h)) != CLI_OK)
		goto out;
	/* idempotent: the relay's dedup answers a resend with its receipt */
	ret = cli_relay_post_file("submit", h, "/v1/alerts", envfd, envlen,
	    RESP_MAX, &resp);
	if (ret != CLI_OK) {
		if (resp.status / 100 == 4) {
			/* refused for good: nothing was stored */
			(void)unlink(envpath);
			(void)unlink(idpath);
		} else
			fprintf(stderr, "amana submit: the sealed alert is kept "
			    "in %s; run the same command again to resend it\n",
			    envpath);
		goto out;
	}
	if ((ret = cli_check_receipt("submit", "the relay's receipt",
	    resp.body.p, resp.body.len, &lk, NULL, 0, &rv)) != CLI_OK)
		goto out;
	ret = CLI_FAIL;
	if (memcmp(rv.entry.hash, envhash, sizeof(envhash)) != 0) {
		ret = cli_fail("submit", "the relay's receipt: the receipt is "
		    "for another envelope");
		goto out;
	}
	if (rv.entry.kind != LOGENTRY_ALERT) {
		ret = cli_fail("submit", "the receipt is not for an alert");
		goto out;
	}
	n = snprintf(proofpath, sizeof(proofpath), "%s/alert-%llu.tlog-proof",
	    dir, (unsigned long long)rv.index);
	if (n < 0 || (size_t)n >= sizeof(proofpath))
		goto out;
	n = snprintf(finalenv, sizeof(finalenv), "%s/alert-%llu.envelope",
	    dir, (unsigned long long)rv.index);
	if (n < 0 || (size_t)n >= sizeof(finalenv))
		goto out;
	n = snprintf(finalid, sizeof(finalid), "%s/alert-%llu.identity", dir,
	    (unsigned long long)rv.index);
	if (n < 0 || (size_t)n >= sizeof(finalid))
		goto out;
	if ((err = amana_file_write_atomic(proofpath, 0644, resp.body.p,
	    resp.body.len)) != 0) {
		ret = cli_file_err("submit", proofpath, err);
		goto out;
	}
	if (rename(idpath, finalid) != 0 || rename(envpath, finalenv) != 0) {
		ret = cli_fail("submit", "cannot keep the alert's files in %s: "
		    "%s", dir, strerror(errno));
		goto out;
	}
	if (resent)
		fprintf(stderr, "amana submit: the relay had the alert: same "
		    "receipt\n");
	printf("%llu\n", (unsigned long long)rv.index);
	ret = CLI_OK;
out:
	note_signer_free(s);
	age_identity_free(rid);
	amana_sha256_free(hc);
	sodium_free(buf);
	cli_http_resp_free(&resp);
	cli_http_free(h);
	free(pks);
	free(att);
	free(ratt);
	amana_buf_free(&message);
	amana_buf_free(&vk);
	amana_buf_free(&idstr);
	amana_buf_free(&idtext);
	if (envfd >= 0)
		close(envfd);
	cli_args_free(opts, nopts);
	return ret;
}
