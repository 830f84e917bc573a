#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_parse.h"
#include "cli_tlog.h"
#include "tile.h"

#define BUNDLE_MAX	(TILE_WIDTH * (2 + 65535))
#define DATA_MAX	((size_t)1 << 32)

static int
net_fail(const char *cmd, struct cli_http *h, int err)
{
	if (err == AMANA_ENET || err == AMANA_EBUSY || err == AMANA_ETOOBIG)
		return cli_fail(cmd, "%s", cli_http_errmsg(h));
	return cli_fail(cmd, "%s", amana_strerror(err));
}

static int
get(const char *cmd, struct cli_http *h, const char *path, size_t max,
    struct cli_http_resp *resp)
{
	struct cli_http_req req = { 0 };
	int err;

	req.method = "GET";
	req.path = path;
	req.idempotent = 1;
	req.resp_max = max;
	if ((err = cli_http_do(h, &req, resp)) != 0)
		return net_fail(cmd, h, err);
	if (resp->status != 200)
		return cli_fail(cmd, "%s answered %d for %s%s%s",
		    cli_http_origin(h), resp->status, path,
		    resp->line[0] != '\0' ? ": " : "", resp->line);
	return CLI_OK;
}

int
cli_tlog_checkpoint(const char *cmd, struct cli_http *h,
    const struct note_verifier *log_key, struct ckpt *c,
    struct amana_buf *note)
{
	struct cli_http_resp resp = { 0 };
	int ret, err;

	amana_buf_init(note, CLI_TLOG_CKPT_MAX, 0);
	if ((ret = get(cmd, h, "/checkpoint", CLI_TLOG_CKPT_MAX, &resp)) !=
	    CLI_OK)
		goto out;
	ret = CLI_FAIL;
	if ((err = ckpt_verify(resp.body.p, resp.body.len, log_key, c)) !=
	    0) {
		ret = err == AMANA_EBADSIG ? cli_fail(cmd, "the checkpoint "
		    "from %s is NOT signed by the log key %s",
		    cli_http_origin(h), log_key->name) : cli_fail(cmd,
		    "malformed checkpoint from %s (%s)", cli_http_origin(h),
		    amana_strerror(err));
		goto out;
	}
	if (amana_buf_append(note, resp.body.p, resp.body.len) != 0) {
		ret = cli_fail(cmd, "out of memory");
		goto out;
	}
	c->ext = NULL;
	c->ext_len = 0;
	ret = CLI_OK;
out:
	cli_http_resp_free(&resp);
	return ret;
}

void
cli_tlog_free(struct cli_tlog *t)
{
	amana_buf_free(&t->note);
	amana_buf_free(&t->data);
	free(t->off);
	t->off = NULL;
	t->size = 0;
}

void
cli_tlog_entry(const struct cli_tlog *t, uint64_t i, const uint8_t **p,
    size_t *len)
{
	*p = t->data.p + t->off[i];
	*len = t->off[i + 1] - t->off[i];
}

/* Root of a perfect subtree over 256 hashes (one full tile). */
static void
tile_root(const uint8_t (*in)[MERKLE_HASH_LEN], uint8_t out[MERKLE_HASH_LEN])
{
	uint8_t h[TILE_WIDTH][MERKLE_HASH_LEN];
	size_t n = TILE_WIDTH, i;

	memcpy(h, in, sizeof(h));
	while (n > 1) {
		for (i = 0; i < n / 2; i++)
			merkle_node_hash(h[i], h[2 * i], h[2 * i + 1]);
		n /= 2;
	}
	memcpy(out, h[0], MERKLE_HASH_LEN);
}

static int
tile_path(const char *cmd, int level, uint64_t n, unsigned w, int entries,
    char *out, size_t out_size)
{
	char rel[TILE_PATH_MAX];
	int k;

	if (tile_path_format(level, n, w, entries, rel, sizeof(rel)) != 0)
		return cli_fail(cmd, "tile index out of range");
	k = snprintf(out, out_size, "/%s", rel);
	if (k < 0 || (size_t)k >= out_size)
		return cli_fail(cmd, "tile path too long");
	return CLI_OK;
}

struct bundle_ctx {
	struct cli_tlog	*t;
	uint8_t		(*leaves)[MERKLE_HASH_LEN];
	uint64_t	*count;
};

/* Keeps one entry of a bundle and its leaf hash. */
static int
add_entry(void *arg, const uint8_t *e, size_t len)
{
	struct bundle_ctx *b = arg;
	int err;

	merkle_leaf_hash(b->leaves[*b->count], e, len);
	if ((err = amana_buf_append(&b->t->data, e, len)) != 0)
		return err;
	(*b->count)++;
	b->t->off[*b->count] = b->t->data.len;
	return 0;
}

/* Fetches entry bundle n (w entries), appends entries and leaf hashes. */
static int
load_bundle(const char *cmd, struct cli_http *h, struct cli_tlog *t,
    uint64_t n, unsigned w, uint8_t (*leaves)[MERKLE_HASH_LEN],
    uint64_t *count)
{
	struct cli_http_resp resp = { 0 };
	struct bundle_ctx b = { t, leaves, count };
	char path[TILE_PATH_MAX + 1];
	int ret, err;

	if ((ret = tile_path(cmd, 0, n, w == TILE_WIDTH ? 0 : w, 1, path,
	    sizeof(path))) != CLI_OK ||
	    (ret = get(cmd, h, path, BUNDLE_MAX, &resp)) != CLI_OK)
		goto out;
	ret = CLI_FAIL;
	if ((err = cli_bundle_parse(resp.body.p, resp.body.len, w, add_entry,
	    &b)) != 0) {
		ret = err == AMANA_EPARSE ? cli_fail(cmd, "entry bundle %s is "
		    "malformed (truncated or extra bytes): the log is damaged",
		    path) : cli_fail(cmd, "the log is too large");
		goto out;
	}
	ret = CLI_OK;
out:
	cli_http_resp_free(&resp);
	return ret;
}

/* Fetches hash tile (level, n) of width w and compares it with want. */
static int
check_tile(const char *cmd, struct cli_http *h, int level, uint64_t n,
    unsigned w, const uint8_t (*want)[MERKLE_HASH_LEN])
{
	struct cli_http_resp resp = { 0 };
	char path[TILE_PATH_MAX + 1];
	int ret;

	if ((ret = tile_path(cmd, level, n, w == TILE_WIDTH ? 0 : w, 0, path,
	    sizeof(path))) != CLI_OK ||
	    (ret = get(cmd, h, path, TILE_WIDTH * MERKLE_HASH_LEN, &resp)) !=
	    CLI_OK)
		goto out;
	if (resp.body.len != (size_t)w * MERKLE_HASH_LEN ||
	    memcmp(resp.body.p, want, resp.body.len) != 0) {
		ret = cli_fail(cmd, "hash tile %s does not match the entries: "
		    "the log is inconsistent", path);
		goto out;
	}
	ret = CLI_OK;
out:
	cli_http_resp_free(&resp);
	return ret;
}

int
cli_tlog_load(const char *cmd, struct cli_http *h,
    const struct note_verifier *log_key, uint64_t mark, struct cli_tlog *t)
{
	uint8_t (*cur)[MERKLE_HASH_LEN] = NULL, (*next)[MERKLE_HASH_LEN] = NULL;
	struct merkle_range range;
	uint8_t root[MERKLE_HASH_LEN];
	uint64_t n_full, k, count = 0, width, i;
	unsigned partial;
	int level, ret;

	memset(t, 0, sizeof(*t));
	amana_buf_init(&t->data, DATA_MAX, 0);
	if ((ret = cli_tlog_checkpoint(cmd, h, log_key, &t->ckpt, &t->note)) !=
	    CLI_OK)
		return ret;
	ret = CLI_FAIL;
	t->size = t->ckpt.size;
	t->mark = mark;
	if (t->size > CLI_TLOG_SIZE_MAX)
		return cli_fail(cmd, "the log has %llu entries, more than this "
		    "client verifies", (unsigned long long)t->size);
	if ((t->off = calloc((size_t)t->size + 1, sizeof(*t->off))) == NULL ||
	    (cur = calloc((size_t)t->size + 1, sizeof(*cur))) == NULL) {
		ret = cli_fail(cmd, "out of memory");
		goto out;
	}
	/* level 0: entries, their leaf hashes, the level-0 tiles */
	tile_span(t->size, 0, &n_full, &partial);
	for (k = 0; k <= n_full; k++) {
		width = k < n_full ? TILE_WIDTH : partial;
		if (width == 0)
			break;
		if ((ret = load_bundle(cmd, h, t, k, (unsigned)width, cur,
		    &count)) != CLI_OK ||
		    (ret = check_tile(cmd, h, 0, k, (unsigned)width,
		    (const uint8_t (*)[MERKLE_HASH_LEN])cur + k * TILE_WIDTH)) !=
		    CLI_OK)
			goto out;
	}
	merkle_range_init(&range);
	for (i = 0; i < t->size; i++) {
		if (merkle_range_append(&range, cur[i]) != 0)
			goto out;
		if (range.size == mark) {
			merkle_range_root(&range, t->mark_root);
			t->have_mark_root = 1;
		}
	}
	merkle_range_root(&range, root);
	if (memcmp(root, t->ckpt.root, MERKLE_HASH_LEN) != 0) {
		ret = cli_fail(cmd, "the entries do not hash to the signed "
		    "checkpoint root: the log is inconsistent");
		goto out;
	}
	/* levels 1..: each hash is the root of 256 hashes one level down */
	count = t->size;
	for (level = 1; level <= TILE_LEVEL_MAX && count >= TILE_WIDTH;
	    level++) {
		if ((next = calloc((size_t)(count / TILE_WIDTH) + 1,
		    sizeof(*next))) == NULL) {
			ret = cli_fail(cmd, "out of memory");
			goto out;
		}
		for (i = 0; i < count / TILE_WIDTH; i++)
			tile_root((const uint8_t (*)[MERKLE_HASH_LEN])cur +
			    i * TILE_WIDTH, next[i]);
		free(cur);
		cur = next;
		next = NULL;
		count /= TILE_WIDTH;
		tile_span(t->size, level, &n_full, &partial);
		for (k = 0; k <= n_full; k++) {
			width = k < n_full ? TILE_WIDTH : partial;
			if (width == 0)
				break;
			if ((ret = check_tile(cmd, h, level, k,
			    (unsigned)width, (const uint8_t (*)[MERKLE_HASH_LEN])
			    cur + k * TILE_WIDTH)) != CLI_OK)
				goto out;
		}
	}
	ret = CLI_OK;
out:
	free(cur);
	free(next);
	return ret;
}
