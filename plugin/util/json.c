/* SPDX-License-Identifier: MPL-2.0 */
/* Recursive-descent JSON reader; see json.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddns/error.h"
#include "util/json.h"

#define MAX_DEPTH 64

struct reader {
	const char *p;
	const char *start;
	const char *end;
	char *err;
	size_t errlen;
	int depth;
};

static int fail(struct reader *r, const char *what)
{
	snprintf(r->err, r->errlen, "JSON syntax error at offset %zu: %s",
	         (size_t)(r->p - r->start), what);
	return DDNS_EINVAL;
}

static void skip_space(struct reader *r)
{
	while (r->p < r->end) {
		char c = *r->p;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			r->p++;
		} else if (c == '#' || (c == '/' && r->p + 1 < r->end && r->p[1] == '/')) {
			while (r->p < r->end && *r->p != '\n')
				r->p++;
		} else if (c == '/' && r->p + 1 < r->end && r->p[1] == '*') {
			r->p += 2;
			while (r->p + 1 < r->end && !(r->p[0] == '*' && r->p[1] == '/'))
				r->p++;
			r->p = r->p + 1 < r->end ? r->p + 2 : r->end;
		} else {
			return;
		}
	}
}

static struct json *node_new(enum json_type type)
{
	struct json *n = calloc(1, sizeof(*n));
	if (n != NULL)
		n->type = type;
	return n;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *dst, unsigned cp)
{
	if (cp < 0x80) {
		dst[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		dst[0] = (char)(0xC0 | (cp >> 6));
		dst[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		dst[0] = (char)(0xE0 | (cp >> 12));
		dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		dst[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	dst[0] = (char)(0xF0 | (cp >> 18));
	dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	dst[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Reads a string token at r->p (which points at the opening quote) into a new buffer. */
static char *read_string(struct reader *r)
{
	/* Decoded text is never longer than its escaped source, so size the buffer from that. */
	const char *q = r->p + 1;
	while (q < r->end && *q != '"')
		q += *q == '\\' ? 2 : 1;
	char *buf = malloc((size_t)(q - r->p) + 1);
	if (buf == NULL) {
		fail(r, "out of memory");
		return NULL;
	}
	size_t n = 0;
	r->p++;
	while (r->p < r->end && *r->p != '"') {
		unsigned char c = (unsigned char)*r->p;
		if (c < 0x20) {
			fail(r, "control character in string");
			goto error;
		}
		if (c != '\\') {
			buf[n++] = (char)c;
			r->p++;
			continue;
		}
		if (r->p + 1 >= r->end) {
			fail(r, "unterminated escape");
			goto error;
		}
		char e = r->p[1];
		r->p += 2;
		switch (e) {
		case '"':
		case '\\':
		case '/':
			buf[n++] = e;
			break;
		case 'b':
			buf[n++] = '\b';
			break;
		case 'f':
			buf[n++] = '\f';
			break;
		case 'n':
			buf[n++] = '\n';
			break;
		case 'r':
			buf[n++] = '\r';
			break;
		case 't':
			buf[n++] = '\t';
			break;
		case 'u': {
			unsigned cp;
			if (r->end - r->p < 4 || hex4(r->p, &cp) != 0) {
				fail(r, "bad \\u escape");
				goto error;
			}
			r->p += 4;
			if (cp >= 0xD800 && cp < 0xDC00) {
				unsigned lo;
				if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' ||
				    hex4(r->p + 2, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF) {
					fail(r, "unpaired surrogate");
					goto error;
				}
				r->p += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp < 0xE000) {
				fail(r, "unpaired surrogate");
				goto error;
			}
			if (cp == 0) {
				fail(r, "NUL character in string");
				goto error;
			}
			n += put_utf8(buf + n, cp);
			break;
		}
		default:
			fail(r, "unknown escape");
			goto error;
		}
	}
	if (r->p >= r->end) {
		fail(r, "unterminated string");
		goto error;
	}
	r->p++;
	buf[n] = '\0';
	return buf;
error:
	free(buf);
	return NULL;
}

static struct json *read_value(struct reader *r);

static int append(struct json *n, char *key, struct json *value)
{
	char **keys = n->keys;
	if (n->type == JSON_OBJECT) {
		keys = realloc(n->keys, (n->count + 1) * sizeof(*keys));
		if (keys == NULL)
			return -1;
		n->keys = keys;
	}
	struct json **values = realloc(n->values, (n->count + 1) * sizeof(*values));
	if (values == NULL)
		return -1;
	n->values = values;
	if (n->type == JSON_OBJECT)
		n->keys[n->count] = key;
	n->values[n->count++] = value;
	return 0;
}

static struct json *read_container(struct reader *r, enum json_type type)
{
	char close = type == JSON_OBJECT ? '}' : ']';
	struct json *n = node_new(type);
	if (n == NULL) {
		fail(r, "out of memory");
		return NULL;
	}
	if (++r->depth > MAX_DEPTH) {
		fail(r, "nesting too deep");
		goto error;
	}
	r->p++;
	skip_space(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		r->depth--;
		return n;
	}
	for (;;) {
		char *key = NULL;
		skip_space(r);
		if (type == JSON_OBJECT) {
			if (r->p >= r->end || *r->p != '"') {
				fail(r, "expected member name");
				goto error;
			}
			key = read_string(r);
			if (key == NULL)
				goto error;
			skip_space(r);
			if (r->p >= r->end || *r->p != ':') {
				free(key);
				fail(r, "expected ':'");
				goto error;
			}
			r->p++;
		}
		struct json *value = read_value(r);
		if (value == NULL) {
			free(key);
			goto error;
		}
		if (append(n, key, value) != 0) {
			free(key);
			json_free(value);
			fail(r, "out of memory");
			goto error;
		}
		skip_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			r->depth--;
			return n;
		}
		fail(r, type == JSON_OBJECT ? "expected ',' or '}'" : "expected ',' or ']'");
		goto error;
	}
error:
	json_free(n);
	return NULL;
}

static struct json *read_number(struct reader *r)
{
	const char *s = r->p;
	bool integral = true;
	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p >= r->end || *r->p < '0' || *r->p > '9') {
		fail(r, "bad number");
		return NULL;
	}
	while (r->p < r->end && strchr("0123456789+-.eE", *r->p) != NULL) {
		if (*r->p == '.' || *r->p == 'e' || *r->p == 'E')
			integral = false;
		r->p++;
	}
	char tmp[64];
	size_t len = (size_t)(r->p - s);
	if (len >= sizeof(tmp)) {
		fail(r, "number too long");
		return NULL;
	}
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	char *endp;
	struct json *n = node_new(JSON_NUMBER);
	if (n == NULL) {
		fail(r, "out of memory");
		return NULL;
	}
	if (integral) {
		errno = 0;
		long long v = strtoll(tmp, &endp, 10);
		if (*endp != '\0' || errno != 0) {
			json_free(n);
			r->p = s;
			fail(r, "bad or out-of-range integer");
			return NULL;
		}
		n->integral = true;
		n->integer = v;
		n->number = (double)v;
	} else {
		n->number = strtod(tmp, &endp);
		if (*endp != '\0') {
			json_free(n);
			r->p = s;
			fail(r, "bad number");
			return NULL;
		}
	}
	return n;
}

static bool literal(struct reader *r, const char *word)
{
	size_t len = strlen(word);
	if ((size_t)(r->end - r->p) < len || memcmp(r->p, word, len) != 0)
		return false;
	r->p += len;
	return true;
}

static struct json *read_value(struct reader *r)
{
	struct json *n;
	skip_space(r);
	if (r->p >= r->end) {
		fail(r, "unexpected end of input");
		return NULL;
	}
	switch (*r->p) {
	case '{':
		return read_container(r, JSON_OBJECT);
	case '[':
		return read_container(r, JSON_ARRAY);
	case '"': {
		char *s = read_string(r);
		if (s == NULL)
			return NULL;
		n = node_new(JSON_STRING);
		if (n == NULL) {
			free(s);
			fail(r, "out of memory");
			return NULL;
		}
		n->string = s;
		return n;
	}
	default:
		break;
	}
	if (literal(r, "true") || literal(r, "false")) {
		n = node_new(JSON_BOOL);
		if (n != NULL)
			n->boolean = r->p[-1] == 'e' && r->p[-2] == 'u';
	} else if (literal(r, "null")) {
		n = node_new(JSON_NULL);
	} else {
		return read_number(r);
	}
	if (n == NULL)
		fail(r, "out of memory");
	return n;
}

int json_parse(const char *text, size_t len, struct json **out, char *err, size_t errlen)
{
	struct reader r = {text, text, text + len, err, errlen, 0};
	struct json *root = read_value(&r);
	if (root == NULL)
		return DDNS_EINVAL;
	skip_space(&r);
	if (r.p != r.end) {
		json_free(root);
		return fail(&r, "trailing characters");
	}
	*out = root;
	return DDNS_OK;
}

void json_free(struct json *node)
{
	if (node == NULL)
		return;
	for (size_t i = 0; i < node->count; i++) {
		if (node->keys != NULL)
			free(node->keys[i]);
		json_free(node->values[i]);
	}
	free(node->keys);
	free(node->values);
	free(node->string);
	free(node);
}

const struct json *json_get(const struct json *node, const char *key)
{
	if (node == NULL || node->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < node->count; i++)
		if (strcmp(node->keys[i], key) == 0)
			return node->values[i];
	return NULL;
}

const char *json_type_name(enum json_type type)
{
	static const char *const names[] = {"null",   "boolean", "number",
	                                    "string", "array",   "object"};
	return names[type];
}
