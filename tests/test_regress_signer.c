/*
 * Regression tests for relay/signer.c (security review): the signer
 * process signs only checkpoint bodies for its own origin, so a
 * compromised network process cannot have arbitrary notes signed with the
 * log key; refusals keep the stream in step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "amana_file.h"
#include "ckpt.h"
#include "merkle.h"
#include "note.h"
#include "signer.h"
#include "testlib.h"

#define ORIGIN	"regress.test/log"

/* dir/name into out (size bytes); aborts if it does not fit. */
static void
join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		abort();
}

static int
sign_text(struct relay_signer *s, const char *text, struct amana_buf *out)
{
	amana_buf_reset(out);
	return relay_signer_sign(s, (const uint8_t *)text, strlen(text), out);
}

static void
test_checkpoint_only(const char *dir)
{
	struct relay_signer *s = NULL;
	struct note_verifier vk;
	struct amana_buf body, note;
	struct ckpt c;
	char text[512];
	int created = 0;

	CHECK_EQ(relay_keys_ensure(dir, ORIGIN, &vk, &created), 0);
	CHECK_EQ(created, 1);
	join(text, sizeof(text), dir, "relay.key");
	if (relay_signer_start(text, "", NULL, &s) != 0) {
		CHECK(0);
		return;
	}
	amana_buf_init(&body, 4096, 0);
	amana_buf_init(&note, NOTE_MAX_LEN + 64, 0);

	/* A checkpoint for its origin: signed, and verifies. */
	memset(&c, 0, sizeof(c));
	memcpy(c.origin, ORIGIN, sizeof(ORIGIN));
	c.size = 7;
	test_fill(c.root, sizeof(c.root), 1);
	CHECK_EQ(ckpt_format(&c, &body), 0);
	CHECK_EQ(relay_signer_sign(s, body.p, body.len, &note), 0);
	CHECK_EQ(ckpt_verify(note.p, note.len, &vk, &c), 0);
	CHECK_EQ(c.size, 7);

	/* Anything else is refused (before the fix: all signed). */
	CHECK_EQ(sign_text(s, "hello, any text\n", &note), AMANA_EDENIED);
	CHECK_EQ(note.len, 0);
	CHECK_EQ(sign_text(s, "other.test/log\n7\n"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", &note),
	    AMANA_EDENIED);		/* another origin */
	CHECK_EQ(sign_text(s, ORIGIN "\n7\n"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nextra line\n",
	    &note), AMANA_EDENIED);	/* extension lines */
	CHECK_EQ(sign_text(s, ORIGIN "\n07\n"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", &note),
	    AMANA_EDENIED);		/* non-canonical size */
	CHECK_EQ(sign_text(s, ORIGIN "\n7\n"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", &note),
	    AMANA_EDENIED);		/* no final newline */
	CHECK_EQ(sign_text(s, ORIGIN "\n7\n", &note), AMANA_EDENIED);
	/* A roster-like note body. */
	CHECK_EQ(sign_text(s, "amana/roster/v1\naccreditation\n", &note),
	    AMANA_EDENIED);

	/* Every truncation of the valid body is refused. */
	{
		size_t i;
		int denied = 0;

		for (i = 1; i < body.len; i++) {
			amana_buf_reset(&note);
			if (relay_signer_sign(s, body.p, i, &note) ==
			    AMANA_EDENIED)
				denied++;
		}
		CHECK_EQ(denied, body.len - 1);
	}

	/* The stream is still in step: a valid body still signs. */
	amana_buf_reset(&note);
	CHECK_EQ(relay_signer_sign(s, body.p, body.len, &note), 0);
	CHECK_EQ(ckpt_verify(note.p, note.len, &vk, &c), 0);

	relay_signer_stop(s);
	amana_buf_free(&body);
	amana_buf_free(&note);
}

static void
clean(const char *dir)
{
	char path[600];

	join(path, sizeof(path), dir, "relay.key");
	(void)unlink(path);
	join(path, sizeof(path), dir, "relay.vkey");
	(void)unlink(path);
}

int
main(void)
{
	char dir[512];

	test_begin("regress_signer");
	if (sodium_init() < 0)
		return 1;
	test_store_dir(dir, sizeof(dir), "regress-signer");
	if (amana_file_mkdirs(dir, 0700) != 0)
		return 1;
	clean(dir);
	test_checkpoint_only(dir);
	clean(dir);
	(void)rmdir(dir);
	return test_done();
}
