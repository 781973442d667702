/* SPDX-License-Identifier: MPL-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/schema.h"
#include "ddns/error.h"
#include "util/name.h"

int schema_reject(struct parser *p, const char *path, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "parameter '%s': %s", path, why);
	return DDNS_ECONFIG;
}

int schema_expect(struct parser *p, const char *path, const struct json *v, enum json_type type)
{
	if (v->type != type)
		return schema_reject(p, path, "expected %s, got %s", json_type_name(type),
		                     json_type_name(v->type));
	return DDNS_OK;
}

void schema_path(char *out, size_t len, const char *path, const char *member)
{
	if (path[0] != '\0')
		snprintf(out, len, "%s.%s", path, member);
	else
		snprintf(out, len, "%s", member);
}

int schema_name(struct parser *p, const char *path, const struct json *v, bool allow_root,
                char out[DDNS_NAME_MAX], const char **why)
{
	int rc = schema_expect(p, path, v, JSON_STRING);
	if (rc == DDNS_OK)
		rc = ddns_name_normalize(v->string, NAME_SERVICE, allow_root, out, why);
	return rc;
}

static int read_name(struct parser *p, const char *path, const struct json *v, char **out)
{
	char name[DDNS_NAME_MAX];
	const char *why;
	int rc = schema_name(p, path, v, true, name, &why);
	if (rc == DDNS_EBADNAME)
		return schema_reject(p, path, "'%s' is not a valid domain name: %s", v->string,
		                     why);
	if (rc != DDNS_OK)
		return rc;
	*out = strdup(name);
	return *out != NULL ? DDNS_OK : DDNS_ENOMEM;
}

static int read_addr(struct parser *p, const char *path, const struct json *v, void *out)
{
	int rc = schema_expect(p, path, v, JSON_STRING);
	if (rc == DDNS_OK && ddns_addr_parse(v->string, 53, out) != 0)
		return schema_reject(
		    p, path, "'%s' is not an address (IPv4, IPv4:port, IPv6 or [IPv6]:port)",
		    v->string);
	return rc;
}

static int read_list_name(struct parser *p, const char *path, const struct json *v, void *out)
{
	return read_name(p, path, v, out);
}

/* An array of items read by fn into a new array (one spare item, zeroed) stored at *items. */
static int read_array(struct parser *p, const char *path, const struct json *v, size_t item_size,
                      param_parse_fn fn, void **items, size_t *count)
{
	int rc = schema_expect(p, path, v, JSON_ARRAY);
	if (rc != DDNS_OK)
		return rc;
	*items = calloc(v->count + 1, item_size);
	if (*items == NULL)
		return DDNS_ENOMEM;
	for (size_t i = 0; i < v->count && rc == DDNS_OK; i++) {
		char item[256];
		snprintf(item, sizeof(item), "%s[%zu]", path, i);
		/* Counted before it is read, so that a half-read item is freed too. */
		*count = i + 1;
		rc = fn(p, item, v->values[i], (char *)*items + i * item_size);
	}
	return rc;
}

static int read_uint(struct parser *p, const char *path, const struct json *v,
                     const struct param *e, uint32_t *out)
{
	int rc = schema_expect(p, path, v, JSON_NUMBER);
	if (rc != DDNS_OK)
		return rc;
	if (!v->integral || v->integer < e->min || v->integer > e->max)
		return schema_reject(p, path, "must be a whole number%s from %lld to %lld",
		                     e->seconds ? " of seconds" : "", (long long)e->min,
		                     (long long)e->max);
	*out = (uint32_t)v->integer;
	return DDNS_OK;
}

static int read_string(struct parser *p, const char *path, const struct json *v, bool is_path,
                       char **out)
{
	int rc = schema_expect(p, path, v, JSON_STRING);
	if (rc != DDNS_OK)
		return rc;
	if (is_path && v->string[0] != '/')
		return schema_reject(p, path, "must be an absolute path");
	*out = strdup(v->string);
	return *out != NULL ? DDNS_OK : DDNS_ENOMEM;
}

static int read_entry(struct parser *p, const char *path, const struct json *v,
                      const struct param *e, void *value, size_t *count)
{
	int rc;
	switch (e->type) {
	case PARAM_BOOL:
		rc = schema_expect(p, path, v, JSON_BOOL);
		if (rc == DDNS_OK)
			*(bool *)value = v->boolean;
		return rc;
	case PARAM_UINT:
		return read_uint(p, path, v, e, value);
	case PARAM_FRACTION:
		rc = schema_expect(p, path, v, JSON_NUMBER);
		if (rc == DDNS_OK && !(v->number > 0 && v->number <= 1))
			return schema_reject(
			    p, path,
			    "must be a fraction of the lifetime above 0 and at most "
			    "1 (0.33 for a third)");
		if (rc == DDNS_OK)
			*(double *)value = v->number;
		return rc;
	case PARAM_STRING:
	case PARAM_PATH:
		return read_string(p, path, v, e->type == PARAM_PATH, value);
	case PARAM_NAME:
		return read_name(p, path, v, value);
	case PARAM_ADDRS:
		if (v->type == JSON_ARRAY && v->count == 0)
			return schema_reject(p, path, "must list at least one address");
		return read_array(p, path, v, sizeof(struct ddns_addr), read_addr, value, count);
	case PARAM_NAMES:
		return read_array(p, path, v, sizeof(char *), read_list_name, value, count);
	case PARAM_ARRAY:
		return read_array(p, path, v, e->item_size, e->parse, value, count);
	case PARAM_CUSTOM:
		return e->parse(p, path, v, value);
	}
	return DDNS_EINVAL;
}

/* Sets the default of an absent member. */
static int set_default(const struct param *e, void *value)
{
	switch (e->type) {
	case PARAM_BOOL:
		*(bool *)value = e->def != 0;
		break;
	case PARAM_UINT:
		*(uint32_t *)value = (uint32_t)e->def;
		break;
	case PARAM_FRACTION:
		*(double *)value = e->def_fraction;
		break;
	case PARAM_STRING:
	case PARAM_PATH:
		if (e->def_text != NULL && (*(char **)value = strdup(e->def_text)) == NULL)
			return DDNS_ENOMEM;
		break;
	default:
		break;
	}
	return DDNS_OK;
}

int schema_read(struct parser *p, const char *path, const struct json *obj,
                const struct param *table, size_t n, void *target)
{
	char sub[256];
	int rc = schema_expect(p, path[0] != '\0' ? path : "parameters", obj, JSON_OBJECT);
	if (rc != DDNS_OK)
		return rc;
	/* A member not in the table is refused, so that a typo is never silently ignored. */
	for (size_t i = 0; i < obj->count; i++) {
		size_t j = 0;
		while (j < n && strcmp(table[j].name, obj->keys[i]) != 0)
			j++;
		if (j == n) {
			schema_path(sub, sizeof(sub), path, obj->keys[i]);
			return schema_reject(p, sub, "unknown parameter");
		}
	}
	for (size_t j = 0; j < n && rc == DDNS_OK; j++) {
		const struct param *e = &table[j];
		const struct json *v = json_get(obj, e->name);
		void *value = (char *)target + e->offset;
		size_t *count = (size_t *)(void *)((char *)target + e->count_offset);
		schema_path(sub, sizeof(sub), path, e->name);
		if (v != NULL)
			rc = read_entry(p, sub, v, e, value, count);
		else if (e->required)
			rc = schema_reject(p, sub, "missing");
		else
			rc = set_default(e, value);
	}
	return rc;
}
