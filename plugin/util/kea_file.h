/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Kea's configuration files as Kea reads them: the text with each <?include "file"?> replaced by
 * that file's text (a relative name opened from the current directory, as Kea opens it), for the
 * JSON reader (which takes Kea's comments). Used by the probe for Kea's and D2's files.
 */
#ifndef DDNS_UTIL_KEA_FILE_H
#define DDNS_UTIL_KEA_FILE_H

#include <stddef.h>

/*
 * Reads path with its includes into *text (NUL-terminated, *len bytes; free() it) and returns
 * DDNS_OK; or DDNS_EIO (a file cannot be read) or DDNS_EINVAL (an include without a quoted name,
 * nested deeper than 8, or more than 4 MiB in all), with a message naming the file in err.
 * Thread: any.
 */
int ddns_kea_file_read(const char *path, char **text, size_t *len, char *err, size_t errlen);

#endif
