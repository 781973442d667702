/* SPDX-License-Identifier: MPL-2.0 */
/* DHCID computation; see dhcid.h. */
#include <string.h>

#include <ldns/ldns.h>
#include <ldns/sha2.h>

#include "ddns/error.h"
#include "update/dhcid.h"

int ddns_dhcid_compute(enum ddns_id_type id_type, const uint8_t *id, size_t id_len,
                       const char *fqdn, uint8_t out[DDNS_DHCID_LEN])
{
	if (id_type == DDNS_ID_NONE || id_len == 0 || id_len > DDNS_ID_MAX)
		return DDNS_EINVAL;
	ldns_rdf *name = ldns_dname_new_frm_str(fqdn);
	if (name == NULL)
		return DDNS_EINVAL;
	/* Canonical form: lower case (RFC 4701 section 3.5 uses the wire form of the FQDN). */
	ldns_dname2canonical(name);
	uint8_t buf[DDNS_ID_MAX + LDNS_MAX_DOMAINLEN + 1];
	memcpy(buf, id, id_len);
	memcpy(buf + id_len, ldns_rdf_data(name), ldns_rdf_size(name));
	size_t len = id_len + ldns_rdf_size(name);
	ldns_rdf_deep_free(name);
	out[0] = 0;
	out[1] = (uint8_t)id_type;
	out[2] = 1; /* SHA-256 */
	ldns_sha256(buf, (unsigned int)len, out + 3);
	return DDNS_OK;
}
