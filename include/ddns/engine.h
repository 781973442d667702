/* SPDX-License-Identifier: MPL-2.0 */
/*
 * The update engine's API as the Kea shim (or any other host) uses it. The engine owns a worker
 * thread that turns lease events into DNS UPDATE messages; submitting an event only copies it into
 * a queue, so the caller never waits on DNS.
 */
#ifndef DDNS_ENGINE_H
#define DDNS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddns/error.h"
#include "ddns/lease.h"
#include "ddns/log.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ddns_engine ddns_engine;

/* How the engine talks to DNS servers; tests supply a fake one. Defined in transport/transport.h.
 */
struct ddns_transport;

/* The GSS-API mechanism GSS-TSIG uses; tests supply a fake one. Defined in gss/mech.h. */
struct ddns_gss_mech;

struct ddns_engine_opts {
	const struct ddns_transport *transport; /* NULL: real UDP/TCP sockets; borrowed */
	const struct ddns_gss_mech *gss_mech;   /* NULL: Kerberos (with "gss-tsig"); borrowed */
	const char *resolv_conf;                /* NULL: "/etc/resolv.conf" */
	int timeout_ms;                         /* per exchange; 0: 2000 */
	int retry_min_ms;                       /* first retry delay; 0: 1000 */
	int retry_max_ms;                       /* retry delay cap; 0: 60000 */
	uint64_t state_segment_bytes;           /* events file size that starts a new one; 0:
	                                           4 MiB */
	uint64_t state_rewrite_bytes;           /* state file size worth a rewrite; 0: 4 MiB */
};

struct ddns_engine_stats {
	uint64_t events;         /* events accepted by ddns_engine_submit */
	uint64_t updates;        /* UPDATE messages sent (each target tried counts) */
	uint64_t succeeded;      /* record changes applied */
	uint64_t failed;         /* record changes given up on a final answer */
	uint64_t conflicts;      /* of those, names held by another client or a static entry */
	uint64_t retries;        /* record changes scheduled for another attempt */
	uint64_t pending;        /* record changes waiting (queued or for a retry) */
	uint64_t skipped;        /* changes not needed: zone excluded, nothing published */
	uint64_t invalid;        /* events refused because of a bad name */
	uint64_t journal_errors; /* writes to state-dir that failed (the work stays in memory) */
	uint64_t spilled;        /* events kept on disk only because the memory queue was full */
	uint64_t dropped;        /* events lost: queue full and state-dir unwritable; must stay 0 */
	uint64_t refused;        /* attempts answered REFUSED */
	uint64_t notauth;        /* attempts answered NOTAUTH or NOTZONE */
	uint64_t servfail;       /* attempts answered SERVFAIL */
	uint64_t timeouts;       /* attempts that got no reply (or no connection) */
	uint64_t tsig; /* attempts whose reply failed TSIG, or whose GSS-TSIG key failed */
	uint64_t tsig_nonstandard;  /* replies accepted whose TSIG leaves out the request MAC's
	                               length (Samba) */
	uint64_t unauthenticated;   /* error replies that were the request sent back unsigned
	                               (Samba): taken as that error, never as success */
	uint64_t discoveries;       /* zone discoveries made (cache misses) */
	uint64_t gss_negotiations;  /* GSS-TSIG keys negotiated (TKEY exchanges completed) */
	uint64_t cache_hits;        /* names located from the discovery cache */
	uint64_t callout_median_ns; /* Kea callout cost (ddns_engine_note_callout), median */
	uint64_t callout_p99_ns;    /* and 99th percentile; both within 12.5 %, never understated */
	uint64_t state_bytes;       /* state-dir's files now (as of the worker's last round) */
	uint64_t state_bytes_written; /* bytes written to state-dir since the engine started */
};

/*
 * Creates an engine from the plugin parameters (JSON text of an object) and starts its worker.
 * opts may be NULL. On success stores the engine in *out and returns DDNS_OK. On failure returns
 * DDNS_ECONFIG (err holds one sentence naming the bad parameter, never a secret), DDNS_ENOMEM, or
 * an errno code when the thread cannot start. Thread: any; one engine per host is the norm.
 */
int ddns_engine_new(const char *params_json, const struct ddns_engine_opts *opts, ddns_engine **out,
                    char *err, size_t errlen);

/*
 * Writes ev to state-dir and queues it (in memory, or on disk only once "max-queue" events are
 * waiting) and wakes the worker. Never blocks on DNS. Returns DDNS_OK, DDNS_ESHUTDOWN once the
 * engine is stopping, DDNS_ENOMEM, or DDNS_EQFULL when the event is lost (memory queue full and
 * state-dir unwritable; counted and logged). Thread: any, concurrently.
 */
int ddns_engine_submit(ddns_engine *engine, const struct ddns_lease_event *ev);

/*
 * Waits until nothing is queued or being processed and no retry is due within timeout_ms, or the
 * timeout passes. Returns DDNS_OK when idle, DDNS_ETIMEOUT otherwise. For tests and shutdown.
 */
int ddns_engine_wait_idle(ddns_engine *engine, int timeout_ms);

/* Copies the counters. Thread: any. */
void ddns_engine_get_stats(ddns_engine *engine, struct ddns_engine_stats *out);

/* Counts one Kea callout that took ns nanoseconds; the shim measures each callout around all of
 * its work, so that the callout cost shows in the statistics. Thread: any; lock-free. */
void ddns_engine_note_callout(ddns_engine *engine, uint64_t ns);

/* Makes every change waiting for a retry due now. Thread: any. */
void ddns_engine_flush(ddns_engine *engine);

/*
 * Says whether another DHCP server (a Kea High Availability partner) may have published leases
 * this engine sees end. Then a lease that ends without a record of this engine publishing it is
 * still removed as owed work, retried until DNS answers, because the server that published it may
 * never see it end (with a shared lease database only one server reclaims each lease). Without a
 * partner such a removal is one best-effort attempt. Off at start. Thread: any.
 */
void ddns_engine_set_partnered(ddns_engine *engine, bool partnered);

/* Forgets what discovery cached for zone (a name), or for every zone when zone is NULL. Returns
 * DDNS_OK or DDNS_EBADNAME. Thread: any. */
int ddns_engine_rediscover(ddns_engine *engine, const char *zone);

/*
 * Reads up to max leases of the lease database into out, continuing after those of the previous
 * call: kind DDNS_LEASE_GRANTED, forward and reverse as the host decides (normally both true: the
 * configuration's "forward"/"reverse" still apply), the name in fqdn (empty when it has none), the
 * client identity for DHCID. Only leases in use (not declined, not reclaimed). Returns the number
 * read, 0 once all were read, or a negative ddns_error.
 */
typedef int (*ddns_lease_reader)(void *ctx, struct ddns_lease_event *out, size_t max);

/* The lease database as a resync reads it. */
struct ddns_lease_source {
	ddns_lease_reader read; /* the leases, a page at a time */
	/* Whether a lease in use holds address (4 bytes for AF_INET, 16 for AF_INET6) now: 1, 0,
	 * or a negative ddns_error. */
	int (*held)(void *ctx, int family, const uint8_t *address);
	/* What the last failure of read or held was, for the log line; NULL: the error's text. */
	const char *(*why)(void *ctx);
	void *ctx; /* passed to each */
};

struct ddns_resync_report {
	uint64_t leases;    /* leases read from the lease database */
	uint64_t recorded;  /* addresses of the family recorded as published when it began */
	uint64_t published; /* leases submitted for publication */
	uint64_t withdrawn; /* recorded names submitted for withdrawal: no lease holds them */
};

/*
 * Begins reconciling DNS with the lease database of one family (AF_INET or AF_INET6): each lease
 * with a name the plugin has not recorded as published (all of them with force, which re-sends
 * even what is recorded, as after restoring a zone from a backup) is submitted for publication,
 * and each recorded name that no lease holds any more is submitted for withdrawal; that work then
 * runs like any other (journaled, retried). The work is done by ddns_engine_resync_step, a slice
 * at a time, so that the host can go on serving between slices. On DDNS_OK, *number is the
 * resync's number (struct ddns_resync_status); other returns: DDNS_EBUSY (one is running),
 * DDNS_ENOMEM or DDNS_EINVAL (family). Thread: the one that steps it, not the worker.
 */
int ddns_engine_resync_start(ddns_engine *engine, int family, bool force, uint64_t *number);

/*
 * Does at most about max_leases leases' worth of the running resync: reads pages from src and
 * submits what differs; once every lease was read, asks src whether each recorded name that no
 * lease held then is still without one (it may have been granted again meanwhile), and submits
 * the withdrawal of those that are. Nothing is withdrawn unless every lease was read. Returns 1
 * while work remains, 0 when it finished or none runs, or a negative ddns_error when it stopped
 * (the reader's or held's error, DDNS_ENOMEM, or that of ddns_engine_submit). The end is logged
 * (DDNS_DIRECT_RESYNC or DDNS_DIRECT_RESYNC_FAILED). Thread: the one that started it; it does not
 * wait for DNS.
 */
int ddns_engine_resync_step(ddns_engine *engine, const struct ddns_lease_source *src,
                            size_t max_leases);

enum ddns_resync_state {
	DDNS_RESYNC_NONE,    /* none has run since the engine started */
	DDNS_RESYNC_RUNNING, /* being stepped */
	DDNS_RESYNC_DONE,    /* the last one finished */
	DDNS_RESYNC_FAILED,  /* the last one stopped on error */
};

/* The running resync, or the last one. */
struct ddns_resync_status {
	enum ddns_resync_state state;
	uint64_t number;                  /* resyncs started since the engine started */
	bool force;                       /* it re-sends what is recorded */
	int error;                        /* why it stopped (DDNS_RESYNC_FAILED), else DDNS_OK */
	struct ddns_resync_report report; /* its figures so far */
};

/* One counter of struct ddns_engine_stats and the name it is reported under: Kea's statistic
 * "ddns-direct.<name>" and the member of the same name in ddns-direct-status. */
struct ddns_engine_counter {
	const char *name; /* e.g. "lease-events" */
	size_t offset;    /* offsetof(struct ddns_engine_stats, member) */
};

/* Every counter of struct ddns_engine_stats, in its order. */
extern const struct ddns_engine_counter ddns_engine_counters[];
extern const size_t ddns_engine_n_counters;

/* The value of counter c in st. */
static inline uint64_t ddns_engine_counter_value(const struct ddns_engine_stats *st,
                                                 const struct ddns_engine_counter *c)
{
	return *(const uint64_t *)(const void *)((const char *)st + c->offset);
}

#define DDNS_STATUS_TARGETS_MAX 16

/* A zone discovery has cached, and where its updates go. */
struct ddns_zone_status {
	char zone[256];       /* the zone's name, absolute */
	int64_t cached_for_s; /* seconds before it is discovered again */
	size_t n_targets;     /* targets below, in the order they are tried */
	struct {
		char name[256];   /* the server's host name */
		char address[64]; /* its address as text ("[v6]:port" when the port is not 53) */
	} targets[DDNS_STATUS_TARGETS_MAX];
};

struct ddns_engine_status {
	struct ddns_engine_stats stats;   /* every counter */
	uint64_t queued_events;           /* lease events in the memory queue */
	int64_t oldest_pending_age_s;     /* age of the oldest change owed; 0: none */
	struct ddns_zone_status *zones;   /* the discovery cache; owned, freed with the status */
	size_t n_zones;                   /* entries in zones */
	struct ddns_resync_status resync; /* the running or last reconciliation */
};

/*
 * Fills *out with the engine's state: counters, queue depth, the oldest change owed, each cached
 * zone with its targets, and the running or last resync. Returns DDNS_OK or DDNS_ENOMEM (then *out
 * holds nothing to free). Free with ddns_engine_status_free. Thread: any.
 */
int ddns_engine_get_status(ddns_engine *engine, struct ddns_engine_status *out);

/* Frees what ddns_engine_status allocated in st (not st itself). */
void ddns_engine_status_free(struct ddns_engine_status *st);

/* Stops intake, joins the worker and frees everything; NULL is ignored. Work still pending is
 * logged with its count. Thread: not the worker. */
void ddns_engine_free(ddns_engine *engine);

#ifdef __cplusplus
}
#endif

#endif
