/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The DHCID record (RFC 4701): which client a name belongs to, without revealing the client's
 * identity. RDATA = identifier type (2 octets), digest type 1 (SHA-256), then
 * SHA-256(identifier || FQDN in canonical wire form).
 */
#ifndef DDNS_DHCID_H
#define DDNS_DHCID_H

#include <stddef.h>
#include <stdint.h>

#include "ddns/lease.h"

/* RDATA length of a SHA-256 DHCID. */
#define DDNS_DHCID_LEN 35

/*
 * Computes the DHCID RDATA for a client identity (id_type and its bytes as in the lease event:
 * for DDNS_ID_HWADDR the htype octet then chaddr) and a normalised FQDN. Writes DDNS_DHCID_LEN
 * bytes to out and returns DDNS_OK, DDNS_ENOMEM when OpenSSL cannot hash (out of memory, or
 * SHA-256 not available), or DDNS_EINVAL when the identity is missing or the name is
 * invalid.
 */
int ddns_dhcid_compute(enum ddns_id_type id_type, const uint8_t *id, size_t id_len,
                       const char *fqdn, uint8_t out[DDNS_DHCID_LEN]);

#endif
