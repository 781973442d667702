/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The Kerberos GSS-API mechanism; see mech.h. Credentials are acquired with
 * gss_acquire_cred_from() and a client_keytab/ccache store for each negotiation: MIT's library
 * then gets a ticket from the keytab when the cache holds none that is still valid, which is how
 * the ticket is renewed before it expires without kinit or environment variables.
 */
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ddns/error.h"
#include "gss/mech.h"
#include "transport/tsig.h"

/* SPNEGO (1.3.6.1.5.5.2), which Active Directory requires and BIND accepts. */
static gss_OID_desc spnego_oid = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};

struct kerberos {
	struct ddns_gss_mech mech;
	const struct ddns_gss_cfg *cfg;
	char keytab[PATH_MAX + 8];
	char ccache[PATH_MAX + 8];
};

struct context {
	gss_ctx_id_t ctx;
	gss_cred_id_t cred;
	gss_name_t target;
};

/* The mechanism's explanation of major/minor, appended to prefix. */
static void explain(OM_uint32 major, OM_uint32 minor, const char *prefix, char *why, size_t whylen)
{
	size_t used = (size_t)snprintf(why, whylen, "%s", prefix);
	const struct {
		OM_uint32 code;
		int type;
	} parts[] = {{major, GSS_C_GSS_CODE}, {minor, GSS_C_MECH_CODE}};
	for (size_t i = 0; i < 2 && used < whylen; i++) {
		OM_uint32 ctx = 0, min;
		gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
		if (parts[i].code == 0 && i == 1)
			break;
		do {
			if (GSS_ERROR(gss_display_status(&min, parts[i].code, parts[i].type,
			                                 GSS_C_NO_OID, &ctx, &text)))
				break;
			used += (size_t)snprintf(why + used, whylen - used, ": %.*s",
			                         (int)text.length, (const char *)text.value);
			gss_release_buffer(&min, &text);
		} while (ctx != 0 && used < whylen);
	}
}

static int acquire(struct kerberos *k, struct context *c, char *why, size_t whylen)
{
	OM_uint32 major, minor;
	gss_buffer_desc name = {strlen(k->cfg->principal), k->cfg->principal};
	gss_name_t me = GSS_C_NO_NAME;
	major = gss_import_name(&minor, &name, GSS_KRB5_NT_PRINCIPAL_NAME, &me);
	if (GSS_ERROR(major)) {
		explain(major, minor, "cannot use the principal", why, whylen);
		return DDNS_EGSS;
	}
	gss_key_value_element_desc elements[] = {{"client_keytab", k->keytab},
	                                         {"ccache", k->ccache}};
	gss_key_value_set_desc store = {2, elements};
	major = gss_acquire_cred_from(&minor, me, GSS_C_INDEFINITE, GSS_C_NO_OID_SET,
	                              GSS_C_INITIATE, &store, &c->cred, NULL, NULL);
	OM_uint32 ignored;
	gss_release_name(&ignored, &me);
	if (GSS_ERROR(major)) {
		explain(major, minor, "cannot get credentials from the keytab", why, whylen);
		return DDNS_EGSS;
	}
	return DDNS_OK;
}

static int kerberos_init(void *mctx, void **context, const char *target, const uint8_t *in,
                         size_t in_len, uint8_t **out, size_t *out_len, uint32_t *lifetime_s,
                         char *why, size_t whylen)
{
	struct kerberos *k = mctx;
	struct context *c = *context;
	OM_uint32 major, minor;
	*out = NULL;
	*out_len = 0;
	if (c == NULL) {
		if ((c = *context = calloc(1, sizeof(*c))) == NULL)
			return DDNS_ENOMEM;
		c->ctx = GSS_C_NO_CONTEXT;
		c->cred = GSS_C_NO_CREDENTIAL;
		c->target = GSS_C_NO_NAME;
		int rc = acquire(k, c, why, whylen);
		if (rc != DDNS_OK)
			return rc;
		gss_buffer_desc name = {strlen(target), (void *)target};
		major = gss_import_name(&minor, &name, GSS_KRB5_NT_PRINCIPAL_NAME, &c->target);
		if (GSS_ERROR(major)) {
			explain(major, minor, "cannot use the server's principal", why, whylen);
			return DDNS_EGSS;
		}
	}
	gss_buffer_desc input = {in_len, (void *)in}, output = GSS_C_EMPTY_BUFFER;
	OM_uint32 flags = GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_INTEG_FLAG, lifetime = 0;
	major = gss_init_sec_context(
	    &minor, c->cred, &c->ctx, c->target, &spnego_oid, flags, 0, GSS_C_NO_CHANNEL_BINDINGS,
	    in_len > 0 ? &input : GSS_C_NO_BUFFER, NULL, &output, NULL, &lifetime);
	OM_uint32 ignored;
	if (output.length > 0) {
		if ((*out = malloc(output.length)) == NULL) {
			gss_release_buffer(&ignored, &output);
			return DDNS_ENOMEM;
		}
		memcpy(*out, output.value, output.length);
		*out_len = output.length;
	}
	gss_release_buffer(&ignored, &output);
	if (GSS_ERROR(major)) {
		explain(major, minor, "security context refused", why, whylen);
		return DDNS_EGSS;
	}
	if (major & GSS_S_CONTINUE_NEEDED)
		return DDNS_EAGAIN;
	*lifetime_s = lifetime;
	return DDNS_OK;
}

static int kerberos_get_mic(void *mctx, void *context, const uint8_t *data, size_t len,
                            uint8_t *mic, size_t *mic_len)
{
	struct context *c = context;
	OM_uint32 minor;
	gss_buffer_desc msg = {len, (void *)data}, token = GSS_C_EMPTY_BUFFER;
	OM_uint32 major = gss_get_mic(&minor, c->ctx, GSS_C_QOP_DEFAULT, &msg, &token);
	int rc = DDNS_EGSS;
	if (!GSS_ERROR(major) && token.length <= DDNS_TSIG_MAC_MAX) {
		memcpy(mic, token.value, token.length);
		*mic_len = token.length;
		rc = DDNS_OK;
	}
	gss_release_buffer(&minor, &token);
	return rc;
}

static int kerberos_verify_mic(void *mctx, void *context, const uint8_t *data, size_t len,
                               const uint8_t *mic, size_t mic_len)
{
	struct context *c = context;
	OM_uint32 minor;
	gss_buffer_desc msg = {len, (void *)data}, token = {mic_len, (void *)mic};
	OM_uint32 major = gss_verify_mic(&minor, c->ctx, &msg, &token, NULL);
	/* Out of order is fine (several messages may be in flight); a replay is not. */
	return GSS_ERROR(major) || (major & GSS_S_DUPLICATE_TOKEN) ? DDNS_ETSIG : DDNS_OK;
}

static void kerberos_free_context(void *mctx, void *context)
{
	struct context *c = context;
	OM_uint32 minor;
	if (c == NULL)
		return;
	if (c->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&minor, &c->ctx, GSS_C_NO_BUFFER);
	if (c->cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&minor, &c->cred);
	if (c->target != GSS_C_NO_NAME)
		gss_release_name(&minor, &c->target);
	free(c);
}

/* The credential cache goes, with the service tickets in it: the next context gets a new ticket
 * from the keytab, then new service tickets. A context being built elsewhere meanwhile may fail
 * once, and then forgets too. */
static void kerberos_forget(void *mctx)
{
	struct kerberos *k = mctx;
	unlink(k->cfg->ccache);
}

struct ddns_gss_mech *ddns_gss_kerberos_new(const struct ddns_gss_cfg *cfg)
{
	struct kerberos *k = calloc(1, sizeof(*k));
	if (k == NULL)
		return NULL;
	k->cfg = cfg;
	snprintf(k->keytab, sizeof(k->keytab), "FILE:%s", cfg->keytab);
	snprintf(k->ccache, sizeof(k->ccache), "FILE:%s", cfg->ccache);
	k->mech =
	    (struct ddns_gss_mech){kerberos_init,         kerberos_get_mic, kerberos_verify_mic,
	                           kerberos_free_context, kerberos_forget,  k};
	return &k->mech;
}

void ddns_gss_kerberos_free(struct ddns_gss_mech *mech)
{
	free(mech != NULL ? mech->mctx : NULL);
}
