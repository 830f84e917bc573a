/*
 * amana_err: the one error table of Amana.
 * Every function returns 0 or one of these negative codes.
 */
#ifndef AMANA_ERR_H
#define AMANA_ERR_H

#define AMANA_WUR __attribute__((warn_unused_result))

enum {
	AMANA_OK = 0,
	AMANA_EINVAL = -1,	/* bad argument or usage */
	AMANA_ENOMEM = -2,	/* allocation failed */
	AMANA_ERANGE = -3,	/* size arithmetic overflow, value out of range */
	AMANA_EPARSE = -4,	/* malformed or non-canonical input */
	AMANA_EBADSIG = -5,	/* signature does not verify */
	AMANA_EBADKEY = -6,	/* unusable or malformed key */
	AMANA_EHEADER = -7,	/* age header failure (bad stanza, scrypt rules) */
	AMANA_EMAC = -8,	/* age header MAC failure */
	AMANA_EPAYLOAD = -9,	/* age payload failure (tag, chunking, trailing) */
	AMANA_ENOMATCH = -10,	/* no identity or passphrase matched */
	AMANA_EARMOR = -11,	/* bad ASCII armor */
	AMANA_EIO = -12,	/* read, write or sync failed */
	AMANA_EEXIST = -13,	/* file or record already exists */
	AMANA_ENOENT = -14,	/* no such file or record */
	AMANA_ETOOBIG = -15,	/* input above a named maximum */
	AMANA_EFULL = -16,	/* store map or queue full */
	AMANA_ECORRUPT = -17,	/* stored data failed its checks */
	AMANA_EDENIED = -18,	/* key not accredited, credentialed, or revoked */
	AMANA_EEXPIRED = -19,	/* accreditation or credential expired */
	AMANA_EUNSUPPORTED = -20, /* known format, unsupported feature */
	AMANA_EPROOF = -21,	/* Merkle proof or consistency check failed */
	AMANA_ENET = -22,	/* network or TLS failure */
	AMANA_EBUSY = -23,	/* try again later */
	AMANA_EPASS = -24,	/* wrong passphrase */
	AMANA_ERR_MIN = -24,
};

/* Returns a static, one-line English description; never NULL. Any thread. */
const char *amana_strerror(int err);

#endif
