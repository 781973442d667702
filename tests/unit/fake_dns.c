/* SPDX-License-Identifier: MPL-2.0 */
/* The scripted DNS server; see fake_dns.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "ddns/error.h"
#include "fake_dns.h"

static void add_records(ldns_rr_list *list, const char *text)
{
	if (text == NULL)
		return;
	char *copy = strdup(text), *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		ldns_rr *rr = NULL;
		assert_int_equal(ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_rr_list_push_rr(list, rr);
	}
	free(copy);
}

/* Whether message q, sent to server, is one reply r waits for. */
static bool matches(const struct fake_reply *r, const ldns_pkt *q, const struct ddns_addr *server)
{
	const ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	if (r->server != NULL && strcmp(r->server, server->text) != 0)
		return false;
	if (r->qtype != 0 && (question == NULL || (int)ldns_rr_get_type(question) != r->qtype))
		return false;
	if (r->qname == NULL)
		return true;
	char *name = question != NULL ? ldns_rdf2str(ldns_rr_owner(question)) : NULL;
	bool same = name != NULL && strcasecmp(name, r->qname) == 0;
	free(name);
	return same;
}

/* Whether list has a record of type. */
static bool carries(const ldns_rr_list *list, ldns_rr_type type)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(list, i)) == type)
			return true;
	return false;
}

/* Whether the update section of q has a record at owner (NULL: no). */
static bool touches(const ldns_pkt *q, const char *owner)
{
	if (owner == NULL)
		return false;
	ldns_rdf *name = ldns_dname_new_frm_str(owner);
	const ldns_rr_list *update = ldns_pkt_authority(q);
	bool found = false;
	for (size_t i = 0; i < ldns_rr_list_rr_count(update) && !found; i++)
		found = ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(update, i)), name) == 0;
	ldns_rdf_deep_free(name);
	return found;
}

static int fake_exchange(void *ctx, const struct ddns_addr *server, bool tcp, const uint8_t *query,
                         size_t qlen, uint8_t *reply, size_t *reply_len, int timeout_ms)
{
	struct fake_dns *f = ctx;
	ldns_pkt *q = NULL;
	/* The real transport refuses larger messages. */
	assert_true(qlen <= DDNS_MSG_MAX);
	assert_int_equal(ldns_wire2pkt(&q, query, qlen), LDNS_STATUS_OK);

	pthread_mutex_lock(&f->lock);
	assert_true(f->n_queries < FAKE_MAX);
	f->queries[f->n_queries] = q;
	f->servers[f->n_queries] = *server;
	f->tcp[f->n_queries] = tcp;
	f->n_queries++;
	struct fake_reply r = {0};
	size_t i = 0;
	while (i < f->n_script && (f->used[i] || !matches(&f->script[i], q, server)))
		i++;
	if (i < f->n_script) {
		f->used[i] = true;
		r = f->script[i];
	} else if (touches(q, f->deny_owner)) {
		r = (struct fake_reply){.echo = true,
		                        .rcode = f->deny_rcode != 0 ? f->deny_rcode
		                                                    : LDNS_RCODE_SERVFAIL};
	} else if (f->no_dhcid && (carries(ldns_pkt_answer(q), LDNS_RR_TYPE_DHCID) ||
	                           carries(ldns_pkt_authority(q), LDNS_RR_TYPE_DHCID))) {
		r = (struct fake_reply){.echo = true, .rcode = LDNS_RCODE_NOTIMPL};
	}
	pthread_mutex_unlock(&f->lock);

	if (r.delay_ms > 0)
		usleep((useconds_t)r.delay_ms * 1000);
	if (r.transport_error != 0)
		return r.transport_error;
	if (r.echo) {
		fake_echo(query, qlen, r.rcode, reply, reply_len);
		return DDNS_OK;
	}
	if (r.garbage) {
		memcpy(reply, query, 2);
		memset(reply + 2, 0xff, 10);
		*reply_len = 12;
		return DDNS_OK;
	}
	ldns_pkt *a = ldns_pkt_new();
	ldns_pkt_set_id(a, (uint16_t)(ldns_pkt_id(q) + (r.wrong_id ? 1 : 0)));
	ldns_pkt_set_qr(a, true);
	ldns_pkt_set_opcode(a, ldns_pkt_get_opcode(q));
	ldns_pkt_set_rcode(a, (uint8_t)r.rcode);
	ldns_pkt_set_tc(a, r.truncated);
	ldns_rr *question = ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(q), 0));
	if (r.wrong_question) {
		ldns_rdf_deep_free(ldns_rr_owner(question));
		ldns_rr_set_owner(question, ldns_dname_new_frm_str("elsewhere.example."));
	}
	ldns_pkt_push_rr(a, LDNS_SECTION_QUESTION, question);
	add_records(ldns_pkt_answer(a), r.answer);
	add_records(ldns_pkt_authority(a), r.authority);
	ldns_pkt_set_ancount(a, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_answer(a)));
	ldns_pkt_set_nscount(a, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_authority(a)));
	const ldns_rr *qtsig = ldns_pkt_tsig(q);
	if (f->key != NULL && qtsig != NULL && !r.unsigned_reply) {
		/* ldns writes the request MAC rdf as it is: with its length, or without it. */
		const ldns_rdf *qmac = ldns_rr_rdf(qtsig, 3);
		ldns_rdf *bare = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_HEX, ldns_rdf_size(qmac) - 2,
		                                       ldns_rdf_data(qmac) + 2);
		assert_int_equal(ldns_pkt_tsig_sign(a, f->key->name, f->key->secret, 300,
		                                    f->key->algorithm,
		                                    r.bare_mac ? bare : (ldns_rdf *)qmac),
		                 LDNS_STATUS_OK);
		ldns_rdf_deep_free(bare);
		ldns_rr *tsig = ldns_pkt_tsig(a);
		if (r.tsig_error != 0)
			ldns_rdf_deep_free(ldns_rr_set_rdf(
			    tsig,
			    ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, (uint16_t)r.tsig_error), 5));
		if (r.bad_mac) {
			ldns_rdf *mac = ldns_rr_rdf(tsig, 3);
			ldns_rdf_data(mac)[ldns_rdf_size(mac) - 1] ^= 0x55;
		}
	}
	uint8_t *wire = NULL;
	size_t len = 0;
	assert_int_equal(ldns_pkt2wire(&wire, a, &len), LDNS_STATUS_OK);
	assert_true(len <= DDNS_MSG_MAX);
	memcpy(reply, wire, len);
	*reply_len = len;
	free(wire);
	ldns_pkt_free(a);
	return DDNS_OK;
}

void fake_echo(const uint8_t *query, size_t qlen, int rcode, uint8_t *reply, size_t *reply_len)
{
	memcpy(reply, query, qlen);
	reply[2] |= 0x80;
	reply[3] = (uint8_t)((reply[3] & 0xf0) | (rcode & 0x0f));
	*reply_len = qlen;
}

void fake_dns_init(struct fake_dns *f, const struct ddns_tsig_key *key)
{
	memset(f, 0, sizeof(*f));
	f->transport.exchange = fake_exchange;
	f->transport.ctx = f;
	f->key = key;
	pthread_mutex_init(&f->lock, NULL);
}

void fake_dns_deinit(struct fake_dns *f)
{
	for (size_t i = 0; i < f->n_queries; i++)
		ldns_pkt_free(f->queries[i]);
	pthread_mutex_destroy(&f->lock);
}

void fake_dns_push(struct fake_dns *f, struct fake_reply reply)
{
	pthread_mutex_lock(&f->lock);
	assert_true(f->n_script < FAKE_MAX);
	f->script[f->n_script++] = reply;
	pthread_mutex_unlock(&f->lock);
}

size_t fake_dns_count(struct fake_dns *f)
{
	pthread_mutex_lock(&f->lock);
	size_t n = f->n_queries;
	pthread_mutex_unlock(&f->lock);
	return n;
}

/* Compares a section word by word: ldns separates fields with tabs, writes empty rdata "\\# 0". */
static void assert_section(size_t i, const char *section, const ldns_rr_list *list,
                           const char *records)
{
	char *got = ldns_rr_list2str(list);
	char *want = strdup(records), *s1 = NULL, *s2 = NULL;
	char *g = got, *w = want;
	for (;;) {
		char *gt = strtok_r(g, " \t\n", &s1), *wt = strtok_r(w, " \t\n", &s2);
		g = w = NULL;
		if (gt == NULL || wt == NULL) {
			if (gt != wt)
				fail_msg("%s section of query %zu is\n%s\nwant\n%s", section, i,
				         ldns_rr_list2str(list), records);
			break;
		}
		if (strcmp(gt, wt) != 0)
			fail_msg("%s section of query %zu: got '%s' where '%s' was expected\n%s",
			         section, i, gt, wt, ldns_rr_list2str(list));
	}
	free(want);
	free(got);
}

void assert_update(struct fake_dns *f, size_t i, const char *zone, const char *records)
{
	assert_true(i < fake_dns_count(f));
	const ldns_pkt *q = f->queries[i];
	assert_int_equal(ldns_pkt_get_opcode(q), LDNS_PACKET_UPDATE);
	assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_question(q)), 1);
	const ldns_rr *z = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	char *zname = ldns_rdf2str(ldns_rr_owner(z));
	assert_string_equal(zname, zone);
	free(zname);
	assert_int_equal(ldns_rr_get_type(z), LDNS_RR_TYPE_SOA);
	assert_section(i, "update", ldns_pkt_authority(q), records);
}

void assert_prereq(struct fake_dns *f, size_t i, const char *records)
{
	assert_true(i < fake_dns_count(f));
	assert_section(i, "prerequisite", ldns_pkt_answer(f->queries[i]), records);
}

void fake_state_dir(char out[64])
{
	snprintf(out, 64, "/tmp/ddns-unit-XXXXXX");
	assert_non_null(mkdtemp(out));
}

void fake_state_dir_remove(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		char path[512];
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

uint64_t fake_state_dir_bytes(const char *dir, int *files)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	uint64_t bytes = 0;
	*files = 0;
	while ((de = readdir(d)) != NULL) {
		char path[512];
		struct stat st;
		/* The reserve is space held for a full disk, not state. */
		if (de->d_name[0] == '.' || strcmp(de->d_name, "reserve") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		assert_int_equal(stat(path, &st), 0);
		bytes += (uint64_t)st.st_size;
		(*files)++;
	}
	closedir(d);
	return bytes;
}

size_t fake_dns_find_query(struct fake_dns *f, const char *qname, int qtype, const char *server,
                           size_t nth)
{
	struct fake_reply want = {.qname = qname, .qtype = qtype, .server = server};
	size_t n = fake_dns_count(f), seen = 0;
	for (size_t i = 0; i < n; i++)
		if (matches(&want, f->queries[i], &f->servers[i]) && seen++ == nth)
			return i;
	fail_msg("no message number %zu for %s among %zu", nth, qname, n);
	return 0;
}

size_t fake_dns_find(struct fake_dns *f, const char *zone, size_t nth)
{
	return fake_dns_find_query(f, zone, 0, NULL, nth);
}

size_t fake_dns_update_records(struct fake_dns *f, size_t from, const char *owner,
                               ldns_rr_type type, ldns_rr_class klass)
{
	ldns_rdf *name = ldns_dname_new_frm_str(owner);
	size_t n = 0;
	for (size_t i = from; i < fake_dns_count(f); i++) {
		const ldns_rr_list *update = ldns_pkt_authority(f->queries[i]);
		for (size_t j = 0; j < ldns_rr_list_rr_count(update); j++) {
			const ldns_rr *rr = ldns_rr_list_rr(update, j);
			n += ldns_rr_get_class(rr) == klass && ldns_rr_get_type(rr) == type &&
			     ldns_dname_compare(ldns_rr_owner(rr), name) == 0;
		}
	}
	ldns_rdf_deep_free(name);
	return n;
}
