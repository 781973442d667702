/* SPDX-License-Identifier: MPL-2.0 */
/* Host and zone name checks; see name.h. */
#include <ctype.h>
#include <string.h>

#include "ddns/error.h"
#include "util/name.h"

static bool allowed(unsigned char c, enum name_policy policy)
{
	if (isascii(c) && isalnum(c))
		return true;
	return c == '-' || ((c == '_' || c == '/') && policy == NAME_SERVICE);
}

int ddns_name_normalize(const char *in, enum name_policy policy, bool allow_root, char *out,
                        const char **why)
{
	size_t len = strlen(in);
	if (len == 1 && in[0] == '.') {
		if (!allow_root) {
			*why = "the root name is not allowed here";
			return DDNS_EBADNAME;
		}
		strcpy(out, ".");
		return DDNS_OK;
	}
	if (len == 0) {
		*why = "empty name";
		return DDNS_EBADNAME;
	}
	if (in[len - 1] == '.')
		len--;
	/* Wire length: each label's length octet plus its bytes, plus the root octet. */
	if (len + 2 > 255) {
		*why = "name longer than 255 octets";
		return DDNS_EBADNAME;
	}
	size_t label = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '.') {
			if (label == 0) {
				*why = "empty label";
				return DDNS_EBADNAME;
			}
			if (in[i - 1] == '-' && policy == NAME_HOST) {
				*why = "label ends with a hyphen";
				return DDNS_EBADNAME;
			}
			label = 0;
			out[i] = '.';
			continue;
		}
		if (!allowed(c, policy)) {
			*why = "character not allowed in a host name";
			return DDNS_EBADNAME;
		}
		if (c == '-' && label == 0 && policy == NAME_HOST) {
			*why = "label starts with a hyphen";
			return DDNS_EBADNAME;
		}
		if (++label > 63) {
			*why = "label longer than 63 octets";
			return DDNS_EBADNAME;
		}
		out[i] = (char)tolower(c);
	}
	if (label == 0) {
		*why = "empty label";
		return DDNS_EBADNAME;
	}
	if (in[len - 1] == '-' && policy == NAME_HOST) {
		*why = "label ends with a hyphen";
		return DDNS_EBADNAME;
	}
	out[len] = '.';
	out[len + 1] = '\0';
	return DDNS_OK;
}

bool ddns_name_in_zone(const char *name, const char *zone)
{
	if (strcmp(zone, ".") == 0)
		return true;
	size_t n = strlen(name), z = strlen(zone);
	if (n < z || strcmp(name + n - z, zone) != 0)
		return false;
	return n == z || name[n - z - 1] == '.';
}

size_t ddns_name_labels(const char *name)
{
	size_t labels = 0;
	if (strcmp(name, ".") == 0)
		return 0;
	for (const char *p = name; *p != '\0'; p++)
		if (*p == '.')
			labels++;
	return labels;
}

uint64_t ddns_name_hash(const char *name)
{
	uint64_t h = 14695981039346656037ull;
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h != 0 ? h : 1;
}

size_t ddns_name_wire(const char *name, uint8_t out[DDNS_NAME_WIRE_MAX])
{
	size_t len = 0;
	if (strcmp(name, ".") != 0) {
		for (const char *p = name; *p != '\0';) {
			size_t label = strcspn(p, ".");
			if (label == 0 || label > 63 || len + 1 + label + 1 > DDNS_NAME_WIRE_MAX)
				return 0;
			out[len++] = (uint8_t)label;
			for (size_t i = 0; i < label; i++)
				out[len++] = (uint8_t)tolower((unsigned char)p[i]);
			p += label;
			if (*p == '.')
				p++;
		}
	}
	out[len++] = 0;
	return len;
}

void ddns_name_copy(char *out, const char *in)
{
	size_t len = strnlen(in, DDNS_NAME_MAX - 1);
	memcpy(out, in, len);
	out[len] = '\0';
}
