/* SPDX-License-Identifier: MPL-2.0 */
/* Request/reply matching, TSIG and UDP-to-TCP fallback; see exchange.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ddns/error.h"
#include "transport/exchange.h"
#include "transport/tsig.h"
#include "util/log.h"

int ddns_rcode_error(int rcode)
{
	switch (rcode) {
	case LDNS_RCODE_NOERROR:
		return DDNS_OK;
	case LDNS_RCODE_FORMERR:
		return DDNS_EFORMERR;
	case LDNS_RCODE_SERVFAIL:
		return DDNS_ESERVFAIL;
	case LDNS_RCODE_NXDOMAIN:
		return DDNS_ENXDOMAIN;
	case LDNS_RCODE_NOTIMPL:
		return DDNS_ENOTIMP;
	case LDNS_RCODE_REFUSED:
		return DDNS_EREFUSED;
	case LDNS_RCODE_YXDOMAIN:
		return DDNS_EYXDOMAIN;
	case LDNS_RCODE_YXRRSET:
		return DDNS_EYXRRSET;
	case LDNS_RCODE_NXRRSET:
		return DDNS_ENXRRSET;
	case LDNS_RCODE_NOTAUTH:
		return DDNS_ENOTAUTH;
	case LDNS_RCODE_NOTZONE:
		return DDNS_ENOTZONE;
	default:
		return DDNS_ERCODE;
	}
}

const char *ddns_rcode_name(int rcode)
{
	const ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, rcode);
	return lt != NULL ? lt->name : "unknown";
}

const char *ddns_tsig_error_name(int tsig_error)
{
	switch (tsig_error) {
	case 0:
		return "none";
	case 16:
		return "BADSIG";
	case 17:
		return "BADKEY";
	case 18:
		return "BADTIME";
	case 19:
		return "BADMODE";
	case 20:
		return "BADNAME";
	case 21:
		return "BADALG";
	case 22:
		return "BADTRUNC";
	default:
		return "unknown";
	}
}

static uint16_t random_id(void)
{
	uint16_t id;
	if (getrandom(&id, sizeof(id), 0) != sizeof(id)) {
		/* getrandom on a 2-byte buffer cannot be short once the pool is ready; be safe. */
		id = (uint16_t)random();
	}
	return id;
}

/* The end of the wire name at offset at in msg (len bytes), or 0 when it does not end inside. */
static size_t name_end(const uint8_t *msg, size_t len, size_t at)
{
	while (at < len && msg[at] != 0) {
		if (msg[at] > 63)
			return 0; /* a pointer or an extended label: not in a question we wrote */
		at += 1 + (size_t)msg[at];
	}
	return at < len ? at + 1 : 0;
}

/* Checks that reply answers the query in wire form (q, q_len bytes): its ID, opcode and question.
 * A FORMERR may come without the question. */
static bool matches(const uint8_t *q, size_t q_len, const ldns_pkt *reply)
{
	if (!ldns_pkt_qr(reply) || ldns_pkt_id(reply) != ldns_read_uint16(q) ||
	    ldns_pkt_get_opcode(reply) != ((q[2] >> 3) & 0xF))
		return false;
	if (ldns_pkt_qdcount(reply) == 0 && ldns_pkt_get_rcode(reply) == LDNS_RCODE_FORMERR)
		return true;
	const ldns_rr_list *question = ldns_pkt_question(reply);
	size_t end = name_end(q, q_len, LDNS_HEADER_SIZE);
	if (ldns_rr_list_rr_count(question) != 1 || end == 0 || end + 4 > q_len)
		return false;
	const ldns_rr *rr = ldns_rr_list_rr(question, 0);
	const ldns_rdf *name = ldns_rr_owner(rr);
	size_t name_len = end - LDNS_HEADER_SIZE;
	if ((unsigned)ldns_rr_get_type(rr) != ldns_read_uint16(q + end) ||
	    (unsigned)ldns_rr_get_class(rr) != ldns_read_uint16(q + end + 2) ||
	    ldns_rdf_size(name) != name_len)
		return false;
	const uint8_t *a = ldns_rdf_data(name), *b = q + LDNS_HEADER_SIZE;
	for (size_t i = 0; i < name_len; i++)
		if (tolower(a[i]) != tolower(b[i]))
			return false;
	return true;
}

ldns_buffer *ddns_wire_of(const ldns_pkt *pkt)
{
	ldns_buffer *b = ldns_buffer_new(512);
	if (b != NULL && ldns_pkt2buffer_wire(b, pkt) != LDNS_STATUS_OK) {
		ldns_buffer_free(b);
		return NULL;
	}
	return b;
}

/* ddns_exchange and ddns_exchange_stream; keep_wire (may be NULL) takes the reply's bytes. */
static int exchange(const struct ddns_transport *transport, const struct ddns_addr *server,
                    const ldns_buffer *query, const struct ddns_tsig_signer *signer, bool tcp,
                    int timeout_ms, ldns_pkt **reply, struct ddns_exchange_info *info,
                    uint8_t **keep_wire, size_t *keep_len)
{
	int rc;

	*reply = NULL;
	info->rcode = -1;
	info->tsig_error = 0;
	info->tcp = false;
	info->tsig_form = DDNS_TSIG_FORM_NONE;

	uint8_t mac[DDNS_TSIG_MAC_MAX];
	size_t mac_len = 0;
	size_t query_len = ldns_buffer_position(query);
	if (query_len < LDNS_HEADER_SIZE)
		return DDNS_EINVAL;
	/* A copy for this exchange: the ID and the signature are its own. */
	ldns_buffer *query_wire = ldns_buffer_new(query_len);
	if (query_wire == NULL)
		return DDNS_ENOMEM;
	ldns_buffer_write(query_wire, ldns_buffer_begin(query), query_len);
	ldns_buffer_write_u16_at(query_wire, 0, random_id());
	if (signer != NULL && (rc = ddns_tsig_sign(query_wire, signer, mac, &mac_len)) != DDNS_OK) {
		ldns_buffer_free(query_wire);
		return rc;
	}
	const uint8_t *wire = ldns_buffer_begin(query_wire);
	size_t wire_len = ldns_buffer_position(query_wire);

	/* RFC 1035's UDP limit: a larger message (several changes in one UPDATE) goes over TCP. */
	info->tcp = tcp || wire_len > DDNS_UDP_MAX || (signer != NULL && signer->stream);
	/* On the stack: a 64 KB buffer taken from the heap and freed for every message makes the
	 * allocator hand it back to the kernel each time. */
	uint8_t buf[DDNS_MSG_MAX];
	for (;;) {
		size_t len = 0;
		rc = transport->exchange(transport->ctx, server, info->tcp, wire, wire_len, buf,
		                         &len, timeout_ms);
		if (rc == DDNS_ETIMEOUT && !info->tcp) {
			/* A lost or filtered UDP datagram: the same server may still answer TCP. */
			info->tcp = true;
			continue;
		}
		if (rc != DDNS_OK)
			break;
		ldns_pkt *parsed = NULL;
		if (ldns_wire2pkt(&parsed, buf, len) != LDNS_STATUS_OK ||
		    !matches(ldns_buffer_begin(query_wire), query_len, parsed)) {
			ldns_pkt_free(parsed);
			rc = DDNS_EMALFORMED;
			break;
		}
		if (ldns_pkt_tc(parsed)) {
			ldns_pkt_free(parsed);
			if (info->tcp) {
				rc = DDNS_ETRUNCATED;
				break;
			}
			info->tcp = true;
			continue;
		}
		if (signer != NULL &&
		    (rc = ddns_tsig_verify(buf, len, parsed, signer, mac, mac_len,
		                           &info->tsig_error, &info->tsig_form)) != DDNS_OK) {
			info->rcode = ldns_pkt_get_rcode(parsed);
			ldns_pkt_free(parsed);
			break;
		}
		info->rcode = ldns_pkt_get_rcode(parsed);
		if (keep_wire != NULL) {
			if ((*keep_wire = malloc(len)) == NULL) {
				ldns_pkt_free(parsed);
				rc = DDNS_ENOMEM;
				break;
			}
			memcpy(*keep_wire, buf, len);
			*keep_len = len;
		}
		*reply = parsed;
		break;
	}
	ldns_buffer_free(query_wire);
	return rc;
}

int ddns_exchange_wire(const struct ddns_transport *transport, const struct ddns_addr *server,
                       const ldns_buffer *query, const struct ddns_tsig_signer *signer,
                       int timeout_ms, ldns_pkt **reply, struct ddns_exchange_info *info)
{
	return exchange(transport, server, query, signer, false, timeout_ms, reply, info, NULL,
	                NULL);
}

/* The exchange of a query built with ldns (its TSIG, if any, left out). */
static int exchange_pkt(const struct ddns_transport *transport, const struct ddns_addr *server,
                        ldns_pkt *query, const struct ddns_tsig_signer *signer, bool tcp,
                        int timeout_ms, ldns_pkt **reply, struct ddns_exchange_info *info,
                        uint8_t **keep_wire, size_t *keep_len)
{
	ldns_rr *tsig = ldns_pkt_tsig(query);
	ldns_pkt_set_tsig(query, NULL);
	ldns_buffer *wire = ddns_wire_of(query);
	ldns_pkt_set_tsig(query, tsig);
	*reply = NULL;
	*info = (struct ddns_exchange_info){.rcode = -1, .tsig_form = DDNS_TSIG_FORM_NONE};
	if (wire == NULL)
		return DDNS_ENOMEM;
	int rc = exchange(transport, server, wire, signer, tcp, timeout_ms, reply, info, keep_wire,
	                  keep_len);
	ldns_buffer_free(wire);
	return rc;
}

int ddns_exchange(const struct ddns_transport *transport, const struct ddns_addr *server,
                  ldns_pkt *query, const struct ddns_tsig_signer *signer, int timeout_ms,
                  ldns_pkt **reply, struct ddns_exchange_info *info)
{
	return exchange_pkt(transport, server, query, signer, false, timeout_ms, reply, info, NULL,
	                    NULL);
}

int ddns_exchange_stream(const struct ddns_transport *transport, const struct ddns_addr *server,
                         ldns_pkt *query, int timeout_ms, ldns_pkt **reply, uint8_t **wire,
                         size_t *wire_len, struct ddns_exchange_info *info)
{
	*wire = NULL;
	return exchange_pkt(transport, server, query, NULL, true, timeout_ms, reply, info, wire,
	                    wire_len);
}
