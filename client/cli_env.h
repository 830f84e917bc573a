/*
 * cli_env: envelope and receipt helpers shared by the subcommands. Each
 * prints its own one-line error and returns CLI_OK or CLI_FAIL.
 */
#ifndef CLI_ENV_H
#define CLI_ENV_H
#include <stddef.h>
#include <stdint.h>

#include "amana_buf.h"
#include "envelope.h"
#include "note.h"
#include "receipt.h"

/*
 * cli_open_envelope: opens path (O_NOFOLLOW) and checks the envelope in it
 * while reading it once in 64 KiB pieces (constant memory, whatever its
 * size): a valid header, exactly ENVELOPE_OVERHEAD + payload_len bytes,
 * and a signature by the signer key the header names. On CLI_OK *fd is the
 * open file (the caller closes it), *hdr its header, hash the SHA-256 of
 * the whole file (the log entry's hash) and *len its size.
 */
int	cli_open_envelope(const char *cmd, const char *path, int *fd,
	    struct envelope_header *hdr, uint8_t hash[ENVELOPE_HASH_LEN],
	    size_t *len);
/*
 * cli_stream_payload: the second pass over the envelope cli_open_envelope
 * checked in fd: hands its payload to sink in pieces of at most 64 KiB
 * while hashing the whole file again. CLI_OK when every piece was taken
 * and the file still has the hash checked in the first pass (else one line
 * "changed while it was read": what sink was given must be discarded).
 * When sink returns an error, stops, prints nothing, sets *sink_err to it
 * and returns CLI_FAIL (the caller prints its line); else *sink_err = 0.
 */
typedef int (*cli_payload_sink)(void *ctx, const uint8_t *p, size_t len);
int	cli_stream_payload(const char *cmd, const char *path, int fd,
	    const struct envelope_header *hdr,
	    const uint8_t hash[ENVELOPE_HASH_LEN], cli_payload_sink sink,
	    void *ctx, int *sink_err);
/*
 * cli_check_receipt: receipt_verify with a one-line error naming what.
 * env may be NULL (env_len 0). *out filled on success.
 */
int	cli_check_receipt(const char *cmd, const char *what, const uint8_t *p,
	    size_t len, const struct note_verifier *log_key,
	    const uint8_t *env, size_t env_len, struct receipt_view *out);

/*
 * cli_log_key_path: the log key file: opt, else relay.vkey beside the file
 * beside (e.g. the user's key), which must exist (else CLI_USAGE).
 * buf holds the derived path; *out points to opt or buf.
 */
int	cli_log_key_path(const char *cmd, const char *opt, const char *beside,
	    char *buf, size_t buf_size, const char **out);
struct cli_tlog;
/*
 * cli_check_in_log: envelope p[0..len) is log entry index of the verified
 * log t, of entry kind kind (LOGENTRY_*), and its signature verifies.
 */
int	cli_check_in_log(const char *cmd, const struct cli_tlog *t,
	    uint64_t index, int kind, const uint8_t *p, size_t len);
struct cli_frame;
/*
 * cli_check_reply: frame f from GET /v1/alerts/{alert}/replies is a reply
 * or acknowledgement envelope for alert whose signature verifies, and it
 * is log entry f->index of the verified log t, of the matching kind, with
 * the SHA-256 of f's bytes (f->index < t->size: the caller skips newer
 * ones). On CLI_OK, *kind is its ENVELOPE_KIND_* and *time_ms the log
 * entry's relay time.
 */
int	cli_check_reply(const char *cmd, const struct cli_tlog *t,
	    uint64_t alert, const struct cli_frame *f, int *kind,
	    uint64_t *time_ms);

#endif
