#include "amana_err.h"

const char *
amana_strerror(int err)
{
	switch (err) {
	case AMANA_OK: return "success";
	case AMANA_EINVAL: return "invalid argument";
	case AMANA_ENOMEM: return "out of memory";
	case AMANA_ERANGE: return "value out of range";
	case AMANA_EPARSE: return "malformed input";
	case AMANA_EBADSIG: return "signature does not verify";
	case AMANA_EBADKEY: return "unusable or malformed key";
	case AMANA_EHEADER: return "invalid age header";
	case AMANA_EMAC: return "age header MAC does not verify";
	case AMANA_EPAYLOAD: return "age payload is corrupted or truncated";
	case AMANA_ENOMATCH: return "no identity matches this file";
	case AMANA_EARMOR: return "invalid ASCII armor";
	case AMANA_EIO: return "input/output error";
	case AMANA_EEXIST: return "already exists";
	case AMANA_ENOENT: return "not found";
	case AMANA_ETOOBIG: return "input too large";
	case AMANA_EFULL: return "storage or queue full";
	case AMANA_ECORRUPT: return "stored data is corrupted";
	case AMANA_EDENIED: return "key is not accredited or has been revoked";
	case AMANA_EEXPIRED: return "accreditation or credential has expired";
	case AMANA_EUNSUPPORTED: return "unsupported feature";
	case AMANA_EPROOF: return "Merkle proof does not verify";
	case AMANA_ENET: return "network or TLS failure";
	case AMANA_EBUSY: return "busy, try again later";
	case AMANA_EPASS: return "wrong passphrase";
	default: return "unknown error";
	}
}
