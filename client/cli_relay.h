/*
 * cli_relay: talking to an Amana relay: opening the HTTPS client from the
 * --relay/--ca options, signed requests (crypto/reqsig), the framed lists
 * the relay returns, and one clear line for each failure.
 * Functions print their own error and return CLI_OK / CLI_FAIL / CLI_USAGE.
 */
#ifndef CLI_RELAY_H
#define CLI_RELAY_H
#include <stddef.h>
#include <stdint.h>

#include "cli_http.h"
#include "cli_parse.h"
#include "note.h"
#include "reqsig.h"

/* Signs each try of a request with a note signer (borrowed). */
struct cli_signer {
	const struct note_signer *s;
	struct reqsig_headers	 h;
};

/*
 * cli_relay_open: relay_opt (or $AMANA_RELAY) and ca_opt (or $AMANA_CA)
 * into a new client *h (cli_http_free).
 */
int	cli_relay_open(const char *cmd, const char *relay_opt,
	    const char *ca_opt, struct cli_http **h);
/* A cli_http_hdr_fn; arg is a struct cli_signer *. */
int	cli_sign_hdrs(void *arg, const char *method, const char *path,
	    const uint8_t *body, size_t body_len, struct cli_http_hdr *out,
	    size_t max, size_t *n);
/*
 * cli_relay_call: one request; 2xx → CLI_OK with resp filled (caller frees
 * resp). A non-2xx answer prints "amana CMD: the relay refused: LINE"
 * (403: "... refused ..."), network failures their cause.
 * signer may be NULL (unsigned request).
 */
int	cli_relay_call(const char *cmd, struct cli_http *h, const char *method,
	    const char *path, const uint8_t *body, size_t body_len,
	    int idempotent, size_t resp_max, struct cli_signer *signer,
	    struct cli_http_resp *resp);
/* cli_relay_call keeping the response header want_header in resp->header. */
int	cli_relay_call_h(const char *cmd, struct cli_http *h,
	    const char *method, const char *path, const uint8_t *body,
	    size_t body_len, int idempotent, size_t resp_max,
	    struct cli_signer *signer, const char *want_header,
	    struct cli_http_resp *resp);

/*
 * cli_relay_get_404: a signed, idempotent GET like cli_relay_call, except
 * that a 404 answer is CLI_OK with resp->status 404 and nothing printed.
 */
int	cli_relay_get_404(const char *cmd, struct cli_http *h,
	    const char *path, size_t resp_max, struct cli_signer *signer,
	    struct cli_http_resp *resp);
/*
 * cli_relay_post_file: an unsigned, idempotent POST of len bytes of the
 * open file fd (borrowed; read from offset 0 on each try, never held in
 * memory whole) as the body; otherwise as cli_relay_call.
 */
int	cli_relay_post_file(const char *cmd, struct cli_http *h,
	    const char *path, int fd, size_t len, size_t resp_max,
	    struct cli_http_resp *resp);

#endif
