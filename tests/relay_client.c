/*
 * relay_client: test-only helper for tests/relay_test.sh, built on the
 * crypto library. It makes keys, envelopes and signed-request headers for
 * curl, and checks what the relay served (receipts, checkpoint, tiles).
 *
 *   relay_client keygen NAME PREFIX            PREFIX.key, PREFIX.vkey
 *   relay_client envelope KEY OUT SIZE SEED [alert|reply|ack REF]
 *   relay_client roster AUTHKEY accreditation|credential|revocation
 *       SUBJECT.vkey NAME DAYS OUT [ISSUED_OFFSET_SECONDS]
 *   relay_client sign KEY METHOD PATH [BODYFILE]   four "Header: v" lines
 *   relay_client receipt VKEY RECEIPT [ENVELOPE]   prints the index
 *   relay_client tiles CHECKPOINT                  tile paths to fetch
 *   relay_client verifylog VKEY DIR [OLDCKPT]      root of DIR/tile/...
 * Exit 0 on success, 1 on a failed check (one line on stderr), 2 on usage.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "amana_buf.h"
#include "amana_codec.h"
#include "amana_file.h"
#include "ckpt.h"
#include "envelope.h"
#include "merkle.h"
#include "note.h"
#include "receipt.h"
#include "reqsig.h"
#include "roster.h"
#include "tile.h"

#define FILE_MAX	((size_t)256 << 20)

static int
fail(const char *what, int err)
{
	fprintf(stderr, "relay_client: %s: %s\n", what, amana_strerror(err));
	return 1;
}

static int
load_signer(const char *path, struct note_signer **out)
{
	struct amana_buf b;
	int ret;

	amana_buf_init(&b, NOTE_SKEY_MAX + 2, 1);
	if ((ret = amana_file_read(path, &b)) == 0)
		ret = note_signer_parse(b.p, b.len, out);
	amana_buf_free(&b);
	return ret;
}

static int
load_vkey(const char *path, struct note_verifier *out)
{
	struct amana_buf b;
	int ret;

	amana_buf_init(&b, NOTE_VKEY_MAX + 2, 0);
	if ((ret = amana_file_read(path, &b)) == 0)
		ret = note_verifier_parse(b.p, b.len, out);
	amana_buf_free(&b);
	return ret;
}

static int
cmd_keygen(const char *name, const char *prefix)
{
	struct note_signer *s = NULL;
	struct note_verifier v;
	struct amana_buf sk, vk;
	char path[1024];
	int n, ret;

	amana_buf_init(&sk, NOTE_SKEY_MAX + 2, 1);
	amana_buf_init(&vk, NOTE_VKEY_MAX + 2, 0);
	if ((ret = note_signer_generate(name, &s)) != 0 ||
	    (ret = note_signer_format(s, &sk)) != 0 ||
	    (ret = amana_buf_u8(&sk, '\n')) != 0)
		goto out;
	note_signer_verifier(s, &v);
	if ((ret = note_verifier_format(&v, &vk)) != 0 ||
	    (ret = amana_buf_u8(&vk, '\n')) != 0)
		goto out;
	ret = AMANA_ERANGE;
	n = snprintf(path, sizeof(path), "%s.key", prefix);
	if (n < 0 || (size_t)n >= sizeof(path))
		goto out;
	if ((ret = amana_file_write_atomic(path, 0600, sk.p, sk.len)) != 0)
		goto out;
	ret = AMANA_ERANGE;
	n = snprintf(path, sizeof(path), "%s.vkey", prefix);
	if (n < 0 || (size_t)n >= sizeof(path))
		goto out;
	ret = amana_file_write_atomic(path, 0644, vk.p, vk.len);
out:
	note_signer_free(s);
	amana_buf_free(&sk);
	amana_buf_free(&vk);
	return ret == 0 ? 0 : fail("keygen", ret);
}

static int
sink_buf(void *ctx, const uint8_t *p, size_t len)
{
	return amana_buf_append(ctx, p, len);
}

static int
cmd_envelope(int argc, char **argv)
{
	struct note_signer *s = NULL;
	struct envelope_writer *w = NULL;
	struct envelope_header h;
	struct note_verifier v;
	struct amana_buf out;
	uint8_t *payload = NULL, dkey[randombytes_SEEDBYTES];
	uint8_t msg[ENVELOPE_SIGNED_LEN], sig[ENVELOPE_SIG_LEN];
	unsigned long size, seed;
	int ret;

	size = strtoul(argv[4], NULL, 10);
	seed = strtoul(argv[5], NULL, 10);
	if (size < ENVELOPE_PAYLOAD_MIN || size > (64ul << 20))
		return 2;
	amana_buf_init(&out, FILE_MAX, 0);
	memset(&h, 0, sizeof(h));
	h.kind = ENVELOPE_KIND_ALERT;
	if (argc >= 8) {
		if (strcmp(argv[6], "reply") == 0)
			h.kind = ENVELOPE_KIND_REPLY;
		else if (strcmp(argv[6], "ack") == 0)
			h.kind = ENVELOPE_KIND_ACK;
		h.ref = strtoull(argv[7], NULL, 10);
	}
	h.created = (uint64_t)time(NULL);
	h.payload_len = size;
	ret = AMANA_ENOMEM;
	if ((payload = malloc(size)) == NULL)
		goto out;
	/* A stand-in payload: the age header line, then seeded bytes. */
	memset(dkey, 0, sizeof(dkey));
	memcpy(dkey, &seed, sizeof(seed));
	randombytes_buf_deterministic(payload, size, dkey);
	memcpy(payload, ENVELOPE_AGE_PREFIX, ENVELOPE_PAYLOAD_MIN);
	if ((ret = load_signer(argv[2], &s)) != 0)
		goto out;
	note_signer_verifier(s, &v);
	memcpy(h.signer, v.pk, sizeof(h.signer));
	if ((ret = envelope_writer_new(&h, sink_buf, &out, &w)) != 0 ||
	    (ret = envelope_writer_write(w, payload, size)) != 0 ||
	    (ret = envelope_writer_msg(w, msg)) != 0 ||
	    (ret = note_sign_raw(s, msg, sizeof(msg), sig)) != 0 ||
	    (ret = envelope_writer_finish_sig(w, sig)) != 0)
		goto out;
	ret = amana_file_write_atomic(argv[3], 0644, out.p, out.len);
out:
	envelope_writer_free(w);
	note_signer_free(s);
	free(payload);
	amana_buf_free(&out);
	return ret == 0 ? 0 : fail("envelope", ret);
}

static int
cmd_sign(int argc, char **argv)
{
	struct note_signer *s = NULL;
	struct reqsig_headers h;
	struct amana_buf body;
	int ret;

	amana_buf_init(&body, FILE_MAX, 0);
	if (argc >= 6 && (ret = amana_file_read(argv[5], &body)) != 0)
		goto out;
	if ((ret = load_signer(argv[2], &s)) != 0)
		goto out;
	if ((ret = reqsig_sign_note(&h, s, argv[3], argv[4],
	    (int64_t)time(NULL), body.len ? body.p : NULL, body.len)) != 0)
		goto out;
	printf("%s: %s\n%s: %s\n%s: %s\n%s: %s\n", REQSIG_HDR_KEY, h.key,
	    REQSIG_HDR_TIME, h.time, REQSIG_HDR_NONCE, h.nonce,
	    REQSIG_HDR_SIG, h.sig);
out:
	note_signer_free(s);
	amana_buf_free(&body);
	return ret == 0 ? 0 : fail("sign", ret);
}

static int
cmd_receipt(int argc, char **argv)
{
	struct note_verifier v;
	struct amana_buf rc, env;
	struct receipt_view *rv = NULL;
	int ret;

	amana_buf_init(&rc, RECEIPT_MAX_LEN, 0);
	amana_buf_init(&env, FILE_MAX, 0);
	ret = AMANA_ENOMEM;
	if ((rv = malloc(sizeof(*rv))) == NULL)
		goto out;
	if ((ret = load_vkey(argv[2], &v)) != 0 ||
	    (ret = amana_file_read(argv[3], &rc)) != 0)
		goto out;
	if (argc >= 5 && (ret = amana_file_read(argv[4], &env)) != 0)
		goto out;
	if ((ret = receipt_verify(rc.p, rc.len, &v, argc >= 5 ? env.p : NULL,
	    env.len, rv)) != 0)
		goto out;
	printf("%llu\n", (unsigned long long)rv->index);
out:
	free(rv);
	amana_buf_free(&rc);
	amana_buf_free(&env);
	return ret == 0 ? 0 : fail("receipt", ret);
}

/* Checkpoint text of a signed note file (not verified here). */
static int
read_ckpt(const char *path, struct amana_buf *b, struct ckpt *c)
{
	struct note_view nv;
	int ret;

	if ((ret = amana_file_read(path, b)) != 0 ||
	    (ret = note_open(b->p, b->len, &nv)) != 0)
		return ret;
	return ckpt_parse(nv.text, nv.text_len, c);
}

static int
cmd_tiles(const char *ckpt_path)
{
	struct amana_buf b;
	struct ckpt c;
	char path[TILE_PATH_MAX];
	uint64_t full, i;
	unsigned partial;
	int ret;

	amana_buf_init(&b, NOTE_MAX_LEN, 0);
	if ((ret = read_ckpt(ckpt_path, &b, &c)) != 0)
		goto out;
	tile_span(c.size, 0, &full, &partial);
	for (i = 0; i <= full; i++) {
		if (i == full && partial == 0)
			break;
		if ((ret = tile_path_format(0, i, i == full ? partial : 0, 1,
		    path, sizeof(path))) != 0)
			goto out;
		printf("%s\n", path);
		if ((ret = tile_path_format(0, i, i == full ? partial : 0, 0,
		    path, sizeof(path))) != 0)
			goto out;
		printf("%s\n", path);
	}
out:
	amana_buf_free(&b);
	return ret == 0 ? 0 : fail("tiles", ret);
}

/*
 * Recomputes the root from DIR's entry bundles, checks every level-0 hash
 * tile against the leaf hashes, compares with DIR/checkpoint (verified with
 * VKEY) and, if given, an older checkpoint (a prefix of the same tree).
 */
static int
cmd_verifylog(int argc, char **argv)
{
	struct note_verifier v;
	struct amana_buf ck, old, bundle, tilebuf;
	struct merkle_range mr, at_old;
	struct ckpt c, oc;
	struct amana_cur cur;
	char path[TILE_PATH_MAX], file[2048];
	uint8_t leaf[MERKLE_HASH_LEN], root[MERKLE_HASH_LEN];
	const uint8_t *e;
	size_t elen, k;
	uint64_t full, i;
	unsigned partial, w;
	int n, have_old = argc >= 5, ret;

	amana_buf_init(&ck, NOTE_MAX_LEN, 0);
	amana_buf_init(&old, NOTE_MAX_LEN, 0);
	amana_buf_init(&bundle, 1 << 24, 0);
	amana_buf_init(&tilebuf, 1 << 16, 0);
	merkle_range_init(&mr);
	merkle_range_init(&at_old);
	memset(&oc, 0, sizeof(oc));
	if ((ret = load_vkey(argv[2], &v)) != 0)
		goto out;
	n = snprintf(file, sizeof(file), "%s/checkpoint", argv[3]);
	if (n < 0 || (size_t)n >= sizeof(file) ||
	    (ret = amana_file_read(file, &ck)) != 0 ||
	    (ret = ckpt_verify(ck.p, ck.len, &v, &c)) != 0)
		goto out;
	if (have_old && ((ret = amana_file_read(argv[4], &old)) != 0 ||
	    (ret = ckpt_verify(old.p, old.len, &v, &oc)) != 0))
		goto out;
	ret = AMANA_EPROOF;
	if (have_old && oc.size > c.size)
		goto out;
	tile_span(c.size, 0, &full, &partial);
	for (i = 0; i <= full && !(i == full && partial == 0); i++) {
		w = i == full ? partial : 0;
		amana_buf_reset(&bundle);
		amana_buf_reset(&tilebuf);
		if ((ret = tile_path_format(0, i, w, 1, path,
		    sizeof(path))) != 0)
			goto out;
		n = snprintf(file, sizeof(file), "%s/%s", argv[3], path);
		if (n < 0 || (size_t)n >= sizeof(file) ||
		    (ret = amana_file_read(file, &bundle)) != 0)
			goto out;
		if ((ret = tile_path_format(0, i, w, 0, path,
		    sizeof(path))) != 0)
			goto out;
		n = snprintf(file, sizeof(file), "%s/%s", argv[3], path);
		if (n < 0 || (size_t)n >= sizeof(file) ||
		    (ret = amana_file_read(file, &tilebuf)) != 0)
			goto out;
		w = w == 0 ? TILE_WIDTH : w;
		ret = AMANA_EPROOF;
		if (tilebuf.len != (size_t)w * MERKLE_HASH_LEN)
			goto out;
		amana_cur_init(&cur, bundle.p, bundle.len);
		for (k = 0; k < w; k++) {
			if ((ret = tile_bundle_next(&cur, &e, &elen)) != 0)
				goto out;
			merkle_leaf_hash(leaf, e, elen);
			ret = AMANA_EPROOF;
			if (memcmp(leaf, tilebuf.p + k * MERKLE_HASH_LEN,
			    MERKLE_HASH_LEN) != 0)
				goto out;
			if ((ret = merkle_range_append(&mr, leaf)) != 0)
				goto out;
			if (have_old && mr.size == oc.size)
				at_old = mr;
		}
		if ((ret = amana_cur_done(&cur)) != 0)
			goto out;
	}
	ret = AMANA_EPROOF;
	merkle_range_root(&mr, root);
	if (mr.size != c.size || memcmp(root, c.root, sizeof(root)) != 0)
		goto out;
	if (have_old) {
		merkle_range_root(&at_old, root);
		if (memcmp(root, oc.root, sizeof(root)) != 0)
			goto out;
	}
	printf("%llu\n", (unsigned long long)c.size);
	ret = 0;
out:
	amana_buf_free(&ck);
	amana_buf_free(&old);
	amana_buf_free(&bundle);
	amana_buf_free(&tilebuf);
	return ret == 0 ? 0 : fail("verifylog", ret);
}

static int
cmd_roster(int argc, char **argv)
{
	struct note_signer *a = NULL;
	struct roster_rec rec;
	struct amana_buf vk, note;
	long days = strtol(argv[6], NULL, 10);
	long long off = argc >= 9 ? strtoll(argv[8], NULL, 10) : 0;
	int ret;

	memset(&rec, 0, sizeof(rec));
	amana_buf_init(&vk, NOTE_VKEY_MAX + 2, 0);
	amana_buf_init(&note, NOTE_MAX_LEN, 0);
	if (strcmp(argv[3], "accreditation") == 0)
		rec.kind = ROSTER_ACCREDITATION;
	else if (strcmp(argv[3], "credential") == 0)
		rec.kind = ROSTER_CREDENTIAL;
	else
		rec.kind = ROSTER_REVOCATION;
	if ((ret = load_signer(argv[2], &a)) != 0 ||
	    (ret = amana_file_read(argv[4], &vk)) != 0)
		goto out;
	ret = AMANA_EINVAL;
	if (vk.len == 0 || vk.len > NOTE_VKEY_MAX + 1)
		goto out;
	memcpy(rec.key, vk.p, vk.len - (vk.p[vk.len - 1] == '\n'));
	rec.issued = (uint64_t)((long long)time(NULL) + off);
	if (rec.kind != ROSTER_REVOCATION) {
		if (strlen(argv[5]) > ROSTER_NAME_MAX)
			goto out;
		memcpy(rec.name, argv[5], strlen(argv[5]) + 1);
		rec.not_after = (uint64_t)((long long)rec.issued +
		    days * 86400LL);
	}
	if ((ret = roster_sign(&rec, a, &note)) != 0)
		goto out;
	ret = amana_file_write_atomic(argv[7], 0644, note.p, note.len);
out:
	note_signer_free(a);
	amana_buf_free(&vk);
	amana_buf_free(&note);
	return ret == 0 ? 0 : fail("roster", ret);
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	if (argc == 4 && strcmp(argv[1], "keygen") == 0)
		return cmd_keygen(argv[2], argv[3]);
	if ((argc == 6 || argc == 8) && strcmp(argv[1], "envelope") == 0)
		return cmd_envelope(argc, argv);
	if ((argc == 8 || argc == 9) && strcmp(argv[1], "roster") == 0)
		return cmd_roster(argc, argv);
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "sign") == 0)
		return cmd_sign(argc, argv);
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "receipt") == 0)
		return cmd_receipt(argc, argv);
	if (argc == 3 && strcmp(argv[1], "tiles") == 0)
		return cmd_tiles(argv[2]);
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "verifylog") == 0)
		return cmd_verifylog(argc, argv);
	fprintf(stderr, "usage: relay_client keygen|envelope|sign|receipt|"
	    "tiles|verifylog ... (see the source)\n");
	return 2;
}
