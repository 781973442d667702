/* SPDX-License-Identifier: MPL-2.0 */
/* Strict RFC 4648 base64 decoding, for TSIG secrets. */
#ifndef DDNS_UTIL_BASE64_H
#define DDNS_UTIL_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Decodes text (length a multiple of 4, padding only at the end) into out (cap bytes). Returns
 * the decoded length, or DDNS_EINVAL when the text is not strict base64 or does not fit. */
int ddns_base64_decode(const char *text, uint8_t *out, size_t cap);

#endif
