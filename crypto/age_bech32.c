/*
 * age_bech32: Bech32 (BIP173) as age uses it: no length limit beyond
 * AGE_BECH32_MAX, one case throughout, checksum over the lower-case form,
 * strict 5-to-8-bit conversion.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "age_internal.h"
#include "amana_cur.h"

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t
polymod_step(uint32_t pre)
{
	uint8_t	 b = pre >> 25;

	return ((pre & 0x1ffffff) << 5) ^
	    (-((b >> 0) & 1) & 0x3b6a57b2UL) ^
	    (-((b >> 1) & 1) & 0x26508e6dUL) ^
	    (-((b >> 2) & 1) & 0x1ea119faUL) ^
	    (-((b >> 3) & 1) & 0x3d4233ddUL) ^
	    (-((b >> 4) & 1) & 0x2a1462b3UL);
}

static uint32_t
hrp_polymod(const char *hrp, size_t hrp_len)
{
	uint32_t	 chk = 1;
	size_t		 i;

	for (i = 0; i < hrp_len; i++)
		chk = polymod_step(chk) ^ ((uint8_t)hrp[i] >> 5);
	chk = polymod_step(chk);
	for (i = 0; i < hrp_len; i++)
		chk = polymod_step(chk) ^ ((uint8_t)hrp[i] & 0x1f);
	return chk;
}

static int
hrp_valid(const char *hrp, size_t hrp_len)
{
	size_t	 i;

	if (hrp_len < 1 || hrp_len > AGE_BECH32_HRP_MAX)
		return 0;
	for (i = 0; i < hrp_len; i++) {
		if (hrp[i] < 33 || hrp[i] > 126)
			return 0;
		if (hrp[i] >= 'A' && hrp[i] <= 'Z')
			return 0;
	}
	return 1;
}

int
age_bech32_encode(char *out, size_t out_size, const char *hrp,
    const uint8_t *data, size_t len, int upper)
{
	size_t		 hrp_len, n5, total, pos, i;
	uint32_t	 chk, acc = 0;
	unsigned	 bits = 0;
	uint8_t		 v;

	hrp_len = strlen(hrp);
	if (!hrp_valid(hrp, hrp_len))
		return AMANA_EINVAL;
	if (len > AGE_BECH32_MAX)
		return AMANA_ERANGE;
	n5 = (len * 8 + 4) / 5;
	total = hrp_len + 1 + n5 + 6;
	if (total > AGE_BECH32_MAX || out_size < total + 1)
		return AMANA_ERANGE;

	chk = hrp_polymod(hrp, hrp_len);
	memcpy(out, hrp, hrp_len);
	out[hrp_len] = '1';
	pos = hrp_len + 1;
	for (i = 0; i < len; i++) {
		acc = ((acc << 8) | data[i]) & 0xfff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			v = (acc >> bits) & 0x1f;
			chk = polymod_step(chk) ^ v;
			out[pos++] = charset[v];
		}
	}
	if (bits > 0) {
		v = (acc << (5 - bits)) & 0x1f;
		chk = polymod_step(chk) ^ v;
		out[pos++] = charset[v];
	}
	for (i = 0; i < 6; i++)
		chk = polymod_step(chk);
	chk ^= 1;
	for (i = 0; i < 6; i++)
		out[pos++] = charset[(chk >> (5 * (5 - i))) & 0x1f];
	out[pos] = '\0';
	if (upper) {
		for (i = 0; i < pos; i++)
			if (out[i] >= 'a' && out[i] <= 'z')
				out[i] = (char)(out[i] - 'a' + 'A');
	}
	return 0;
}

static int
charset_rev(uint8_t c)
{
	const char	*q;

	if (c == 0)
		return -1;
	q = memchr(charset, c, sizeof(charset) - 1);
	return q == NULL ? -1 : (int)(q - charset);
}

int
age_bech32_decode(const uint8_t *s, size_t len, char *hrp, size_t hrp_size,
    uint8_t *out, size_t out_max, size_t *out_len, int *upper)
{
	struct amana_cur c;
	const uint8_t	*all;
	size_t		 sep, hrp_len, n5, i, n = 0;
	uint32_t	 chk, acc = 0;
	unsigned	 bits = 0;
	int		 has_lower = 0, has_upper = 0, v;
	uint8_t		 ch;
	char		 lower[AGE_BECH32_HRP_MAX + 1];

	if (len > AGE_BECH32_MAX || len < 8)
		return AMANA_EPARSE;
	amana_cur_init(&c, s, len);
	if (amana_cur_take(&c, len, &all) != 0)
		return AMANA_EPARSE;
	for (i = 0; i < len; i++) {
		ch = all[i];
		if (ch < 33 || ch > 126)
			return AMANA_EPARSE;
		if (ch >= 'a' && ch <= 'z')
			has_lower = 1;
		if (ch >= 'A' && ch <= 'Z')
			has_upper = 1;
	}
	if (has_lower && has_upper)
		return AMANA_EPARSE;
	/* The separator is the last '1'. */
	sep = len;
	for (i = len; i > 0; i--) {
		if (all[i - 1] == '1') {
			sep = i - 1;
			break;
		}
	}
	if (sep == len || sep < 1 || len - sep - 1 < 6)
		return AMANA_EPARSE;
	hrp_len = sep;
	if (hrp_len > AGE_BECH32_HRP_MAX)
		return AMANA_EPARSE;
	if (hrp_size < hrp_len + 1)
		return AMANA_ERANGE;
	for (i = 0; i < hrp_len; i++) {
		ch = all[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (uint8_t)(ch - 'A' + 'a');
		lower[i] = (char)ch;
	}
	lower[hrp_len] = '\0';

	chk = hrp_polymod(lower, hrp_len);
	n5 = len - sep - 1 - 6;
	for (i = sep + 1; i < len; i++) {
		ch = all[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (uint8_t)(ch - 'A' + 'a');
		if ((v = charset_rev(ch)) < 0)
			return AMANA_EPARSE;
		chk = polymod_step(chk) ^ (uint32_t)v;
		if (i - sep - 1 >= n5)
			continue;	/* checksum characters */
		acc = ((acc << 5) | (uint32_t)v) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (n >= out_max)
				return AMANA_ERANGE;
			out[n++] = (acc >> bits) & 0xff;
		}
	}
	if (chk != 1)
		return AMANA_EPARSE;
	/* At most 4 padding bits, all zero. */
	if (bits >= 5 || ((acc << (8 - bits)) & 0xff) != 0)
		return AMANA_EPARSE;
	memcpy(hrp, lower, hrp_len + 1);
	*out_len = n;
	*upper = has_upper;
	return 0;
}
