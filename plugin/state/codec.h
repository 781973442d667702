/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Field-by-field encoding of state-dir records: unsigned integers as LEB128 varints (a sequence
 * number or a TTL takes one to three bytes, not eight), signed ones zig-zagged first, strings as
 * their length and bytes. A record of today's format is a fraction of the in-memory struct it
 * holds, and a field added later is read as absent by the previous release's reader when it is
 * appended at the end. Writer and reader never touch memory past their buffer: an overflowing
 * write or a short read sets a flag that the caller checks once, at the end. Thread: any (no
 * shared state).
 */
#ifndef DDNS_STATE_CODEC_H
#define DDNS_STATE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ddns_writer {
	uint8_t *buf;  /* caller's buffer */
	size_t cap;    /* its size */
	size_t len;    /* bytes written */
	bool overflow; /* a write did not fit: the record is unusable */
};

struct ddns_reader {
	const uint8_t *buf; /* the record's payload */
	size_t len;         /* its size */
	size_t at;          /* bytes consumed */
	bool bad;           /* a read ran past the end or found a malformed value */
};

void ddns_put_u8(struct ddns_writer *w, uint8_t v);
void ddns_put_uint(struct ddns_writer *w, uint64_t v);
void ddns_put_int(struct ddns_writer *w, int64_t v);
void ddns_put_bytes(struct ddns_writer *w, const void *p, size_t n);
/* Length and bytes of a NUL-terminated string. */
void ddns_put_str(struct ddns_writer *w, const char *s);
/* Length and bytes of n bytes, written as length 0 when they are all zero. */
void ddns_put_blob(struct ddns_writer *w, const uint8_t *p, size_t n);

/* An address: 4 or 6 (its family), then its 4 or 16 bytes. */
void ddns_put_address(struct ddns_writer *w, int family, const uint8_t *address);

uint8_t ddns_get_u8(struct ddns_reader *r);
uint64_t ddns_get_uint(struct ddns_reader *r);
/* As ddns_get_uint, marking the reader bad above max. */
uint64_t ddns_get_uint_max(struct ddns_reader *r, uint64_t max);
int64_t ddns_get_int(struct ddns_reader *r);
void ddns_get_bytes(struct ddns_reader *r, void *out, size_t n);
/* A string into out (cap bytes with its NUL); too long for it is bad. */
void ddns_get_str(struct ddns_reader *r, char *out, size_t cap);
/* What ddns_put_address wrote, into address (16 bytes, zero-filled past an IPv4 one); another
 * family tag is bad. */
void ddns_get_address(struct ddns_reader *r, int *family, uint8_t address[16]);
/* What ddns_put_blob wrote, into out of exactly n bytes (zeroes for length 0). */
void ddns_get_blob(struct ddns_reader *r, uint8_t *out, size_t n);

#endif
