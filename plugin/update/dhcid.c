/* SPDX-License-Identifier: MPL-2.0 */
/* DHCID computation; see dhcid.h. */
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "ddns/error.h"
#include "update/dhcid.h"
#include "util/name.h"

/* SHA-256, looked up once: OpenSSL 3 looks an algorithm up by name for each SHA256() call, which
 * cost more than the hash of a name. */
static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int ddns_dhcid_compute(enum ddns_id_type id_type, const uint8_t *id, size_t id_len,
                       const char *fqdn, uint8_t out[DDNS_DHCID_LEN])
{
	if (id_type == DDNS_ID_NONE || id_len == 0 || id_len > DDNS_ID_MAX)
		return DDNS_EINVAL;
	uint8_t buf[DDNS_ID_MAX + DDNS_NAME_WIRE_MAX];
	memcpy(buf, id, id_len);
	size_t name_len = ddns_name_wire(fqdn, buf + id_len);
	if (name_len == 0)
		return DDNS_EINVAL;
	pthread_once(&sha256_once, fetch_sha256);
	if (sha256 == NULL || !EVP_Digest(buf, id_len + name_len, out + 3, NULL, sha256, NULL))
		return DDNS_ENOMEM;
	out[0] = 0;
	out[1] = (uint8_t)id_type;
	out[2] = 1; /* SHA-256 */
	return DDNS_OK;
}
