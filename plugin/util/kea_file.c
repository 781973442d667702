/* SPDX-License-Identifier: MPL-2.0 */
/* Kea configuration files with their includes; see kea_file.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddns/error.h"
#include "util/kea_file.h"

#define MAX_INCLUDE_DEPTH 8
#define FILE_MAX          (4 * 1024 * 1024)

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* Appends len bytes to the growing text *buf (*len used, *cap allocated). */
static bool append(char **buf, size_t *len, size_t *cap, const char *bytes, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t want = (*len + n + 1) * 2;
		char *grown = want <= FILE_MAX ? realloc(*buf, want) : NULL;
		if (grown == NULL)
			return false;
		*buf = grown;
		*cap = want;
	}
	memcpy(*buf + *len, bytes, n);
	*len += n;
	(*buf)[*len] = '\0';
	return true;
}

/*
 * Appends the file's text with each <?include "name"?> replaced by that file's text, as Kea does
 * (a relative name is opened from the current directory, as Kea opens it).
 */
static int read_file(const char *file, int depth, char **buf, size_t *len, size_t *cap, char *err,
                     size_t errlen)
{
	if (depth > MAX_INCLUDE_DEPTH)
		return fail(err, errlen, DDNS_EINVAL, "includes nested deeper than %d at '%s'",
		            MAX_INCLUDE_DEPTH, file);
	FILE *f = fopen(file, "r");
	if (f == NULL)
		return fail(err, errlen, DDNS_EIO, "cannot read '%s': %s", file, strerror(errno));
	char *text = NULL;
	size_t n = 0, tcap = 0;
	char chunk[4096];
	size_t got;
	bool ok = true;
	while (ok && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ok = append(&text, &n, &tcap, chunk, got);
	fclose(f);
	explicit_bzero(chunk, sizeof(chunk));
	if (!ok) {
		if (text != NULL)
			explicit_bzero(text, n); /* a file may hold a secret */
		free(text);
		return fail(err, errlen, DDNS_EINVAL, "'%s' is larger than %d bytes", file,
		            FILE_MAX);
	}
	int rc = DDNS_OK;
	const char *p = text != NULL ? text : "";
	for (const char *at; rc == DDNS_OK && (at = strstr(p, "<?include")) != NULL;) {
		const char *open = strchr(at, '"');
		const char *close = open != NULL ? strchr(open + 1, '"') : NULL;
		const char *end = close != NULL ? strstr(close, "?>") : NULL;
		if (end == NULL) {
			rc = fail(err, errlen, DDNS_EINVAL, "'%s': an <?include without \"file\"?>",
			          file);
			break;
		}
		char name[1024];
		snprintf(name, sizeof(name), "%.*s", (int)(close - open - 1), open + 1);
		if (!append(buf, len, cap, p, (size_t)(at - p)))
			rc = fail(err, errlen, DDNS_EINVAL,
			          "the configuration is larger than %d bytes", FILE_MAX);
		else
			rc = read_file(name, depth + 1, buf, len, cap, err, errlen);
		p = end + 2;
	}
	if (rc == DDNS_OK && !append(buf, len, cap, p, strlen(p)))
		rc = fail(err, errlen, DDNS_EINVAL, "the configuration is larger than %d bytes",
		          FILE_MAX);
	if (text != NULL)
		explicit_bzero(text, n); /* a file may hold a secret */
	free(text);
	return rc;
}

int ddns_kea_file_read(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	size_t cap = 0;
	*text = NULL;
	*len = 0;
	int rc = read_file(path, 0, text, len, &cap, err, errlen);
	if (rc == DDNS_OK && *text == NULL && (*text = calloc(1, 1)) == NULL)
		rc = fail(err, errlen, DDNS_ENOMEM, "out of memory");
	if (rc != DDNS_OK) {
		if (*text != NULL)
			explicit_bzero(*text, *len);
		free(*text);
		*text = NULL;
		*len = 0;
	}
	return rc;
}
