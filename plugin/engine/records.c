/* SPDX-License-Identifier: MPL-2.0 */
/* The engine's records in state-dir; see records.h. */
#include <assert.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/records.h"
#include "state/codec.h"

/*
 * Version 0 wrote these structs as they were in memory. While they keep that layout, reading
 * version 0 is a copy; a change to any of them must first freeze a copy of today's layout here
 * (these checks fail until it does, and tests/unit/fixtures/state-v0 proves the result).
 */
static_assert(sizeof(struct ddns_lease_event) == 584, "freeze the version 0 event layout");
static_assert(offsetof(struct ddns_lease_event, dns) == 560, "version 0 event layout");
static_assert(sizeof(struct ddns_job_record) == 1184, "freeze the version 0 job layout");
static_assert(sizeof(struct ddns_published) == 312, "freeze the version 0 published layout");

/* Version 0's published record: the address ahead of the entry. */
struct v0_published {
	int32_t family;
	uint8_t address[16];
	struct ddns_published p;
};

size_t ddns_record_put_event(const struct ddns_lease_event *ev, uint8_t *out)
{
	struct ddns_writer w = {out, DDNS_RECORD_MAX, 0, false};
	ddns_put_u8(&w, (uint8_t)ev->kind);
	ddns_put_address(&w, ev->family, ev->address);
	ddns_put_str(&w, ev->fqdn);
	ddns_put_u8(&w, (uint8_t)(ev->forward | ev->reverse << 1));
	ddns_put_u8(&w, (uint8_t)(ev->id_type + 1));
	ddns_put_uint(&w, ev->id_len);
	ddns_put_bytes(&w, ev->id, ev->id_len <= DDNS_ID_MAX ? ev->id_len : 0);
	ddns_put_uint(&w, ev->lifetime);
	ddns_put_int(&w, ev->expires);
	ddns_put_u8(&w, ev->dns.conflict_mode);
	ddns_put_uint(&w, ev->dns.ttl);
	uint64_t percent;
	memcpy(&percent, &ev->dns.ttl_percent, sizeof(percent));
	ddns_put_uint(&w, percent);
	ddns_put_uint(&w, ev->dns.ttl_min);
	ddns_put_uint(&w, ev->dns.ttl_max);
	return w.overflow ? 0 : w.len;
}

bool ddns_record_get_event(int version, const uint8_t *blob, size_t len,
                           struct ddns_lease_event *out)
{
	memset(out, 0, sizeof(*out));
	if (version == 0) {
		/* The release before Kea's per-client settings wrote it without its dns member. */
		if (len != sizeof(*out) && len != offsetof(struct ddns_lease_event, dns))
			return false;
		memcpy(out, blob, len);
		return out->id_len <= DDNS_ID_MAX && memchr(out->fqdn, 0, DDNS_FQDN_MAX) != NULL;
	}
	struct ddns_reader r = {blob, len, 0, false};
	uint8_t kind = ddns_get_u8(&r);
	out->kind = (enum ddns_lease_kind)kind;
	ddns_get_address(&r, &out->family, out->address);
	ddns_get_str(&r, out->fqdn, sizeof(out->fqdn));
	uint8_t flags = ddns_get_u8(&r);
	out->forward = flags & 1;
	out->reverse = flags >> 1 & 1;
	uint8_t id_type = ddns_get_u8(&r);
	out->id_type = (enum ddns_id_type)((int)id_type - 1);
	out->id_len = (uint16_t)ddns_get_uint_max(&r, DDNS_ID_MAX);
	ddns_get_bytes(&r, out->id, out->id_len);
	out->lifetime = (uint32_t)ddns_get_uint_max(&r, UINT32_MAX);
	out->expires = ddns_get_int(&r);
	out->dns.conflict_mode = ddns_get_u8(&r);
	out->dns.ttl = (uint32_t)ddns_get_uint_max(&r, UINT32_MAX);
	uint64_t percent = ddns_get_uint(&r);
	memcpy(&out->dns.ttl_percent, &percent, sizeof(percent));
	out->dns.ttl_min = (uint32_t)ddns_get_uint_max(&r, UINT32_MAX);
	out->dns.ttl_max = (uint32_t)ddns_get_uint_max(&r, UINT32_MAX);
	return !r.bad && kind <= DDNS_LEASE_GONE && id_type <= DDNS_ID_DUID + 1;
}

/* A change; its DHCID only when with_dhcid (a reverse change to follow carries its forward
 * change's: written once). */
static void put_change(struct ddns_writer *w, const struct ddns_change *c, bool with_dhcid)
{
	ddns_put_u8(w, (uint8_t)c->op);
	ddns_put_uint(w, (uint64_t)c->type);
	ddns_put_str(w, c->owner);
	ddns_put_str(w, c->rdata);
	ddns_put_uint(w, c->ttl);
	ddns_put_u8(w, (uint8_t)c->mode);
	if (with_dhcid)
		ddns_put_blob(w, c->dhcid, sizeof(c->dhcid));
	ddns_put_uint(w, (uint64_t)c->step);
}

static void get_change(struct ddns_reader *r, struct ddns_change *c, const uint8_t *same_dhcid)
{
	uint8_t op = ddns_get_u8(r);
	c->op = (enum ddns_change_op)op;
	c->type = (ldns_rr_type)ddns_get_uint_max(r, UINT16_MAX);
	ddns_get_str(r, c->owner, sizeof(c->owner));
	ddns_get_str(r, c->rdata, sizeof(c->rdata));
	c->ttl = (uint32_t)ddns_get_uint_max(r, UINT32_MAX);
	uint8_t mode = ddns_get_u8(r);
	c->mode = (enum ddns_conflict_mode)mode;
	if (same_dhcid != NULL)
		memcpy(c->dhcid, same_dhcid, sizeof(c->dhcid));
	else
		ddns_get_blob(r, c->dhcid, sizeof(c->dhcid));
	c->step = (int)ddns_get_uint_max(r, 16);
	r->bad |= op > DDNS_CHANGE_REMOVE || mode > DDNS_NO_CHECK_WITHOUT_DHCID;
}

size_t ddns_record_put_job(const struct ddns_job_record *rec, uint8_t *out)
{
	struct ddns_writer w = {out, DDNS_RECORD_MAX, 0, false};
	bool same = rec->has_then &&
	            memcmp(rec->then.dhcid, rec->change.dhcid, sizeof(rec->change.dhcid)) == 0;
	put_change(&w, &rec->change, true);
	ddns_put_u8(&w, (uint8_t)(rec->best_effort | rec->has_then << 1 | rec->alias_checked << 2 |
	                          same << 3));
	ddns_put_int(&w, rec->valid_until);
	ddns_put_address(&w, rec->family, rec->address);
	if (rec->has_then)
		put_change(&w, &rec->then, !same);
	return w.overflow ? 0 : w.len;
}

bool ddns_record_get_job(int version, const uint8_t *blob, size_t len, struct ddns_job_record *out)
{
	memset(out, 0, sizeof(*out));
	if (version == 0) {
		if (len != sizeof(*out))
			return false;
		memcpy(out, blob, len);
		return memchr(out->change.owner, 0, DDNS_NAME_MAX) != NULL &&
		       memchr(out->change.rdata, 0, DDNS_NAME_MAX) != NULL &&
		       memchr(out->then.owner, 0, DDNS_NAME_MAX) != NULL &&
		       memchr(out->then.rdata, 0, DDNS_NAME_MAX) != NULL;
	}
	struct ddns_reader r = {blob, len, 0, false};
	get_change(&r, &out->change, NULL);
	uint8_t flags = ddns_get_u8(&r);
	out->best_effort = flags & 1;
	out->has_then = flags >> 1 & 1;
	out->alias_checked = flags >> 2 & 1;
	out->valid_until = ddns_get_int(&r);
	ddns_get_address(&r, &out->family, out->address);
	if (out->has_then)
		get_change(&r, &out->then, flags >> 3 & 1 ? out->change.dhcid : NULL);
	return !r.bad;
}

bool ddns_record_move_on(struct ddns_job_record *r)
{
	if (!r->has_then)
		return false;
	r->change = r->then;
	memset(&r->then, 0, sizeof(r->then));
	r->has_then = r->alias_checked = r->best_effort = false;
	return true;
}

size_t ddns_record_put_published(const struct ddns_published *p, uint8_t *out)
{
	struct ddns_writer w = {out, DDNS_RECORD_MAX, 0, false};
	ddns_put_str(&w, p->fqdn);
	ddns_put_u8(&w, (uint8_t)(p->forward | p->reverse << 1));
	ddns_put_u8(&w, (uint8_t)p->mode);
	ddns_put_blob(&w, p->dhcid, sizeof(p->dhcid));
	return w.overflow ? 0 : w.len;
}

bool ddns_record_get_published(int version, const uint8_t *blob, size_t len,
                               struct ddns_published *out)
{
	memset(out, 0, sizeof(*out));
	if (version == 0) {
		struct v0_published v0;
		if (len != sizeof(v0))
			return false;
		memcpy(&v0, blob, len);
		*out = v0.p;
		return memchr(out->fqdn, 0, DDNS_NAME_MAX) != NULL;
	}
	struct ddns_reader r = {blob, len, 0, false};
	ddns_get_str(&r, out->fqdn, sizeof(out->fqdn));
	uint8_t flags = ddns_get_u8(&r);
	out->forward = flags & 1;
	out->reverse = flags >> 1 & 1;
	uint8_t mode = ddns_get_u8(&r);
	out->mode = (enum ddns_conflict_mode)mode;
	ddns_get_blob(&r, out->dhcid, sizeof(out->dhcid));
	return !r.bad && mode <= DDNS_NO_CHECK_WITHOUT_DHCID;
}
