/*
 * record: the plaintext inside an envelope's age payload.
 * docs/PROTOCOL.md section 4.
 *
 * Alert record (written by the NGO, read by the authority):
 *   "AMANAREC" || version u8 (1)
 *   || ngo_vkey        u16 len || bytes  (signed-note verifier key)
 *   || reply_recipient u16 len || bytes  (age recipient, "age1...")
 *   || category        u16 len || UTF-8  (1..RECORD_CATEGORY_MAX)
 *   || place           u16 len || UTF-8  (0..RECORD_PLACE_MAX)
 *   || message         u32 len || UTF-8  (0..RECORD_MESSAGE_MAX)
 *   || n_attachments   u16 (0..RECORD_ATTACH_MAX)
 *   || per attachment: name u16 len || bytes, media type u16 len || bytes,
 *      size u64 || size bytes
 *   || padding: zero bytes up to pad_len(length so far), exactly.
 * Reply record (written by an investigator, read by the NGO):
 *   "AMANARPL" || version u8 (1) || kind u8 (2 reply, 3 ack)
 *   || alert index u64 || message u32 len || UTF-8 || zero padding as above.
 *
 * The writer streams (attachment bytes never need to be held in memory) and
 * the reader is a push parser fed plaintext in any split. Plaintext is
 * secret: copies live in sodium_malloc memory and are wiped. Objects have
 * one owner at a time; any thread.
 */
#ifndef AMANA_RECORD_H
#define AMANA_RECORD_H
#include <stddef.h>
#include <stdint.h>

#include "amana_buf.h"
#include "amana_err.h"

#define RECORD_ALERT_MAGIC	"AMANAREC"
#define RECORD_REPLY_MAGIC	"AMANARPL"
#define RECORD_MAGIC_LEN	8
#define RECORD_VERSION		1
#define RECORD_VKEY_MAX		512	/* >= NOTE_VKEY_MAX */
#define RECORD_RECIPIENT_MAX	2048	/* room for post-quantum recipients */
#define RECORD_CATEGORY_MAX	256
#define RECORD_PLACE_MAX	1024
#define RECORD_MESSAGE_MAX	(16u * 1024 * 1024)
#define RECORD_ATTACH_MAX	64
#define RECORD_NAME_MAX		255
#define RECORD_MTYPE_MAX	127
/* Largest padded record: a pad size; with age overhead it fits in
 * ENVELOPE_PAYLOAD_MAX (128 MiB). */
#define RECORD_MAX		(UINT64_C(120) * 1024 * 1024)

enum {
	RECORD_KIND_REPLY = 2,	/* = ENVELOPE_KIND_REPLY */
	RECORD_KIND_ACK = 3,	/* = ENVELOPE_KIND_ACK */
};

/*
 * Output callback: p[0..len) is borrowed for the call (secret plaintext).
 * Return 0 to go on, or a negative AMANA_E* which is passed back unchanged.
 * Same shape as age_sink, so a reader can sit behind an age decryptor.
 */
typedef int (*record_sink)(void *ctx, const uint8_t *p, size_t len);

/* One attachment as described to the writer; pointers borrowed. */
struct record_attachment {
	const char	*name;		/* see record_name_valid */
	size_t		 name_len;
	const char	*media_type;	/* lowercase "type/subtype" */
	size_t		 media_type_len;
	uint64_t	 size;		/* bytes that will be streamed */
};

/* The alert fields given to the writer; pointers borrowed. */
struct record_alert {
	const char	*ngo_vkey;
	size_t		 ngo_vkey_len;
	const char	*reply_recipient;
	size_t		 reply_recipient_len;
	const char	*category;
	size_t		 category_len;
	const char	*place;
	size_t		 place_len;
	const char	*message;	/* SECRET */
	size_t		 message_len;
	const struct record_attachment *att;
	size_t		 n_att;
};

/*
 * record_name_valid: 0 if name[0..len) is an acceptable attachment name:
 * 1..RECORD_NAME_MAX bytes of valid UTF-8, no control character (C0, DEL,
 * C1), no '/', no '\\', no "..", not ".". Else AMANA_EPARSE.
 */
int	record_name_valid(const uint8_t *name, size_t len) AMANA_WUR;

/*
 * record_text_valid: 0 if p[0..len) is valid UTF-8 (shortest form, no
 * surrogates, <= U+10FFFF) without control characters (C0, DEL, C1); with
 * lines set, '\t', '\n' and '\r' are allowed. Else AMANA_EPARSE.
 */
int	record_text_valid(const uint8_t *p, size_t len, int lines) AMANA_WUR;

/*
 * record_alert_len: validates every field of a (borrowed) as the reader
 * would, and computes the record's length before padding (*content_len)
 * and after (*padded_len, what the age file will encrypt).
 * Returns 0, AMANA_EPARSE (a field fails its rule), AMANA_ETOOBIG (a field
 * or the whole record above its maximum), AMANA_EINVAL (NULL pointer with
 * a non-zero length).
 */
int	record_alert_len(const struct record_alert *a, uint64_t *content_len,
	    uint64_t *padded_len) AMANA_WUR;

/* Streaming writer. Opaque. */
struct record_writer;

/*
 * record_writer_new: validates a (borrowed for the call; attachment names
 * and types are copied) and writes everything up to the first attachment's
 * bytes through sink (sink/ctx must outlive the writer). *out owned by the
 * caller (record_writer_free). Returns the errors of record_alert_len,
 * AMANA_ENOMEM, or the sink's error.
 */
int	record_writer_new(const struct record_alert *a, record_sink sink,
	    void *ctx, struct record_writer **out) AMANA_WUR;
/*
 * record_writer_write: the next attachment bytes p[0..len) (borrowed),
 * attachments in order, any split (a call may span attachments).
 * AMANA_ERANGE if more bytes than the declared sizes; the sink's error.
 * After an error the writer only returns AMANA_EINVAL.
 */
int	record_writer_write(struct record_writer *w, const uint8_t *p,
	    size_t len) AMANA_WUR;
/*
 * record_writer_finish: after all attachment bytes, writes the padding.
 * AMANA_ERANGE if attachment bytes are missing; the sink's error;
 * AMANA_EINVAL after an earlier error or a second call.
 */
int	record_writer_finish(struct record_writer *w) AMANA_WUR;
/* Wipes and frees; NULL is fine. */
void	record_writer_free(struct record_writer *w);

/* Header fields, passed to the header callback; pointers valid only
 * during the callback (secret plaintext). */
struct record_header {
	const char	*ngo_vkey;
	size_t		 ngo_vkey_len;
	const char	*reply_recipient;
	size_t		 reply_recipient_len;
	const char	*category;
	size_t		 category_len;
	const char	*place;
	size_t		 place_len;
	const char	*message;
	size_t		 message_len;
	uint16_t	 n_att;
};

/* One attachment's description; pointers valid only during the call. */
struct record_att_info {
	uint16_t	 index;		/* 0-based */
	const char	*name;		/* record_name_valid holds */
	size_t		 name_len;
	const char	*media_type;
	size_t		 media_type_len;
	uint64_t	 size;
};

/*
 * Reader callbacks, each returning 0 or a negative AMANA_E* that aborts
 * the read and is returned by record_reader_write/finish. Any may be NULL.
 * Order: header once, then per attachment att_begin, att_data (0 or more
 * times, never with len 0), att_end. Fields are validated before the
 * callback that shows them; the padding is checked only by
 * record_reader_finish, so act on nothing before it returns 0.
 */
struct record_reader_cb {
	int	(*header)(void *ctx, const struct record_header *h);
	int	(*att_begin)(void *ctx, const struct record_att_info *a);
	int	(*att_data)(void *ctx, const uint8_t *p, size_t len);
	int	(*att_end)(void *ctx);
};

/* Push reader. Opaque. */
struct record_reader;

/*
 * record_reader_new: cb and ctx borrowed, must outlive the reader. *out
 * owned by the caller (record_reader_free). AMANA_ENOMEM.
 */
int	record_reader_new(const struct record_reader_cb *cb, void *ctx,
	    struct record_reader **out) AMANA_WUR;
/*
 * record_reader_write: feeds plaintext p[0..len) (borrowed, any split).
 * Returns 0, AMANA_EPARSE (bad magic, version, field, UTF-8, name, media
 * type, non-zero padding, bytes past the padding), AMANA_ETOOBIG (a field
 * or the record above its maximum), AMANA_ENOMEM, or a callback's error.
 * After an error every call returns that error.
 */
int	record_reader_write(struct record_reader *r, const uint8_t *p,
	    size_t len) AMANA_WUR;
/*
 * record_reader_sink: record_reader_write with an age_sink-shaped
 * signature (ctx is the struct record_reader *).
 */
int	record_reader_sink(void *ctx, const uint8_t *p, size_t len) AMANA_WUR;
/*
 * record_reader_finish: end of input. 0 only if the record is complete
 * and its padding is exactly pad_len(content) - content zero bytes;
 * else AMANA_EPARSE (or the earlier error).
 */
int	record_reader_finish(struct record_reader *r) AMANA_WUR;
/* Wipes and frees; NULL is fine. */
void	record_reader_free(struct record_reader *r);

/* A reply or acknowledgement record. */
struct record_reply {
	uint8_t		 kind;		/* RECORD_KIND_REPLY or _ACK */
	uint64_t	 alert_index;
	const char	*message;	/* SECRET; UTF-8 */
	size_t		 message_len;	/* <= RECORD_MESSAGE_MAX */
};

/*
 * record_reply_format: appends the padded reply record for r (borrowed) to
 * out (use a secure buffer). Returns 0, AMANA_EPARSE (bad kind or text),
 * AMANA_ETOOBIG, AMANA_ENOMEM; out unchanged on failure.
 */
int	record_reply_format(const struct record_reply *r,
	    struct amana_buf *out) AMANA_WUR;
/*
 * record_reply_parse: strict parse of a whole padded reply record p[0..len)
 * (borrowed); out->message points INTO p. *out written only on success.
 * Returns 0, AMANA_EPARSE or AMANA_ETOOBIG.
 */
int	record_reply_parse(const uint8_t *p, size_t len,
	    struct record_reply *out) AMANA_WUR;

#endif
