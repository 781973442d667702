/* SPDX-License-Identifier: MPL-2.0 */
/* Base64 decoding; see base64.h. */
#include <string.h>

#include "ddns/error.h"
#include "util/base64.h"

static int sextet(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int ddns_base64_decode(const char *text, uint8_t *out, size_t cap)
{
	size_t len = strlen(text), n = 0;
	if (len == 0 || len % 4 != 0)
		return DDNS_EINVAL;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			char c = text[i + k];
			/* Padding only in the last quantum, in its last one or two places. */
			if (c == '=' && i + 4 == len && k >= 2 && (k == 3 || text[i + 3] == '=')) {
				v[k] = 0;
				pad++;
			} else if ((v[k] = sextet(c)) < 0) {
				return DDNS_EINVAL;
			}
		}
		uint32_t bits = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
		                (uint32_t)v[3];
		size_t bytes = 3 - (size_t)pad;
		if (n + bytes > cap)
			return DDNS_EINVAL;
		for (size_t b = 0; b < bytes; b++)
			out[n++] = (uint8_t)(bits >> (16 - 8 * b));
	}
	return (int)n;
}
