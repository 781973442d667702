/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Parameters declared as tables: each entry names a member, its type, where its value goes, its
 * range and its default, and one walker checks an object against its table. Every rejection names
 * the full path of the member ("zones[1].key") and what is wrong with it.
 */
#ifndef DDNS_CONFIG_SCHEMA_H
#define DDNS_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "util/json.h"
#include "util/name.h"

/* A parse in progress: where a rejection is written, and the config being built. */
struct parser {
	char *err;
	size_t errlen;
	struct ddns_config *cfg;
};

enum param_type {
	PARAM_BOOL,     /* bool */
	PARAM_UINT,     /* uint32_t, whole number in [min, max] */
	PARAM_FRACTION, /* double in (0, 1] */
	PARAM_STRING,   /* char *, copied */
	PARAM_PATH,     /* char *, copied; an absolute path */
	PARAM_NAME,     /* char *, a domain name, normalised */
	PARAM_ADDRS,    /* struct ddns_addr *, at least one, count at count_offset */
	PARAM_NAMES,    /* char **, domain names, count at count_offset */
	PARAM_ARRAY,  /* an array of item_size objects each read by parse, count at count_offset */
	PARAM_CUSTOM, /* read by parse */
};

/* Reads one value (an item of a PARAM_ARRAY, or a PARAM_CUSTOM member) at path into out. */
typedef int (*param_parse_fn)(struct parser *p, const char *path, const struct json *v, void *out);

struct param {
	const char *name;     /* the member's name */
	enum param_type type; /* how it is read */
	size_t offset;        /* where its value goes in the object read into */
	size_t count_offset;  /* PARAM_ADDRS, _NAMES, _ARRAY: where the number of values goes */
	bool required;        /* absent is an error */
	int64_t min, max;     /* PARAM_UINT: the range */
	bool seconds;         /* PARAM_UINT: the value is a number of seconds (said in errors) */
	int64_t def;          /* PARAM_BOOL, _UINT: the value when absent */
	double def_fraction;  /* PARAM_FRACTION: the value when absent */
	const char *def_text; /* PARAM_STRING, _PATH: the value when absent (copied); or NULL */
	size_t item_size;     /* PARAM_ARRAY: the size of one item */
	param_parse_fn parse; /* PARAM_ARRAY: reads one item; PARAM_CUSTOM: reads the value */
};

/*
 * Checks that obj (at path; "" for the root) is an object whose members are all in table, then
 * reads each entry of table in table order (so that an entry may use what an earlier one read)
 * into target, or sets its default. Returns DDNS_OK, DDNS_ECONFIG (p->err says why) or
 * DDNS_ENOMEM. What was read before a failure stays in target, for the caller to free.
 */
int schema_read(struct parser *p, const char *path, const struct json *obj,
                const struct param *table, size_t n, void *target);

/* Writes "parameter '<path>': <why>" into p->err; returns DDNS_ECONFIG. */
int schema_reject(struct parser *p, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* DDNS_OK when v has type, else a rejection naming both types. */
int schema_expect(struct parser *p, const char *path, const struct json *v, enum json_type type);

/* A string that is a domain name (NAME_SERVICE; the root only with allow_root), normalised into
 * out. DDNS_OK; DDNS_EBADNAME with why set and nothing written to p->err, for the caller's own
 * words; or a rejection of a value that is not a string. */
int schema_name(struct parser *p, const char *path, const struct json *v, bool allow_root,
                char out[DDNS_NAME_MAX], const char **why);

/* path.member (or member at the root) into out. */
void schema_path(char *out, size_t len, const char *path, const char *member);

#endif
