/* SPDX-License-Identifier: MPL-2.0 */
/* Host and zone name checks; see name.h. */
#include <ctype.h>
#include <string.h>

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
			return -1;
		}
		strcpy(out, ".");
		return 0;
	}
	if (len == 0) {
		*why = "empty name";
		return -1;
	}
	if (in[len - 1] == '.')
		len--;
	/* Wire length: each label's length octet plus its bytes, plus the root octet. */
	if (len + 2 > 255) {
		*why = "name longer than 255 octets";
		return -1;
	}
	size_t label = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '.') {
			if (label == 0) {
				*why = "empty label";
				return -1;
			}
			if (in[i - 1] == '-' && policy == NAME_HOST) {
				*why = "label ends with a hyphen";
				return -1;
			}
			label = 0;
			out[i] = '.';
			continue;
		}
		if (!allowed(c, policy)) {
			*why = "character not allowed in a host name";
			return -1;
		}
		if (c == '-' && label == 0 && policy == NAME_HOST) {
			*why = "label starts with a hyphen";
			return -1;
		}
		if (++label > 63) {
			*why = "label longer than 63 octets";
			return -1;
		}
		out[i] = (char)tolower(c);
	}
	if (label == 0) {
		*why = "empty label";
		return -1;
	}
	if (in[len - 1] == '-' && policy == NAME_HOST) {
		*why = "label ends with a hyphen";
		return -1;
	}
	out[len] = '.';
	out[len + 1] = '\0';
	return 0;
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
