#include <stdio.h>
#include <string.h>
#include <time.h>

#include "amana_cur.h"
#include "cli.h"
#include "cli_relay.h"

int
cli_relay_open(const char *cmd, const char *relay_opt, const char *ca_opt,
    struct cli_http **h)
{
	const char *url = cli_relay_url(relay_opt);
	const char *ca = cli_ca_file(ca_opt);
	int err;

	if (url == NULL)
		return cli_usage(cmd, "missing --relay URL (or AMANA_RELAY)");
	if ((err = cli_http_new(url, ca, h)) == 0)
		return CLI_OK;
	if (err == AMANA_EINVAL)
		return cli_usage(cmd, "bad relay URL %s (https://HOST[:PORT])",
		    url);
	if (err == AMANA_ENOENT)
		return cli_fail(cmd, "%s: cannot read the CA file", ca);
	if (err == AMANA_EPARSE)
		return cli_fail(cmd, "%s: not a PEM certificate file", ca);
	return cli_fail(cmd, "cannot set up TLS: %s", amana_strerror(err));
}

int
cli_sign_hdrs(void *arg, const char *method, const char *path,
    const uint8_t *body, size_t body_len, struct cli_http_hdr *out,
    size_t max, size_t *n)
{
	struct cli_signer *cs = arg;
	int err;

	if (max < 4)
		return AMANA_EINVAL;
	if ((err = reqsig_sign_note(&cs->h, cs->s, method, path,
	    (int64_t)time(NULL), body, body_len)) != 0)
		return err;
	out[0].name = REQSIG_HDR_KEY;
	out[0].value = cs->h.key;
	out[1].name = REQSIG_HDR_TIME;
	out[1].value = cs->h.time;
	out[2].name = REQSIG_HDR_NONCE;
	out[2].value = cs->h.nonce;
	out[3].name = REQSIG_HDR_SIG;
	out[3].value = cs->h.sig;
	*n = 4;
	return 0;
}

int
cli_relay_call(const char *cmd, struct cli_http *h, const char *method,
    const char *path, const uint8_t *body, size_t body_len, int idempotent,
    size_t resp_max, struct cli_signer *signer, struct cli_http_resp *resp)
{
	return cli_relay_call_h(cmd, h, method, path, body, body_len,
	    idempotent, resp_max, signer, NULL, resp);
}

/* Sends req; one line for every failure. */
static int
relay_do(const char *cmd, struct cli_http *h, const struct cli_http_req *req,
    int ok_404, struct cli_http_resp *resp)
{
	int err;

	if ((err = cli_http_do(h, req, resp)) != 0) {
		if (err == AMANA_ENET || err == AMANA_EBUSY ||
		    err == AMANA_ETOOBIG || err == AMANA_EIO)
			return cli_fail(cmd, "%s", cli_http_errmsg(h));
		return cli_fail(cmd, "%s", amana_strerror(err));
	}
	if (resp->status / 100 == 2 || (ok_404 && resp->status == 404))
		return CLI_OK;
	if (resp->status == 403 || resp->status == 401)
		return cli_fail(cmd, "the relay refused: %s", resp->line[0] ?
		    resp->line : "forbidden");
	return cli_fail(cmd, "the relay answered %d: %s", resp->status,
	    resp->line[0] ? resp->line : "(no reason given)");
}

int
cli_relay_call_h(const char *cmd, struct cli_http *h, const char *method,
    const char *path, const uint8_t *body, size_t body_len, int idempotent,
    size_t resp_max, struct cli_signer *signer, const char *want_header,
    struct cli_http_resp *resp)
{
	struct cli_http_req req = { 0 };

	req.want_header = want_header;
	req.method = method;
	req.path = path;
	req.body = body;
	req.body_len = body_len;
	req.content_type = body_len > 0 ? "application/octet-stream" : NULL;
	req.idempotent = idempotent;
	req.resp_max = resp_max;
	req.progress = body_len > 0;
	if (signer != NULL) {
		req.hdr_fn = cli_sign_hdrs;
		req.hdr_arg = signer;
	}
	return relay_do(cmd, h, &req, 0, resp);
}

int
cli_relay_get_404(const char *cmd, struct cli_http *h, const char *path,
    size_t resp_max, struct cli_signer *signer, struct cli_http_resp *resp)
{
	struct cli_http_req req = { 0 };

	req.method = "GET";
	req.path = path;
	req.idempotent = 1;
	req.resp_max = resp_max;
	if (signer != NULL) {
		req.hdr_fn = cli_sign_hdrs;
		req.hdr_arg = signer;
	}
	return relay_do(cmd, h, &req, 1, resp);
}

int
cli_relay_post_file(const char *cmd, struct cli_http *h, const char *path,
    int fd, size_t len, size_t resp_max, struct cli_http_resp *resp)
{
	struct cli_http_req req = { 0 };

	req.method = "POST";
	req.path = path;
	req.body_is_fd = 1;
	req.body_fd = fd;
	req.body_len = len;
	req.content_type = "application/octet-stream";
	req.idempotent = 1;
	req.resp_max = resp_max;
	req.progress = 1;
	return relay_do(cmd, h, &req, 0, resp);
}

