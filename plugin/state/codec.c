/* SPDX-License-Identifier: MPL-2.0 */
/* Record field encoding; see codec.h. */
#include <string.h>
#include <sys/socket.h>

#include "state/codec.h"

void ddns_put_bytes(struct ddns_writer *w, const void *p, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void ddns_put_u8(struct ddns_writer *w, uint8_t v)
{
	ddns_put_bytes(w, &v, 1);
}

void ddns_put_uint(struct ddns_writer *w, uint64_t v)
{
	uint8_t out[10];
	size_t n = 0;
	do {
		out[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v != 0)
			out[n] |= 0x80;
		n++;
	} while (v != 0);
	ddns_put_bytes(w, out, n);
}

void ddns_put_int(struct ddns_writer *w, int64_t v)
{
	ddns_put_uint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void ddns_put_str(struct ddns_writer *w, const char *s)
{
	size_t n = strlen(s);
	ddns_put_uint(w, n);
	ddns_put_bytes(w, s, n);
}

void ddns_put_blob(struct ddns_writer *w, const uint8_t *p, size_t n)
{
	size_t used = n;
	while (used > 0 && p[used - 1] == 0)
		used--;
	/* Trailing zeroes are not kept; all zeroes (no DHCID) take one byte. */
	ddns_put_uint(w, used);
	ddns_put_bytes(w, p, used);
}

void ddns_put_address(struct ddns_writer *w, int family, const uint8_t *address)
{
	bool v6 = family == AF_INET6;
	ddns_put_u8(w, v6 ? 6 : 4);
	ddns_put_bytes(w, address, v6 ? 16 : 4);
}

void ddns_get_address(struct ddns_reader *r, int *family, uint8_t address[16])
{
	uint8_t tag = ddns_get_u8(r);
	memset(address, 0, 16);
	r->bad |= tag != 4 && tag != 6;
	*family = tag == 6 ? AF_INET6 : AF_INET;
	ddns_get_bytes(r, address, tag == 6 ? 16 : 4);
}

void ddns_get_bytes(struct ddns_reader *r, void *out, size_t n)
{
	if (r->bad || n > r->len - r->at) {
		r->bad = true;
		memset(out, 0, n);
		return;
	}
	memcpy(out, r->buf + r->at, n);
	r->at += n;
}

uint8_t ddns_get_u8(struct ddns_reader *r)
{
	uint8_t v;
	ddns_get_bytes(r, &v, 1);
	return v;
}

uint64_t ddns_get_uint(struct ddns_reader *r)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t b = ddns_get_u8(r);
		if (r->bad)
			return 0;
		v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			return v;
	}
	r->bad = true;
	return 0;
}

uint64_t ddns_get_uint_max(struct ddns_reader *r, uint64_t max)
{
	uint64_t v = ddns_get_uint(r);
	if (v > max) {
		r->bad = true;
		return 0;
	}
	return v;
}

int64_t ddns_get_int(struct ddns_reader *r)
{
	uint64_t v = ddns_get_uint(r);
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

void ddns_get_str(struct ddns_reader *r, char *out, size_t cap)
{
	size_t n = (size_t)ddns_get_uint_max(r, cap - 1);
	ddns_get_bytes(r, out, n);
	out[r->bad ? 0 : n] = '\0';
}

void ddns_get_blob(struct ddns_reader *r, uint8_t *out, size_t n)
{
	size_t used = (size_t)ddns_get_uint_max(r, n);
	memset(out, 0, n);
	ddns_get_bytes(r, out, used);
}
