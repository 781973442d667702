/* SPDX-License-Identifier: MPL-2.0 */
/*
 * A scripted DNS server behind the transport seam. Each exchange consumes the first scripted reply
 * that matches it (or, when none does, answers NOERROR, signed when a key is set) and records the
 * query, the server it was sent to and whether it went over TCP, so tests can assert on exact
 * messages.
 */
#ifndef FAKE_DNS_H
#define FAKE_DNS_H

#include <pthread.h>
#include <stdbool.h>

#include <ldns/ldns.h>

#include "config/config.h"
#include "transport/transport.h"

struct fake_reply {
	int transport_error; /* non-zero: the exchange fails with this code, no reply */
	int delay_ms;        /* answer only after this long (a slow server) */
	int rcode;           /* RCODE of the reply */
	bool unsigned_reply; /* leave the reply unsigned even when a key is set */
	bool bad_mac;        /* sign, then corrupt the MAC */
	int tsig_error;      /* set this TSIG error field */
	bool truncated;      /* set TC, on UDP or TCP alike */
	bool wrong_question; /* answer a different zone name */
	bool wrong_id;       /* answer with another message ID */
	bool garbage;        /* return bytes that are not a DNS message */
	bool bare_mac;       /* sign over the request MAC without its length, as Samba does */
	bool echo;           /* send the request back with QR and rcode set, as Samba refuses */
	/* Answers for lookups: records added to the answer/authority sections, in zone-file text,
	 * separated by newlines. */
	const char *answer;
	const char *authority;
	/* Which message it answers: the first, in arrival order, whose question is qname (and of
	 * type qtype unless 0) and that went to server (address text); a NULL or 0 member matches
	 * anything. Replies are tried in push order, so one without these answers whatever comes
	 * next that no earlier reply was waiting for. */
	const char *qname;
	int qtype;
	const char *server;
};

#define FAKE_MAX 1024

struct fake_dns {
	struct ddns_transport transport; /* hand &fake.transport to the code under test */
	const struct ddns_tsig_key *key; /* signs replies; NULL: unsigned server */
	/* An UPDATE touching this name that no scripted reply answers is sent back with deny_rcode,
	 * as Samba (SERVFAIL, the default) and Windows (REFUSED) refuse another account's record;
	 * NULL: none. */
	const char *deny_owner;
	int deny_rcode;
	/* An UPDATE with a DHCID record is sent back with NOTIMP, as Samba answers. */
	bool no_dhcid;
	pthread_mutex_t lock;
	struct fake_reply script[FAKE_MAX];
	bool used[FAKE_MAX]; /* which replies were sent */
	size_t n_script;
	ldns_pkt *queries[FAKE_MAX];        /* every query received, parsed */
	struct ddns_addr servers[FAKE_MAX]; /* where each query went */
	bool tcp[FAKE_MAX];                 /* whether each went over TCP */
	size_t n_queries;
};

/* The request sent back as its reply, QR and rcode set, its TSIG untouched: how Samba refuses. */
void fake_echo(const uint8_t *query, size_t qlen, int rcode, uint8_t *reply, size_t *reply_len);

void fake_dns_init(struct fake_dns *f, const struct ddns_tsig_key *key);
void fake_dns_deinit(struct fake_dns *f);
void fake_dns_push(struct fake_dns *f, struct fake_reply reply);
size_t fake_dns_count(struct fake_dns *f);

/* Asserts that query i is an UPDATE for zone whose update section has, in order, the records in
 * the newline-separated zone-file text (class ANY/NONE written out, empty rdata as "\\# 0", e.g.
 * "a.b. 0 ANY A \\# 0"). */
void assert_update(struct fake_dns *f, size_t i, const char *zone, const char *records);

/* Update-section records of type and class at owner in the messages from index from on. */
size_t fake_dns_update_records(struct fake_dns *f, size_t from, const char *owner,
                               ldns_rr_type type, ldns_rr_class klass);

/* Asserts query i's prerequisite section, in the same notation ("" for none). */
void assert_prereq(struct fake_dns *f, size_t i, const char *records);

/* Index of the nth query (from 0) whose zone (question) is zone; fails the test if none. Changes
 * to different zones go out concurrently, so tests find them by zone rather than by position. */
size_t fake_dns_find(struct fake_dns *f, const char *zone, size_t nth);

/* Index of the nth message (from 0) asking qname (of type qtype unless 0) that went to server
 * (any when NULL); fails the test if there is none. */
size_t fake_dns_find_query(struct fake_dns *f, const char *qname, int qtype, const char *server,
                           size_t nth);

/* A fresh private state-dir for an engine under test (in out, 64 bytes), and its removal. */
void fake_state_dir(char out[64]);
void fake_state_dir_remove(const char *dir);
/* The bytes of the files in dir, and how many there are. */
uint64_t fake_state_dir_bytes(const char *dir, int *files);

/* A message count within [lo, hi]: cmocka 2 (Debian testing) deprecates assert_in_range for
 * assert_uint_in_range, which cmocka 1.1 (Debian 12 and 13) lacks. */
#ifdef assert_uint_in_range
#define assert_count_in_range(count, lo, hi) assert_uint_in_range(count, lo, hi)
#else
#define assert_count_in_range(count, lo, hi) assert_in_range(count, lo, hi)
#endif

#endif
