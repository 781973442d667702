/* SPDX-License-Identifier: MPL-2.0 */
/*
 * UPDATE message construction; see update.h. The sequences follow RFC 4703 section 5 for forward
 * names and Kea's DHCP-DDNS for reverse names:
 *
 * forward add, checking modes:  1. name not in use -> add record + DHCID
 *                               2. (if in use) our DHCID there (or any DHCID) -> replace record
 * forward remove, checking:     1. our DHCID there -> delete the record
 *                               2. our DHCID and no A/AAAA left -> delete the DHCID
 * no-check-with-dhcid:          add replaces record and DHCID; remove as above without the
 *                               DHCID prerequisite
 * reverse, with DHCID:          add replaces PTR and DHCID; remove deletes both, checking the
 *                               DHCID as the forward name does
 * without DHCID:                add replaces the RRset; remove deletes exactly the record
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <openssl/evp.h>

#include "ddns/error.h"
#include "update/update.h"
#include "update/wire.h"

/* Writes an octet's decimal digits and a dot at p; returns the end. */
static char *put_decimal_label(char *p, unsigned octet)
{
	if (octet >= 100)
		*p++ = (char)('0' + octet / 100);
	if (octet >= 10)
		*p++ = (char)('0' + octet / 10 % 10);
	*p++ = (char)('0' + octet % 10);
	*p++ = '.';
	return p;
}

void ddns_reverse_name(int family, const uint8_t *address, char *out)
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;
	if (family == AF_INET) {
		for (int i = 3; i >= 0; i--)
			p = put_decimal_label(p, address[i]);
		memcpy(p, "in-addr.arpa.", sizeof("in-addr.arpa."));
		return;
	}
	for (int i = 15; i >= 0; i--) {
		*p++ = hex[address[i] & 0xF];
		*p++ = '.';
		*p++ = hex[address[i] >> 4];
		*p++ = '.';
	}
	memcpy(p, "ip6.arpa.", sizeof("ip6.arpa."));
}

/* The message being built, and the owner's mark: DHCID, or TXT for servers without DHCID. */
struct msg {
	struct ddns_update_wire w;
	ldns_rr_type mark;
};

static const enum ddns_wire_section PREREQ = DDNS_WIRE_PREREQ, UPDATE = DDNS_WIRE_UPDATE;

/* A record with no rdata: class ANY = "RRset exists / delete RRset", NONE = "does not exist". */
static void empty(struct msg *m, enum ddns_wire_section section, ldns_rr_class klass,
                  ldns_rr_type type)
{
	ddns_update_wire_rr(&m->w, section, type, klass, 0, NULL, 0);
}

/* Any other type (the probe's TXT): its rdata parsed from text by ldns. */
static void other_value(struct msg *m, enum ddns_wire_section section, const struct ddns_change *c,
                        ldns_rr_class klass)
{
	char text[2 * DDNS_NAME_MAX + 64];
	ldns_rr *rr = NULL;
	ldns_buffer *rdata = ldns_buffer_new(256);
	snprintf(text, sizeof(text), "%s %u IN %s %s", c->owner, c->ttl,
	         ldns_rr_descript(c->type)->_name, c->rdata);
	if (rdata != NULL && ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) == LDNS_STATUS_OK &&
	    ldns_rr_rdata2buffer_wire(rdata, rr) == LDNS_STATUS_OK)
		ddns_update_wire_rr(&m->w, section, c->type, klass,
		                    klass == LDNS_RR_CLASS_IN ? c->ttl : 0,
		                    ldns_buffer_begin(rdata), ldns_buffer_position(rdata));
	else
		ddns_update_wire_fail(&m->w);
	ldns_rr_free(rr);
	ldns_buffer_free(rdata);
}

/* The change's own record, in class klass (IN to add, NONE to delete, with TTL 0). */
static void value(struct msg *m, enum ddns_wire_section section, const struct ddns_change *c,
                  ldns_rr_class klass)
{
	uint8_t rdata[DDNS_NAME_WIRE_MAX];
	size_t len;
	switch (c->type) {
	case LDNS_RR_TYPE_A:
		len = inet_pton(AF_INET, c->rdata, rdata) == 1 ? 4 : 0;
		break;
	case LDNS_RR_TYPE_AAAA:
		len = inet_pton(AF_INET6, c->rdata, rdata) == 1 ? 16 : 0;
		break;
	case LDNS_RR_TYPE_PTR:
		len = ddns_name_wire(c->rdata, rdata);
		break;
	default:
		other_value(m, section, c, klass);
		return;
	}
	if (len == 0)
		ddns_update_wire_fail(&m->w);
	ddns_update_wire_rr(&m->w, section, c->type, klass, klass == LDNS_RR_CLASS_IN ? c->ttl : 0,
	                    rdata, len);
}

/* The client's mark at the change's owner, its DHCID in the record type of m (a TXT holds its
 * base64 text): IN with TTL to add, IN with TTL 0 as a prerequisite. */
static void mark(struct msg *m, enum ddns_wire_section section, const struct ddns_change *c,
                 uint32_t ttl)
{
	uint8_t txt[1 + 4 * ((DDNS_DHCID_LEN + 2) / 3) + 1]; /* length, base64, NUL */
	const uint8_t *rdata = c->dhcid;
	size_t len = DDNS_DHCID_LEN;
	if (m->mark == LDNS_RR_TYPE_TXT) {
		int n = EVP_EncodeBlock(txt + 1, c->dhcid, DDNS_DHCID_LEN);
		txt[0] = (uint8_t)n; /* one character-string */
		rdata = txt;
		len = 1 + (size_t)n;
	}
	ddns_update_wire_rr(&m->w, section, m->mark, LDNS_RR_CLASS_IN, ttl, rdata, len);
}

/* Prerequisite that the owner carries this client's DHCID (or, in check-exists mode, any). */
static void require_dhcid(struct msg *m, const struct ddns_change *c)
{
	if (c->mode == DDNS_CHECK_WITH_DHCID)
		mark(m, PREREQ, c, 0);
	else if (c->mode == DDNS_CHECK_EXISTS_WITH_DHCID)
		empty(m, PREREQ, LDNS_RR_CLASS_ANY, m->mark);
}

static bool with_dhcid(const struct ddns_change *c)
{
	return c->mode != DDNS_NO_CHECK_WITHOUT_DHCID;
}

static bool checking(const struct ddns_change *c)
{
	return c->mode == DDNS_CHECK_WITH_DHCID || c->mode == DDNS_CHECK_EXISTS_WITH_DHCID;
}

static void forward_message(struct msg *m, const struct ddns_change *c)
{
	bool add = c->op == DDNS_CHANGE_ADD;
	if (add && checking(c) && c->step == 0) {
		empty(m, PREREQ, LDNS_RR_CLASS_NONE, LDNS_RR_TYPE_ANY);
		value(m, UPDATE, c, LDNS_RR_CLASS_IN);
		mark(m, UPDATE, c, c->ttl);
	} else if (add) {
		if (c->step > 0)
			require_dhcid(m, c);
		empty(m, UPDATE, LDNS_RR_CLASS_ANY, c->type);
		if (c->mode == DDNS_NO_CHECK_WITH_DHCID)
			empty(m, UPDATE, LDNS_RR_CLASS_ANY, m->mark);
		value(m, UPDATE, c, LDNS_RR_CLASS_IN);
		if (c->mode == DDNS_NO_CHECK_WITH_DHCID)
			mark(m, UPDATE, c, c->ttl);
	} else if (c->step == 0) {
		require_dhcid(m, c);
		value(m, UPDATE, c, LDNS_RR_CLASS_NONE);
	} else {
		/* The DHCID goes only with the last address of the name. */
		require_dhcid(m, c);
		empty(m, PREREQ, LDNS_RR_CLASS_NONE, LDNS_RR_TYPE_A);
		empty(m, PREREQ, LDNS_RR_CLASS_NONE, LDNS_RR_TYPE_AAAA);
		empty(m, UPDATE, LDNS_RR_CLASS_ANY, m->mark);
	}
}

static void reverse_message(struct msg *m, const struct ddns_change *c)
{
	if (!with_dhcid(c)) {
		if (c->op == DDNS_CHANGE_ADD) {
			empty(m, UPDATE, LDNS_RR_CLASS_ANY, c->type);
			value(m, UPDATE, c, LDNS_RR_CLASS_IN);
		} else {
			value(m, UPDATE, c, LDNS_RR_CLASS_NONE);
		}
		return;
	}
	if (c->op == DDNS_CHANGE_REMOVE)
		require_dhcid(m, c);
	empty(m, UPDATE, LDNS_RR_CLASS_ANY, c->type);
	empty(m, UPDATE, LDNS_RR_CLASS_ANY, m->mark);
	if (c->op == DDNS_CHANGE_ADD) {
		value(m, UPDATE, c, LDNS_RR_CLASS_IN);
		mark(m, UPDATE, c, c->ttl);
	}
}

static bool is_forward(const struct ddns_change *c)
{
	return c->type == LDNS_RR_TYPE_A || c->type == LDNS_RR_TYPE_AAAA;
}

bool ddns_update_marked(const struct ddns_change *change)
{
	return with_dhcid(change) && (is_forward(change) || change->type == LDNS_RR_TYPE_PTR);
}

/* Appends change's message to m; each change's records keep their order. */
static void append_change(struct msg *m, const struct ddns_change *change,
                          enum ddns_ownership ownership)
{
	/* Only A, AAAA and PTR carry marks; anything else (the probe's TXT) is a plain replace. */
	struct ddns_change c = *change;
	if (!ddns_update_marked(&c) || ownership == DDNS_OWNER_NONE)
		c.mode = DDNS_NO_CHECK_WITHOUT_DHCID;
	ddns_update_wire_owner(&m->w, c.owner);
	if (is_forward(&c))
		forward_message(m, &c);
	else
		reverse_message(m, &c);
}

ldns_buffer *ddns_update_build_owned(const char *zone, enum ddns_ownership ownership,
                                     const struct ddns_change *const *changes, size_t n)
{
	struct msg m = {.mark =
	                    ownership == DDNS_OWNER_TXT ? LDNS_RR_TYPE_TXT : LDNS_RR_TYPE_DHCID};
	ddns_update_wire_start(&m.w, zone);
	for (size_t i = 0; i < n && !m.w.failed; i++)
		append_change(&m, changes[i], ownership);
	return ddns_update_wire_finish(&m.w);
}

ldns_buffer *ddns_update_build_batch(const char *zone, const struct ddns_change *const *changes,
                                     size_t n)
{
	return ddns_update_build_owned(zone, DDNS_OWNER_DHCID, changes, n);
}

ldns_buffer *ddns_update_build(const char *zone, const struct ddns_change *change)
{
	return ddns_update_build_batch(zone, &change, 1);
}

enum ddns_step ddns_update_next(const struct ddns_change *c, int answer)
{
	bool forward = is_forward(c);
	if (c->op == DDNS_CHANGE_ADD) {
		if (answer == DDNS_OK)
			return DDNS_STEP_DONE;
		/* Name in use at the first step: try the takeover of our own name. */
		if (forward && checking(c) && c->step == 0 && answer == DDNS_EYXDOMAIN)
			return DDNS_STEP_NEXT;
		return DDNS_STEP_CONFLICT;
	}
	if (answer != DDNS_OK)
		/* A removal's first prerequisite failing means the record is not ours (or gone);
		 * at the DHCID step it means other addresses still use the name. */
		return c->step == 0 ? DDNS_STEP_NOT_OURS : DDNS_STEP_DONE;
	return forward && with_dhcid(c) && c->step == 0 ? DDNS_STEP_NEXT : DDNS_STEP_DONE;
}

void ddns_change_describe(const struct ddns_change *change, char *out, size_t len)
{
	snprintf(out, len, "%s %s %s %s%s", change->op == DDNS_CHANGE_ADD ? "add" : "remove",
	         ldns_rr_descript(change->type)->_name, change->owner, change->rdata,
	         change->step == 0               ? ""
	         : change->op == DDNS_CHANGE_ADD ? " (name in use: checking its DHCID)"
	                                         : " (removing the DHCID)");
}
