/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The message catalogue: every log line the plugin writes carries one of these IDs, in Kea's style,
 * so that operators can filter, count and look them up. Each entry is the ID and what it means.
 * The Kea shim registers them with Kea's logger; the text of each line is filled by the engine.
 */
#ifndef DDNS_MESSAGES_H
#define DDNS_MESSAGES_H

#define DDNS_MESSAGES(X)                                                                           \
	X(DDNS_DIRECT_LOADED, "the library is loaded; Kea's own DDNS requests are switched off")   \
	X(DDNS_DIRECT_CONFIG_ERROR,                                                                \
	  "a parameter is wrong; load() fails and Kea refuses the config")                         \
	X(DDNS_DIRECT_CALLOUT_ERROR, "a callout hit an unexpected error; DHCP is not affected")    \
	X(DDNS_DIRECT_SUBMIT_FAILED, "a lease event could not be queued (stopping, or no memory)") \
	X(DDNS_DIRECT_UPDATE_SUCCESS, "a record change was applied: name, zone, server, duration") \
	X(DDNS_DIRECT_UPDATE_TARGET_FAILED,                                                        \
	  "a server did not take a change; the next one is tried")                                 \
	X(DDNS_DIRECT_UPDATE_PREREQUISITE,                                                         \
	  "a server gave a final prerequisite answer to a change")                                 \
	X(DDNS_DIRECT_UPDATE_CONFLICT, "a name belongs to another client or a static entry")       \
	X(DDNS_DIRECT_UPDATE_DENIED, "a server refuses one name alone; given up as a conflict")    \
	X(DDNS_DIRECT_UPDATE_NOT_OURS, "a removal found the record held by another client")        \
	X(DDNS_DIRECT_UPDATE_BATCH_SPLIT, "one UPDATE of several changes failed; each sent alone") \
	X(DDNS_DIRECT_UPDATE_EXCLUDED, "a change was skipped: its zone has \"update\": false")     \
	X(DDNS_DIRECT_UPDATE_NO_TARGET, "no zone or server could be found for a change; retried")  \
	X(DDNS_DIRECT_UPDATE_GIVEN_UP, "a removal of a record never recorded as published failed") \
	X(DDNS_DIRECT_ZONE_REDISCOVER, "a server said it is not authoritative; zone rediscovered") \
	X(DDNS_DIRECT_CLASSLESS_CHECK_FAILED, "the RFC 2317 CNAME check failed; retried")          \
	X(DDNS_DIRECT_NAME_REFUSED, "a client's name breaks the host-name rules; not published")   \
	X(DDNS_DIRECT_NAME_NOT_ALLOWED, "a client's name is outside the allowed zones")            \
	X(DDNS_DIRECT_NO_CLIENT_IDENTITY,                                                          \
	  "a lease has no client identity; published without DHCID")                               \
	X(DDNS_DIRECT_ALREADY_PUBLISHED, "a renewal changes nothing; nothing is sent")             \
	X(DDNS_DIRECT_LOOKUP, "a lookup to a resolver and what came back")                         \
	X(DDNS_DIRECT_LOOKUP_FAILED, "a resolver did not answer usefully; the next is tried")      \
	X(DDNS_DIRECT_ZONE_FOUND, "discovery found a name's zone and its MNAME")                   \
	X(DDNS_DIRECT_ZONE_WALK_UP, "no usable SOA for a name; its parent is tried")               \
	X(DDNS_DIRECT_ZONE_NOT_FOUND, "no zone found up to the root (or only the root)")           \
	X(DDNS_DIRECT_ZONE_LOOKUP_FAILED, "no resolver answered for a zone; retried later")        \
	X(DDNS_DIRECT_MNAME_UNUSABLE, "a zone's MNAME is '.' or empty; its NS set is used")        \
	X(DDNS_DIRECT_NS_LOOKUP_FAILED, "a zone's NS lookup failed; going on with the MNAME")      \
	X(DDNS_DIRECT_SERVER_ALIAS, "a server name is an alias; followed")                         \
	X(DDNS_DIRECT_SERVER_NO_ADDRESS, "a server name has no address; skipped")                  \
	X(DDNS_DIRECT_TARGET_FOUND, "discovery found an update target of a zone")                  \
	X(DDNS_DIRECT_CLASSLESS_ALIAS, "a reverse name is an RFC 2317 alias; the PTR goes there")  \
	X(DDNS_DIRECT_DISCOVERY_BACKOFF, "a recent discovery failure is not retried yet")          \
	X(DDNS_DIRECT_CACHE_FORGOTTEN, "the discovery cache (or one zone in it) was dropped")      \
	X(DDNS_DIRECT_STATE_RESUMED, "work left by the last run is resumed from state-dir")        \
	X(DDNS_DIRECT_STATE_DAMAGED, "a state-dir file is damaged; set aside, the rest is used")   \
	X(DDNS_DIRECT_STATE_UNKNOWN_RECORDS, "state-dir records of an unknown kind were ignored")  \
	X(DDNS_DIRECT_STATE_COMPACTED,                                                             \
	  "state-dir was rewritten to what is live; its size is given")                            \
	X(DDNS_DIRECT_STATE_RECOVERED, "state-dir takes writes again; the state was rewritten")    \
	X(DDNS_DIRECT_STATE_UPGRADED, "state-dir of an earlier release was read and converted")    \
	X(DDNS_DIRECT_STATE_FORMAT_UNKNOWN,                                                        \
	  "state-dir was written by a newer release; not used, kept")                              \
	X(DDNS_DIRECT_STATE_READ_FAILED, "a state-dir file could not be read")                     \
	X(DDNS_DIRECT_STATE_WRITE_FAILED, "state-dir could not be written; work kept in memory")   \
	X(DDNS_DIRECT_STATE_RESERVE_RELEASED,                                                      \
	  "state-dir was full; the space it held in reserve was given back to go on")              \
	X(DDNS_DIRECT_BACKLOG, "max-queue changes are owed; new events wait on disk meanwhile")    \
	X(DDNS_DIRECT_EVENT_DROPPED, "a lease event was lost: memory queue and disk both full")    \
	X(DDNS_DIRECT_OUT_OF_MEMORY, "out of memory; what was lost is named")                      \
	X(DDNS_DIRECT_RESYNC, "a resync compared the lease database with what is published")       \
	X(DDNS_DIRECT_GSS_NEGOTIATED, "a GSS-TSIG key was negotiated with an update target")       \
	X(DDNS_DIRECT_GSS_BADKEY, "a server lost its GSS-TSIG key; a new one is negotiated")       \
	X(DDNS_DIRECT_GSS_FRESH_TICKET, "GSS-TSIG failed: fresh tickets, one more negotiation")    \
	X(DDNS_DIRECT_TSIG_NONSTANDARD, "a server signs replies as Samba does (accepted)")         \
	X(DDNS_DIRECT_ZONE_NO_DHCID, "a zone has no DHCID: its names get TXT marks")               \
	X(DDNS_DIRECT_HA_PARTNER, "Kea HA is loaded: removals of the partner's leases are owed")   \
	X(DDNS_DIRECT_LEASE_OVER, "a grant replayed after a restart was for a lease now ended")    \
	X(DDNS_DIRECT_HA_TAKEOVER, "the HA partner is down; DNS reconciled with the lease table")  \
	X(DDNS_DIRECT_THREAD_PRIORITY, "a DNS thread could not lower its priority below Kea's")    \
	X(DDNS_DIRECT_RESYNC_FAILED, "a resync stopped before it finished")                        \
	X(DDNS_DIRECT_RESYNC_NOT_RECORDED, "a name to withdraw is no longer recorded; left alone") \
	X(DDNS_DIRECT_SUMMARY, "what the plugin did in the last interval, and what it owes")       \
	X(DDNS_DIRECT_STOPPING, "the engine stops; what is owed stays in state-dir")

#endif
