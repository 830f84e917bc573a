/*
 * signer: the process that holds relay.key (the log's signed-note key).
 *
 * The network process never reads relay.key. relay_signer_start forks a
 * child that loads the key, optionally chroots and drops privileges, and
 * then answers requests on a socketpair:
 *   request:  u32be body_len || u8 type (1 = sign checkpoint) || body
 *   response: u32be len || u8 status (0 ok, else -AMANA_E*) || signed note
 * body_len is 1..NOTE_MAX_LEN; any other type or size is fatal for the
 * child (it exits), as relayd's unknown imsg is. The child signs only a
 * C2SP checkpoint body (ckpt_parse) whose origin is its key's name and
 * that has no extension lines; anything else is answered with status
 * -AMANA_EDENIED and an empty note.
 */
#ifndef RELAY_SIGNER_H
#define RELAY_SIGNER_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "amana_buf.h"
#include "amana_err.h"
#include "note.h"

#define RELAY_SIGNER_MSG_SIGN	1

struct relay_signer;

/*
 * relay_keys_ensure: creates dir/relay.key (0600, a fresh note signer
 * named origin) and dir/relay.vkey (0644) unless relay.key exists; then
 * reads dir/relay.vkey into *vk. Main process, before threads.
 * *created is set to 1 when it generated the key.
 * Returns 0, AMANA_EIO, AMANA_ENOMEM, AMANA_EINVAL (bad origin),
 * AMANA_EBADKEY (unreadable vkey).
 */
int	relay_keys_ensure(const char *dir, const char *origin,
	    struct note_verifier *vk, int *created) AMANA_WUR;

/*
 * relay_signer_start: forks the signer. key_path: NUL-terminated, read
 * only by the child. If user is non-empty and we run as root, the child
 * chroots into chroot_dir (when not NULL) and drops to user after loading
 * the key. *out owned by the caller (relay_signer_stop). Call before any
 * thread is created. Returns 0, AMANA_EIO (fork/socketpair), AMANA_ENOMEM.
 */
int	relay_signer_start(const char *key_path, const char *user,
	    const char *chroot_dir, struct relay_signer **out) AMANA_WUR;

/*
 * relay_signer_sign: asks the signer to sign text[0..text_len) (borrowed;
 * a checkpoint body for the log's origin) and appends the signed note to
 * out. Blocks; serialised by a mutex, so any thread may call it (the
 * writer thread does).
 * Returns 0, AMANA_EIO (signer gone), AMANA_ETOOBIG, AMANA_EDENIED (not a
 * checkpoint body for this origin), AMANA_EPARSE (text refused by
 * note_sign), AMANA_ENOMEM.
 */
int	relay_signer_sign(struct relay_signer *s, const uint8_t *text,
	    size_t text_len, struct amana_buf *out) AMANA_WUR;

/* relay_signer_stop: closes the socket, reaps the child, frees s. */
void	relay_signer_stop(struct relay_signer *s);

/*
 * relay_privdrop: when running as root and user is non-empty: chroot into
 * dir (if dir is not NULL), then setgroups/setresgid/setresuid to user.
 * A no-op otherwise. Returns 0, AMANA_ENOENT (no such user), AMANA_EIO.
 */
int	relay_privdrop(const char *user, const char *dir) AMANA_WUR;

#endif
