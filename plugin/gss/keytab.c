/* SPDX-License-Identifier: MPL-2.0 */
/* Keytab checks with the Kerberos library; see keytab.h. */
#include <krb5.h>
#include <stdio.h>
#include <unistd.h>

#include "ddns/error.h"
#include "gss/keytab.h"

int ddns_gss_check_keytab(const char *keytab, const char *principal, const char **field, char *why,
                          size_t whylen)
{
	*field = "keytab";
	if (access(keytab, R_OK) != 0) {
		snprintf(why, whylen, "cannot read '%s': %m", keytab);
		return DDNS_ECONFIG;
	}
	krb5_context ctx;
	if (krb5_init_context(&ctx) != 0) {
		snprintf(why, whylen, "cannot start the Kerberos library (check KRB5_CONFIG)");
		return DDNS_ECONFIG;
	}
	char name[4200];
	snprintf(name, sizeof(name), "FILE:%s", keytab);
	krb5_keytab kt = NULL;
	krb5_principal princ = NULL;
	krb5_keytab_entry entry;
	krb5_error_code err = krb5_kt_resolve(ctx, name, &kt);
	int rc = DDNS_ECONFIG;
	if (err != 0) {
		const char *msg = krb5_get_error_message(ctx, err);
		snprintf(why, whylen, "'%s' is not a keytab: %s", keytab, msg);
		krb5_free_error_message(ctx, msg);
	} else if ((err = krb5_parse_name(ctx, principal, &princ)) != 0) {
		*field = "principal";
		snprintf(why, whylen, "'%s' is not a Kerberos principal name", principal);
	} else if ((err = krb5_kt_get_entry(ctx, kt, princ, 0, 0, &entry)) != 0) {
		const char *msg = krb5_get_error_message(ctx, err);
		if (err == KRB5_KT_NOTFOUND) {
			*field = "principal";
			snprintf(why, whylen, "keytab '%s' holds no key for '%s'", keytab,
			         principal);
		} else {
			snprintf(why, whylen, "cannot read a key for '%s' from '%s': %s", principal,
			         keytab, msg);
		}
		krb5_free_error_message(ctx, msg);
	} else {
		krb5_free_keytab_entry_contents(ctx, &entry);
		rc = DDNS_OK;
	}
	if (princ != NULL)
		krb5_free_principal(ctx, princ);
	if (kt != NULL)
		krb5_kt_close(ctx, kt);
	krb5_free_context(ctx);
	return rc;
}
