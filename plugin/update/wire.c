/* SPDX-License-Identifier: MPL-2.0 */
/* UPDATE messages in wire form; see wire.h. */
#include <string.h>

#include "update/wire.h"

/* Where the zone's name starts: right after the 12-byte header. */
#define ZONE_OFFSET LDNS_HEADER_SIZE

void ddns_update_wire_start(struct ddns_update_wire *w, const char *zone)
{
	memset(w, 0, sizeof(*w));
	w->zone_len = ddns_name_wire(zone, w->zone);
	for (int i = 0; i < 2; i++)
		w->sections[i] = ldns_buffer_new(1024);
	w->failed = w->zone_len == 0 || w->sections[0] == NULL || w->sections[1] == NULL;
}

void ddns_update_wire_owner(struct ddns_update_wire *w, const char *owner)
{
	if (w->failed)
		return;
	w->owner_len = ddns_name_wire(owner, w->owner);
	if (w->owner_len == 0) {
		w->failed = true;
		return;
	}
	size_t above = 0;
	while (w->owner_len - above > w->zone_len)
		above += 1 + (size_t)w->owner[above];
	/* Both names came lower-cased from ddns_name_wire: bytes compare as names do. */
	bool in_zone = w->owner_len - above == w->zone_len && w->zone_len > 1 &&
	               memcmp(w->owner + above, w->zone, w->zone_len) == 0;
	w->owner_above = in_zone ? above : w->owner_len;
}

void ddns_update_wire_rr(struct ddns_update_wire *w, enum ddns_wire_section section,
                         ldns_rr_type type, ldns_rr_class klass, uint32_t ttl, const uint8_t *rdata,
                         size_t rdlen)
{
	ldns_buffer *b = w->sections[section];
	if (w->failed || w->counts[section] == UINT16_MAX || rdlen > UINT16_MAX ||
	    !ldns_buffer_reserve(b, w->owner_len + 10 + rdlen)) {
		w->failed = true;
		return;
	}
	ldns_buffer_write(b, w->owner, w->owner_above);
	if (w->owner_above < w->owner_len)
		ldns_buffer_write_u16(b, 0xC000 | ZONE_OFFSET);
	ldns_buffer_write_u16(b, type);
	ldns_buffer_write_u16(b, klass);
	ldns_buffer_write_u32(b, ttl);
	ldns_buffer_write_u16(b, (uint16_t)rdlen);
	if (rdlen > 0)
		ldns_buffer_write(b, rdata, rdlen);
	w->counts[section]++;
}

void ddns_update_wire_fail(struct ddns_update_wire *w)
{
	w->failed = true;
}

ldns_buffer *ddns_update_wire_finish(struct ddns_update_wire *w)
{
	ldns_buffer *msg = NULL;
	size_t prereq = 0, update = 0;
	if (!w->failed && w->counts[0] + w->counts[1] > 0) {
		prereq = ldns_buffer_position(w->sections[0]);
		update = ldns_buffer_position(w->sections[1]);
		msg = ldns_buffer_new(LDNS_HEADER_SIZE + w->zone_len + 4 + prereq + update);
	}
	if (msg != NULL) {
		ldns_buffer_write_u16(msg, 0); /* ID: set for each exchange */
		ldns_buffer_write_u8(msg, (uint8_t)(LDNS_PACKET_UPDATE << 3));
		ldns_buffer_write_u8(msg, 0);
		ldns_buffer_write_u16(msg, 1); /* ZOCOUNT */
		ldns_buffer_write_u16(msg, w->counts[0]);
		ldns_buffer_write_u16(msg, w->counts[1]);
		ldns_buffer_write_u16(msg, 0);
		ldns_buffer_write(msg, w->zone, w->zone_len);
		ldns_buffer_write_u16(msg, LDNS_RR_TYPE_SOA);
		ldns_buffer_write_u16(msg, LDNS_RR_CLASS_IN);
		ldns_buffer_write(msg, ldns_buffer_begin(w->sections[0]), prereq);
		ldns_buffer_write(msg, ldns_buffer_begin(w->sections[1]), update);
	}
	for (int i = 0; i < 2; i++) {
		ldns_buffer_free(w->sections[i]);
		w->sections[i] = NULL;
	}
	return msg;
}
