/*
 * cli_keys: loading keys for the amana subcommands, with one clear error
 * line each ("amana CMD: PATH: ..."). Every function prints its own error
 * and returns CLI_OK, CLI_FAIL or CLI_USAGE, so callers just propagate.
 * Secrets stay in sodium_malloc memory (opaque crypto objects or secure
 * buffers). Single-threaded CLI code.
 */
#ifndef CLI_KEYS_H
#define CLI_KEYS_H
#include <stddef.h>
#include <stdint.h>

#include "age.h"
#include "amana_buf.h"
#include "note.h"

/*
 * cli_read_secret: reads a key file (plain, or an age scrypt file whose
 * passphrase comes from passfile or the terminal) into secure_out (a
 * secure buffer the caller owns, capped by the caller).
 */
int	cli_read_secret(const char *cmd, const char *path,
	    const char *passfile, struct amana_buf *secure_out);
/* cli_load_signer: a signed-note signer key file; *out owned by caller. */
int	cli_load_signer(const char *cmd, const char *path,
	    const char *passfile, struct note_signer **out);
/* cli_load_verifier: a verifier key file (one line). */
int	cli_load_verifier(const char *cmd, const char *path,
	    struct note_verifier *out);
/*
 * cli_load_identities: each of paths[0..n) is an age identity file
 * (age-keygen format, optionally passphrase-protected). *ids (array owned
 * by the caller, age_identities_free) holds *n_ids identities.
 */
int	cli_load_identities(const char *cmd, const char *const *paths,
	    size_t n, const char *passfile, struct age_identity ***ids,
	    size_t *n_ids);
/*
 * cli_load_recipients: each of specs[0..n) is "age1..." or a file with one
 * recipient per line ('#' comments and empty lines skipped). *pks is a
 * malloc'ed array of *n_pks keys (free()).
 */
int	cli_load_recipients(const char *cmd, const char *const *specs,
	    size_t n, uint8_t (**pks)[AGE_KEY_LEN], size_t *n_pks);
/*
 * cli_new_passphrase: the passphrase protecting new key files: the first
 * line of passfile, or asked twice on the terminal when stdin is one
 * (empty: none), or none. Appends it to secure_out (may stay empty).
 */
int	cli_new_passphrase(const char *cmd, const char *passfile, int none,
	    struct amana_buf *secure_out);
/*
 * cli_write_key: creates path (O_EXCL, 0600) holding secret, sealed with
 * pass when pass_len > 0.
 */
int	cli_write_key(const char *cmd, const char *path, const uint8_t *secret,
	    size_t len, const uint8_t *pass, size_t pass_len);
/* cli_write_public: creates path (O_EXCL, 0644) holding p[0..len). */
int	cli_write_public(const char *cmd, const char *path, const void *p,
	    size_t len);
/* cli_path: joins dir and name into out (out_size bytes). */
int	cli_path(const char *cmd, char *out, size_t out_size, const char *dir,
	    const char *name);

#endif
