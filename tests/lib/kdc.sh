# SPDX-License-Identifier: MPL-2.0
# A throwaway MIT Kerberos realm for GSS-TSIG tests. Source after lab.sh; inside lab_enter call
# kdc_start, then kdc_principal for each principal. Everything lives in $LAB_DIR/krb: the system's
# /etc/krb5.conf is never read or written. kdc_start exports KRB5_CONFIG (and the KDC's profile
# and replay-cache directory), so every process the test starts afterwards (named, kea-dhcp4,
# the lease tool) finds the realm there, as it would find it in /etc/krb5.conf on a real host.

KDC_REALM=LAB.TEST

# kdc_start ADDR: creates realm LAB.TEST with its KDC on ADDR:88 and waits until it accepts
# connections.
kdc_start() {
	local addr=$1 dir="$LAB_DIR/krb"
	mkdir -p "$dir/rcache"
	cat >"$dir/krb5.conf" <<CONF
[libdefaults]
	default_realm = $KDC_REALM
	rdns = false
	dns_canonicalize_hostname = false
	dns_lookup_kdc = false
	dns_lookup_realm = false
[realms]
	$KDC_REALM = {
		kdc = $addr:88
	}
CONF
	cat >"$dir/kdc.conf" <<CONF
[kdcdefaults]
	kdc_listen = $addr:88
	kdc_tcp_listen = $addr:88
[realms]
	$KDC_REALM = {
		database_name = $dir/principal
		key_stash_file = $dir/stash
		acl_file = $dir/kadm5.acl
		max_life = ${KDC_MAX_LIFE:-10h}
	}
[logging]
	kdc = FILE:$dir/kdc-detail.log
CONF
	: >"$dir/kadm5.acl"
	export KRB5_CONFIG="$dir/krb5.conf" KRB5_KDC_PROFILE="$dir/kdc.conf" KRB5RCACHEDIR="$dir/rcache"
	kdb5_util create -s -r "$KDC_REALM" -P "$(head -c 24 /dev/urandom | base64)" >"$dir/create.log" 2>&1 ||
		lab_fail "cannot create the realm: $(cat "$dir/create.log")"
	lab_spawn kdc krb5kdc -n -r "$KDC_REALM"
	lab_wait 20 bash -c "exec 3<>/dev/tcp/$addr/88" || lab_fail "the KDC on $addr did not start"
}

# kdc_principal PRINCIPAL KEYTAB: adds PRINCIPAL (realm appended) with a random key and writes its
# key to KEYTAB (mode 0600).
kdc_principal() {
	local principal="$1@$KDC_REALM" keytab=$2
	printf 'addprinc -randkey %s\nktadd -k %s %s\n' "$principal" "$keytab" "$principal" |
		kadmin.local -r "$KDC_REALM" >"$LAB_DIR/krb/kadmin.log" 2>&1 ||
		lab_fail "cannot add $principal: $(cat "$LAB_DIR/krb/kadmin.log")"
	chmod 600 "$keytab"
}
