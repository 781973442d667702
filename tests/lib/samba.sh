# SPDX-License-Identifier: MPL-2.0
# A Samba Active Directory domain controller (internal DNS, "secure only" zones) on a loopback
# address of the lab, for GSS-TSIG tests against AD. Source after lab.sh; call samba_dc_start inside
# lab_enter. Nothing of the host's Samba or Kerberos files is read or written: the lab mounts empty
# folders over Samba's fixed directories (winbindd ignores smb.conf for some of its files).

SAMBA_REALM=AD.TEST
SAMBA_DOMAIN=ad.test
SAMBA_ADMIN_PASSWORD="Lab-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')-1a"

# samba_dc_start ADDR: provisions the domain (DC dc1.ad.test at ADDR), starts samba, creates the
# reverse zone 10.in-addr.arpa, an account "dhcpduser" whose key is in $LAB_DIR/samba/dhcp.keytab,
# and $LAB_DIR/samba/krb5.conf (KRB5_CONFIG is exported to it: the KDC is the DC).
samba_dc_start() {
	local addr=$1 dir="$LAB_DIR/samba"
	mkdir -p "$dir"
	local d
	for d in /etc/samba /var/lib/samba /var/cache/samba /var/log/samba /run/samba; do
		mkdir -p "$d"
		mount -t tmpfs tmpfs "$d"
	done
	samba-tool domain provision --realm="$SAMBA_REALM" --domain=AD --server-role=dc \
		--dns-backend=SAMBA_INTERNAL --host-name=dc1 --host-ip="$addr" --targetdir="$dir" \
		--adminpass="$SAMBA_ADMIN_PASSWORD" --option="dns forwarder=" \
		--option="interfaces=$addr" --option="bind interfaces only=yes" \
		>"$dir/provision.log" 2>&1 || lab_fail "samba provisioning failed: $(tail -n 5 "$dir/provision.log")"
	cat >"$dir/krb5.conf" <<CONF
[libdefaults]
	default_realm = $SAMBA_REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
[realms]
	$SAMBA_REALM = {
		kdc = $addr
	}
CONF
	export KRB5_CONFIG="$dir/krb5.conf"
	SAMBA_ADDR=$addr
	samba_dc_run
	{
		samba_tool user create dhcpduser --random-password &&
			samba_tool user setexpiry dhcpduser --noexpiry &&
			samba_tool domain exportkeytab "$dir/dhcp.keytab" --principal="dhcpduser@$SAMBA_REALM" &&
			samba_admin dns zonecreate "$addr" 10.in-addr.arpa
	} >"$dir/setup.log" 2>&1 || lab_fail "samba setup failed: $(tail -n 5 "$dir/setup.log")"
	chmod 600 "$dir/dhcp.keytab"
}

# samba_tool ARGS...: samba-tool on the lab's domain; samba_admin ARGS...: the same as the
# domain's Administrator (for the DNS commands, which go through the DC's RPC server).
samba_tool() { samba-tool "$@" --configfile="$LAB_DIR/samba/etc/smb.conf"; }
samba_admin() { samba_tool "$@" -U Administrator --password="$SAMBA_ADMIN_PASSWORD"; }

# samba_dc_run: starts the provisioned DC and returns once its DNS answers.
samba_dc_run() {
	rm -f /run/samba/*.pid
	lab_spawn samba samba -F --configfile="$LAB_DIR/samba/etc/smb.conf"
	lab_wait 60 dig @"$SAMBA_ADDR" +time=1 +tries=1 +short SOA "$SAMBA_DOMAIN" ||
		lab_fail "samba on $SAMBA_ADDR did not answer: $(tail -n 5 "$LAB_DIR/samba.log")"
	# winbindd starts a session of its own: every process with a PID file is stopped by PID too.
	SAMBA_PIDS=()
	local pid
	for pid in $(cat /run/samba/*.pid 2>/dev/null); do
		[ "$pid" = "$PID_samba" ] || { SAMBA_PIDS+=("$pid"); LAB_PIDS+=("$pid"); }
	done
}

# samba_dc_restart: stops every process of the DC by PID and starts it again on the same domain
# (what a DC's reboot does to the keys it negotiated: they are gone).
samba_dc_restart() {
	local pid
	for pid in "$PID_samba" "${SAMBA_PIDS[@]}"; do lab_stop "$pid"; done
	samba_dc_run
}
