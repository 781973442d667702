/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The GSS-API calls GSS-TSIG needs, behind a seam: the real one is Kerberos through MIT's GSS-API
 * (kerberos.c); unit tests install a fake mechanism to run negotiation and signing without a KDC.
 */
#ifndef DDNS_GSS_MECH_H
#define DDNS_GSS_MECH_H

#include <stddef.h>
#include <stdint.h>

struct ddns_gss_mech {
	/*
	 * Starts (*context NULL) or continues a security context with the service principal target
	 * ("DNS/ns1.example.com@EXAMPLE.COM"), given the server's last token (in_len 0 at first).
	 * Stores the token to send in *out (malloc'd, caller frees; NULL and 0 when there is none).
	 * Returns DDNS_OK once the context is established (*lifetime_s then says for how long),
	 * DDNS_EAGAIN when the server must answer *out first, DDNS_EGSS with the mechanism's own
	 * words in why (never a key or ticket), or DDNS_ENOMEM. On failure *context may hold a
	 * half-built context, which the caller frees.
	 */
	int (*init)(void *mctx, void **context, const char *target, const uint8_t *in,
	            size_t in_len, uint8_t **out, size_t *out_len, uint32_t *lifetime_s, char *why,
	            size_t whylen);
	/* The MIC of data under context into mic (room for DDNS_TSIG_MAC_MAX bytes). DDNS_OK or
	 * DDNS_EGSS. The context is used by one thread at a time. */
	int (*get_mic)(void *mctx, void *context, const uint8_t *data, size_t len, uint8_t *mic,
	               size_t *mic_len);
	/* Whether mic is the server's MIC of data: DDNS_OK, DDNS_ETSIG (it is not, or a replay). */
	int (*verify_mic)(void *mctx, void *context, const uint8_t *data, size_t len,
	                  const uint8_t *mic, size_t mic_len);
	/* Frees a context; NULL is ignored. */
	void (*free_context)(void *mctx, void *context);
	/* Drops the tickets the mechanism keeps, so that the next context asks the KDC afresh: a
	 * server whose key changed (an AD DC's password rotation) rejects tickets for the old one.
	 * NULL: the mechanism keeps none. Thread: any. */
	void (*forget)(void *mctx);
	void *mctx; /* passed to each */
};

/* The "gss-tsig" block: Kerberos credentials for GSS-TSIG. */
struct ddns_gss_cfg {
	char *keytab;          /* client keytab holding principal */
	char *principal;       /* e.g. "DHCP/kea.example.com@EXAMPLE.COM" */
	const char *realm;     /* its realm, inside principal: the DNS/ principals' realm */
	char *ccache;          /* credential cache file for the tickets got from keytab */
	uint32_t key_lifetime; /* seconds a negotiated key is asked to live */
};

/*
 * The Kerberos mechanism (SPNEGO over krb5) with credentials from cfg's keytab for cfg's
 * principal, kept in cfg's ccache, fetched again from the keytab whenever they near expiry. No
 * process-wide environment is changed. Returns NULL when out of memory. cfg is borrowed.
 */
struct ddns_gss_mech *ddns_gss_kerberos_new(const struct ddns_gss_cfg *cfg);
void ddns_gss_kerberos_free(struct ddns_gss_mech *mech);

#endif
