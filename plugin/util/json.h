/* SPDX-License-Identifier: MPL-2.0 */
/*
 * A small JSON reader for the plugin's parameters (which Kea hands over as JSON text) and for Kea
 * configuration files read by the probe. It builds a tree once; the config module walks it. Kea's
 * comment styles (#, //, and C block comments) are accepted between tokens.
 */
#ifndef DDNS_UTIL_JSON_H
#define DDNS_UTIL_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	bool boolean;         /* JSON_BOOL */
	bool integral;        /* JSON_NUMBER written without fraction or exponent */
	int64_t integer;      /* JSON_NUMBER when integral */
	double number;        /* JSON_NUMBER, any */
	char *string;         /* JSON_STRING, NUL-terminated; contains no NUL byte */
	size_t count;         /* elements of JSON_ARRAY / members of JSON_OBJECT */
	char **keys;          /* JSON_OBJECT member names, in document order */
	struct json **values; /* JSON_ARRAY elements or JSON_OBJECT member values */
};

/*
 * Parses text (len bytes, need not be NUL-terminated). On success stores a tree the caller frees
 * with json_free() and returns DDNS_OK. On failure returns DDNS_EINVAL and writes a message naming
 * the byte offset into err. Nesting deeper than 64 levels is refused.
 */
int json_parse(const char *text, size_t len, struct json **out, char *err, size_t errlen);

/* Frees a tree; NULL is ignored. */
void json_free(struct json *node);

/* Member of an object by name, or NULL (also when node is not an object). Borrowed. */
const struct json *json_get(const struct json *node, const char *key);

/* "string", "number", ... for error messages. */
const char *json_type_name(enum json_type type);

#endif
