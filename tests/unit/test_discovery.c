/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Discovery rules against scripted resolver replies: where the zone comes from, which SOA is
 * usable, when to walk up, which targets in which order, what is cached and for how long, and
 * that no query ever goes anywhere but the configured resolvers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "ddns/engine.h"
#include "discovery/locate.h"
#include "support.h"

struct fixture {
	struct fake_dns dns;
	char state_dir[64];
	char params[512]; /* engine parameters with only a resolver and the state-dir */
	struct ddns_config *cfg;
	struct ddns_locator *loc;
};

static const char *const params =
    "{ \"resolvers\": [\"127.0.0.53\", \"127.0.0.54\"],"
    "  \"zones\": [ { \"name\": \"pinned.example.\", \"servers\": [\"127.0.0.99\"] } ] }";

/* Engine parameters: the lab resolver, the fixture's state-dir, and one more member. */
static const char *engine_params(struct fixture *fx, const char *member)
{
	snprintf(fx->params, sizeof(fx->params),
	         "{ \"resolvers\": [\"127.0.0.53\"], \"state-dir\": \"%s\", %s }", fx->state_dir,
	         member);
	return fx->params;
}

/* An engine with only a resolver, sending through the fake DNS server; retry_min_ms 0 keeps the
 * engine's default. Owned by the caller. */
static ddns_engine *start_engine(struct fixture *fx, const char *member, int retry_min_ms)
{
	ddns_engine *engine;
	char err[256];
	struct ddns_engine_opts opts = {
	    .transport = &fx->dns.transport, .timeout_ms = 100, .retry_min_ms = retry_min_ms};
	assert_int_equal(
	    ddns_engine_new(engine_params(fx, member), &opts, &engine, err, sizeof(err)), DDNS_OK);
	return engine;
}

static int setup(void **state)
{
	log_capture_start(NULL);
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[256];
	fake_dns_init(&fx->dns, NULL);
	fake_state_dir(fx->state_dir);
	assert_int_equal(ddns_config_parse(params, "/nonexistent", &fx->cfg, err, sizeof(err)),
	                 DDNS_OK);
	fx->loc = ddns_locator_new(fx->cfg, &fx->dns.transport, 100);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	ddns_locator_free(fx->loc);
	ddns_config_free(fx->cfg);
	fake_dns_deinit(&fx->dns);
	fake_state_dir_remove(fx->state_dir);
	free(fx);
	return 0;
}

static void reply(struct fixture *fx, int rcode, const char *answer, const char *authority)
{
	fake_dns_push(&fx->dns, (struct fake_reply){
	                            .rcode = rcode, .answer = answer, .authority = authority});
}

static void noerror(struct fixture *fx, const char *answer)
{
	reply(fx, LDNS_RCODE_NOERROR, answer, NULL);
}

/* Asserts query i asked name/type of server with recursion desired. */
static void assert_query(struct fixture *fx, size_t i, const char *name, ldns_rr_type type,
                         const char *server)
{
	if (i >= fake_dns_count(&fx->dns))
		fail_msg("query %zu (%s) was never sent; %zu sent", i, name,
		         fake_dns_count(&fx->dns));
	const ldns_pkt *q = fx->dns.queries[i];
	const ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	char *qname = ldns_rdf2str(ldns_rr_owner(rr));
	if (strcmp(qname, name) != 0 || ldns_rr_get_type(rr) != type)
		fail_msg("query %zu is %s type %d, expected %s type %d", i, qname,
		         ldns_rr_get_type(rr), name, type);
	free(qname);
	assert_int_equal(ldns_pkt_get_opcode(q), LDNS_PACKET_QUERY);
	assert_true(ldns_pkt_rd(q));
	assert_string_equal(fx->dns.servers[i].text, server);
}

#define SOA(zone, mname) zone " 300 IN SOA " mname " hostmaster." zone " 1 3600 600 86400 60"

/* The KB838151 topology: the primary lives in another domain and is found by asking the
 * resolver for its address, never the primary. */
static void primary_in_another_domain(void **state)
{
	struct fixture *fx = *state;
	struct ddns_target_set ts;
	noerror(fx, SOA("kb.test.", "dc1.other.test."));    /* SOA kb.test. */
	noerror(fx, "kb.test. 300 IN NS dc1.other.test.");  /* NS kb.test. */
	noerror(fx, "dc1.other.test. 300 IN A 127.0.0.21"); /* A dc1.other.test. */
	noerror(fx, NULL);                                  /* AAAA dc1.other.test. */
	assert_int_equal(ddns_locate(fx->loc, "kb.test.", false, &ts), DDNS_OK);
	assert_string_equal(ts.zone, "kb.test.");
	assert_int_equal(ts.n_targets, 1);
	assert_string_equal(ts.targets[0].addr.text, "127.0.0.21");
	assert_string_equal(ts.targets[0].name, "dc1.other.test.");
	assert_true(ts.discovered);
	assert_query(fx, 0, "kb.test.", LDNS_RR_TYPE_SOA, "127.0.0.53");
	assert_query(fx, 1, "kb.test.", LDNS_RR_TYPE_NS, "127.0.0.53");
	assert_query(fx, 2, "dc1.other.test.", LDNS_RR_TYPE_A, "127.0.0.53");
	assert_query(fx, 3, "dc1.other.test.", LDNS_RR_TYPE_AAAA, "127.0.0.53");
	assert_int_equal(fake_dns_count(&fx->dns), 4);
}

static void negative_answer_soa_gives_the_zone(void **state)
{
	struct fixture *fx = *state;
	struct ddns_target_set ts;
	reply(fx, LDNS_RCODE_NXDOMAIN, NULL, SOA("corp.test.", "ns1.corp.test."));
	noerror(fx, "corp.test. 300 IN NS ns1.corp.test.");
	noerror(fx, "ns1.corp.test. 300 IN A 127.0.0.2");
	noerror(fx, "ns1.corp.test. 300 IN AAAA ::1");
	assert_int_equal(ddns_locate(fx->loc, "host.corp.test.", false, &ts), DDNS_OK);
	assert_string_equal(ts.zone, "corp.test.");
	assert_int_equal(ts.n_targets, 2);
	assert_string_equal(ts.targets[0].addr.text, "127.0.0.2");
	assert_string_equal(ts.targets[1].addr.text, "::1");
}

static void soa_of_a_sibling_is_not_usable(void **state)
{
	struct fixture *fx = *state;
	struct ddns_target_set ts;
	/* A broken resolver hands back an unrelated zone's SOA: walk up instead of trusting it. */
	reply(fx, LDNS_RCODE_NXDOMAIN, NULL, SOA("elsewhere.test.", "ns.elsewhere.test."));
	noerror(fx, SOA("corp.test.", "ns1.corp.test."));
	noerror(fx, "corp.test. 300 IN NS ns1.corp.test.");
	noerror(fx, "ns1.corp.test. 300 IN A 127.0.0.2");
	assert_int_equal(ddns_locate(fx->loc, "host.corp.test.", false, &ts), DDNS_OK);
	assert_string_equal(ts.zone, "corp.test.");
	assert_query(fx, 1, "corp.test.", LDNS_RR_TYPE_SOA, "127.0.0.53");
}

static void cname_at_the_name_does_not_move_it(void **state)
{
	struct fixture *fx = *state;
	struct ddns_target_set ts;
	/* alias.cname.test is a CNAME into target.test; the resolver follows it and returns the
	 * target zone's SOA. The name still belongs to cname.test. */
	reply(fx, LDNS_RCODE_NOERROR, "alias.cname.test. 300 IN CNAME www.target.test.",
	      SOA("target.test.", "ns.target.test."));
	noerror(fx, SOA("cname.test.", "ns.cname.test."));
	noerror(fx, "cname.test. 300 IN NS ns.cname.test.");
	noerror(fx, "ns.cname.test. 300 IN A 127.0.0.5");
	assert_int_equal(ddns_locate(fx->loc, "alias.cname.test.", false, &ts), DDNS_OK);
	assert_string_equal(ts.zone, "cname.test.");
	assert_string_equal(ts.targets[0].addr.text, "127.0.0.5");
}

static void cname_to_apex_soa_is_not_used(void **state)
{
	struct fixture *fx = *state;
	struct ddns_target_set ts;
	reply(
	    fx, LDNS_RCODE_NOERROR,
	    "alias.cname.test. 300 IN CNAME target.test.\n" SOA("target.test.", "ns.target.test."),
	    NULL);
	noerror(fx, SOA("cname.test.", "ns.cname.test."));
	noerror(fx, "cname.test. 300 IN NS ns.cname.test.");
	noerror(fx, "ns.cname.test. 300 IN A 127.0.0.5");
	assert_int_equal(ddns_locate(fx->loc, "alias.cname.test.", false, &ts), DDNS_OK);
	assert_string_equal(ts.zone, "cname.test.");
}

static void servfail_is_not_a_reason_to_walk_up(void **state)
{
	struct fixture *fx = *state;
	struct ddns_target_set ts;
	reply(fx, LDNS_RCODE_SERVFAIL, NULL, NULL);
	reply(fx, LDNS_RCODE_SERVFAIL, NULL, NULL);
	assert_int_equal(ddns_locate(fx->loc, "host.corp.test.", false, &ts), DDNS_ESERVFAIL);
	assert_int_equal(fake_dns_count(&fx->dns), 2);
	assert_query(fx, 0, "host.corp.test.", LDNS_RR_TYPE_SOA, "127.0.0.53");
	assert_query(fx, 1, "host.corp.test.", LDNS_RR_TYPE_SOA, "127.0.0.54");
	/* The failure is cached for the domain: a second name there asks nobody. */
	assert_int_equal(ddns_locate(fx->loc, "other.corp.test.", false, &ts), DDNS_ESERVFAIL);
	assert_int_equal(fake_dns_count(&fx->dns), 2);
}

static void dead_resolver_falls_back_and_is_remembered(void **state)
{
	struct fixture *fx = *state;
	struct ddns_target_set ts;
	/* First resolver: UDP and TCP time out. */
	fake_dns_push(&fx->dns, (struct fake_reply){.transport_error = DDNS_ETIMEOUT});
	fake_dns_push(&fx->dns, (struct fake_reply){.transport_error = DDNS_ETIMEOUT});
	noerror(fx, SOA("corp.test.", "ns1.corp.test."));
	noerror(fx, "corp.test. 300 IN NS ns1.corp.test.");
	noerror(fx, "ns1.corp.test. 300 IN A 127.0.0.2");
	assert_int_equal(ddns_locate(fx->loc, "corp.test.", false, &ts), DDNS_OK);
	assert_query(fx, 0, "corp.test.", LDNS_RR_TYPE_SOA, "127.0.0.53");
	assert_true(fx->dns.tcp[1]);
	assert_query(fx, 2, "corp.test.", LDNS_RR_TYPE_SOA, "127.0.0.54");
	assert_query(fx, 3, "corp.test.", LDNS_RR_TYPE_NS, "127.0.0.54");
}

static void hidden_primary_first_then_ns_set(void **state)
{
	struct fixture *fx = *state;
	struct ddns_target_set ts;
	noerror(fx, SOA("hidden.test.", "hp.hidden.test."));
	noerror(fx,
	        "hidden.test. 300 IN NS ns2.hidden.test.\nhidden.test. 300 IN NS ns3.hidden.test.");
	noerror(fx, "hp.hidden.test. 300 IN A 127.0.0.31");
	noerror(fx, NULL);
	noerror(fx, "ns2.hidden.test. 300 IN A 127.0.0.32");
	noerror(fx, NULL);
	noerror(fx, "ns3.hidden.test. 300 IN A 127.0.0.33");
	noerror(fx, NULL);
	assert_int_equal(ddns_locate(fx->loc, "hidden.test.", false, &ts), DDNS_OK);
	assert_int_equal(ts.n_targets, 3);
	assert_string_equal(ts.targets[0].addr.text, "127.0.0.31");
	assert_string_equal(ts.targets[1].addr.text, "127.0.0.32");
	assert_string_equal(ts.targets[2].addr.text, "127.0.0.33");
}

static void unresolvable_or_root_mname_is_skipped(void **state)
{
	struct fixture *fx = *state;
	struct ddns_target_set ts;
	noerror(fx, SOA("nomname.test.", "ghost.nomname.test."));
	noerror(fx, "nomname.test. 300 IN NS ns.nomname.test.");
	reply(fx, LDNS_RCODE_NXDOMAIN, NULL, SOA("nomname.test.", "ghost.nomname.test."));
	reply(fx, LDNS_RCODE_NXDOMAIN, NULL, SOA("nomname.test.", "ghost.nomname.test."));
	noerror(fx, "ns.nomname.test. 300 IN A 127.0.0.41");
	assert_int_equal(ddns_locate(fx->loc, "nomname.test.", false, &ts), DDNS_OK);
	assert_int_equal(ts.n_targets, 1);
	assert_string_equal(ts.targets[0].addr.text, "127.0.0.41");

	noerror(fx, SOA("dot.test.", "."));
	noerror(fx, "dot.test. 300 IN NS ns.dot.test.");
	noerror(fx, "ns.dot.test. 300 IN A 127.0.0.42");
	assert_int_equal(ddns_locate(fx->loc, "dot.test.", false, &ts), DDNS_OK);
	assert_string_equal(ts.targets[0].addr.text, "127.0.0.42");
	assert_query(fx, 7, "dot.test.", LDNS_RR_TYPE_NS, "127.0.0.53");
	assert_query(fx, 8, "ns.dot.test.", LDNS_RR_TYPE_A, "127.0.0.53");
}

static void mname_that_is_a_cname_is_followed(void **state)
{
	struct fixture *fx = *state;
	struct ddns_target_set ts;
	noerror(fx, SOA("mc.test.", "primary.mc.test."));
	noerror(fx, "mc.test. 300 IN NS primary.mc.test.");
	noerror(fx,
	        "primary.mc.test. 300 IN CNAME real.mc.test.\nreal.mc.test. 300 IN A 127.0.0.81");
	assert_int_equal(ddns_locate(fx->loc, "mc.test.", false, &ts), DDNS_OK);
	assert_int_equal(ts.n_targets, 1);
	assert_string_equal(ts.targets[0].addr.text, "127.0.0.81");
}

static void no_target_at_all(void **state)
{
	struct fixture *fx = *state;
	struct ddns_target_set ts;
	noerror(fx, SOA("empty.test.", "."));
	assert_int_equal(ddns_locate(fx->loc, "empty.test.", false, &ts), DDNS_ENOTARGET);
}

static void nothing_up_to_the_root(void **state)
{
	struct fixture *fx = *state;
	struct ddns_target_set ts;
	assert_int_equal(ddns_locate(fx->loc, "a.b.", false, &ts), DDNS_ENOZONE);
	assert_int_equal(fake_dns_count(&fx->dns), 3);
	assert_query(fx, 2, ".", LDNS_RR_TYPE_SOA, "127.0.0.53");
}

static void the_root_zone_is_never_the_answer(void **state)
{
	struct fixture *fx = *state;
	struct ddns_target_set ts;
	reply(fx, LDNS_RCODE_NXDOMAIN, NULL,
	      ". 300 IN SOA a.root.test. hostmaster. 1 3600 600 86400 60");
	assert_int_equal(ddns_locate(fx->loc, "nosuch.invalid.", false, &ts), DDNS_ENOZONE);
	assert_int_equal(fake_dns_count(&fx->dns), 1);
}

static void a_burst_in_one_domain_costs_one_discovery(void **state)
{
	struct fixture *fx = *state;
	struct ddns_target_set ts;
	reply(fx, LDNS_RCODE_NXDOMAIN, NULL, SOA("corp.test.", "ns1.corp.test."));
	noerror(fx, "corp.test. 300 IN NS ns1.corp.test.");
	noerror(fx, "ns1.corp.test. 300 IN A 127.0.0.2");
	for (int i = 0; i < 1000; i++) {
		char name[64];
		snprintf(name, sizeof(name), "host-%d.corp.test.", i);
		assert_int_equal(ddns_locate(fx->loc, name, false, &ts), DDNS_OK);
		assert_string_equal(ts.zone, "corp.test.");
	}
	assert_int_equal(fake_dns_count(&fx->dns), 4);
}

static void last_good_target_comes_first_and_invalidate_forgets(void **state)
{
	struct fixture *fx = *state;
	struct ddns_target_set ts;
	noerror(fx, SOA("corp.test.", "ns1.corp.test."));
	noerror(fx, "corp.test. 300 IN NS ns2.corp.test.");
	noerror(fx, "ns1.corp.test. 300 IN A 127.0.0.2");
	noerror(fx, NULL);
	noerror(fx, "ns2.corp.test. 300 IN A 127.0.0.3");
	assert_int_equal(ddns_locate(fx->loc, "corp.test.", false, &ts), DDNS_OK);
	ddns_locator_worked(fx->loc, "corp.test.", &ts.targets[1].addr);
	reply(fx, LDNS_RCODE_NXDOMAIN, NULL, SOA("corp.test.", "ns1.corp.test."));
	assert_int_equal(ddns_locate(fx->loc, "a.corp.test.", false, &ts), DDNS_OK);
	assert_string_equal(ts.targets[0].addr.text, "127.0.0.3");
	assert_string_equal(ts.targets[1].addr.text, "127.0.0.2");
	size_t before = fake_dns_count(&fx->dns);
	ddns_locator_invalidate(fx->loc, "corp.test.");
	/* The fake now answers empty NOERROR everywhere: a fresh walk to the root, no zone. */
	assert_int_equal(ddns_locate(fx->loc, "b.corp.test.", false, &ts), DDNS_ENOZONE);
	assert_true(fake_dns_count(&fx->dns) > before);
}

static void pinned_servers_skip_discovery(void **state)
{
	struct fixture *fx = *state;
	struct ddns_target_set ts;
	assert_int_equal(ddns_locate(fx->loc, "x.pinned.example.", false, &ts), DDNS_OK);
	assert_false(ts.discovered);
	assert_string_equal(ts.zone, "pinned.example.");
	assert_string_equal(ts.targets[0].addr.text, "127.0.0.99");
	assert_int_equal(fake_dns_count(&fx->dns), 0);
}

/* Answers the first message asking name (of type, unless 0) sent to server (any when NULL). */
static void answer(struct fixture *fx, const char *name, int type, const char *server, int rcode,
                   const char *answer, const char *authority)
{
	fake_dns_push(&fx->dns, (struct fake_reply){.qname = name,
	                                            .qtype = type,
	                                            .server = server,
	                                            .rcode = rcode,
	                                            .answer = answer,
	                                            .authority = authority});
}

/* A grant of address a.b.c.d to h.corp.test. for 600 s. */
static struct ddns_lease_event grant_h(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return (struct ddns_lease_event){.kind = DDNS_LEASE_GRANTED,
	                                 .family = AF_INET,
	                                 .address = {a, b, c, d},
	                                 .fqdn = "h.corp.test.",
	                                 .forward = true,
	                                 .reverse = true,
	                                 .lifetime = 600};
}

/* Scripts one discovery for h.corp.test.: corp.test.'s primary (and only server) is primary at
 * address. */
static void discovers_corp(struct fixture *fx, const char *primary, const char *address)
{
	/* The script keeps pointers to the records' text: they live as long as the test binary. */
	static char text[8][3][256];
	static size_t used;
	char *ns = text[used % 8][0], *a = text[used % 8][1], *soa = text[used % 8][2];
	used++;
	snprintf(ns, 256, "corp.test. 300 IN NS %s", primary);
	snprintf(a, 256, "%s 300 IN A %s", primary, address);
	snprintf(soa, 256, SOA("corp.test.", "%s"), primary);
	answer(fx, "h.corp.test.", LDNS_RR_TYPE_SOA, NULL, LDNS_RCODE_NXDOMAIN, NULL, soa);
	answer(fx, "corp.test.", LDNS_RR_TYPE_NS, NULL, 0, ns, NULL);
	answer(fx, primary, LDNS_RR_TYPE_A, NULL, 0, a, NULL);
}

/* Engine level: NOTAUTH from a cached target invalidates and rediscovers once. The fake server
 * answers by the question: the first discovery finds old.corp.test., the second new.corp.test. */
static void notauth_rediscovers_once(void **state)
{
	struct fixture *fx = *state;
	ddns_engine *engine = start_engine(fx, "\"reverse\": false", 10000);
	discovers_corp(fx, "old.corp.test.", "127.0.0.7");
	answer(fx, NULL, 0, "127.0.0.7", LDNS_RCODE_NOTAUTH, NULL, NULL);
	discovers_corp(fx, "new.corp.test.", "127.0.0.8");
	struct ddns_lease_event ev = grant_h(10, 0, 0, 1);
	assert_int_equal(ddns_engine_submit(engine, &ev), DDNS_OK);
	assert_int_equal(ddns_engine_wait_idle(engine, 5000), DDNS_OK);
	size_t first =
	    fake_dns_find_query(&fx->dns, "corp.test.", LDNS_RR_TYPE_SOA, "127.0.0.7", 0);
	size_t again =
	    fake_dns_find_query(&fx->dns, "h.corp.test.", LDNS_RR_TYPE_SOA, "127.0.0.53", 1);
	size_t update =
	    fake_dns_find_query(&fx->dns, "corp.test.", LDNS_RR_TYPE_SOA, "127.0.0.8", 0);
	assert_true(first < again && again < update);
	assert_update(&fx->dns, update, "corp.test.",
	              "h.corp.test. 0 ANY A \\# 0\nh.corp.test. 200 IN A 10.0.0.1");
	assert_int_equal(fake_dns_count(&fx->dns), 10);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(engine, &st);
	assert_int_equal(st.succeeded, 1);
	assert_int_equal(st.discoveries, 2);
	ddns_engine_free(engine);
}

/* NOTAUTH is first a reason to try the next target; only if none works is the zone rediscovered. */
static void notauth_moves_to_the_next_target_first(void **state)
{
	struct fixture *fx = *state;
	ddns_engine *engine = start_engine(fx, "\"reverse\": false", 10000);
	answer(fx, "h.corp.test.", LDNS_RR_TYPE_SOA, NULL, LDNS_RCODE_NXDOMAIN, NULL,
	       SOA("corp.test.", "knot.corp.test."));
	answer(fx, "corp.test.", LDNS_RR_TYPE_NS, NULL, 0, "corp.test. 300 IN NS prim.corp.test.",
	       NULL);
	answer(fx, "knot.corp.test.", LDNS_RR_TYPE_A, NULL, 0,
	       "knot.corp.test. 300 IN A 127.0.0.61", NULL);
	answer(fx, "prim.corp.test.", LDNS_RR_TYPE_A, NULL, 0,
	       "prim.corp.test. 300 IN A 127.0.0.62", NULL);
	answer(fx, NULL, 0, "127.0.0.61", LDNS_RCODE_NOTAUTH, NULL, NULL);
	struct ddns_lease_event ev = grant_h(10, 0, 0, 1);
	assert_int_equal(ddns_engine_submit(engine, &ev), DDNS_OK);
	assert_int_equal(ddns_engine_wait_idle(engine, 5000), DDNS_OK);
	size_t refused =
	    fake_dns_find_query(&fx->dns, "corp.test.", LDNS_RR_TYPE_SOA, "127.0.0.61", 0);
	size_t applied =
	    fake_dns_find_query(&fx->dns, "corp.test.", LDNS_RR_TYPE_SOA, "127.0.0.62", 0);
	assert_true(refused < applied);
	assert_int_equal(fake_dns_count(&fx->dns), 8);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(engine, &st);
	assert_int_equal(st.discoveries, 1);
	assert_int_equal(st.notauth, 1);
	ddns_engine_free(engine);
}

/* RFC 2317: the PTR goes to the CNAME target, in the child zone, written with the RFC's slash. */
static void classless_reverse_follows_the_cname(void **state)
{
	struct fixture *fx = *state;
	ddns_engine *engine = start_engine(fx, "\"forward\": false", 0);
	noerror(fx, "70.4.1.10.in-addr.arpa. 300 IN CNAME 70.64/26.4.1.10.in-addr.arpa.");
	reply(fx, LDNS_RCODE_NXDOMAIN, NULL, SOA("64/26.4.1.10.in-addr.arpa.", "rev.test."));
	noerror(fx, "64/26.4.1.10.in-addr.arpa. 300 IN NS rev.test.");
	noerror(fx, "rev.test. 300 IN A 127.0.0.24");
	noerror(fx, NULL);
	struct ddns_lease_event ev = grant_h(10, 1, 4, 70);
	assert_int_equal(ddns_engine_submit(engine, &ev), DDNS_OK);
	assert_int_equal(ddns_engine_wait_idle(engine, 5000), DDNS_OK);
	assert_query(fx, 0, "70.4.1.10.in-addr.arpa.", LDNS_RR_TYPE_CNAME, "127.0.0.53");
	assert_int_equal(fake_dns_count(&fx->dns), 6);
	assert_string_equal(fx->dns.servers[5].text, "127.0.0.24");
	assert_update(&fx->dns, 5, "64/26.4.1.10.in-addr.arpa.",
	              "70.64/26.4.1.10.in-addr.arpa. 0 ANY PTR \\# 0\n"
	              "70.64/26.4.1.10.in-addr.arpa. 200 IN PTR h.corp.test.");
	ddns_engine_free(engine);
}

/* What ddns-direct-status, -rediscover and -flush rest on. */
static void status_rediscover_and_flush(void **state)
{
	struct fixture *fx = *state;
	ddns_engine *engine = start_engine(fx, "\"reverse\": false", 600000);
	struct ddns_engine_status status;
	reply(fx, LDNS_RCODE_NXDOMAIN, NULL, SOA("corp.test.", "ns1.corp.test."));
	noerror(fx, "corp.test. 300 IN NS ns1.corp.test.");
	noerror(fx, "ns1.corp.test. 300 IN A 127.0.0.2");
	noerror(fx, NULL);
	reply(fx, LDNS_RCODE_SERVFAIL, NULL, NULL); /* the update: retried in ten minutes */
	struct ddns_lease_event ev = grant_h(10, 0, 0, 1);
	assert_int_equal(ddns_engine_submit(engine, &ev), DDNS_OK);
	assert_int_equal(ddns_engine_wait_idle(engine, 2000), DDNS_OK);
	assert_int_equal(ddns_engine_get_status(engine, &status), DDNS_OK);
	assert_int_equal(status.stats.pending, 1);
	assert_true(status.oldest_pending_age_s >= 0);
	assert_int_equal(status.n_zones, 1);
	assert_string_equal(status.zones[0].zone, "corp.test.");
	assert_true(status.zones[0].cached_for_s > 0 && status.zones[0].cached_for_s <= 300);
	assert_int_equal(status.zones[0].n_targets, 1);
	assert_string_equal(status.zones[0].targets[0].name, "ns1.corp.test.");
	assert_string_equal(status.zones[0].targets[0].address, "127.0.0.2");
	ddns_engine_status_free(&status);

	ddns_engine_flush(engine);
	for (int i = 0; i < 500 && fake_dns_count(&fx->dns) < 6; i++)
		usleep(10000);
	assert_int_equal(fake_dns_count(&fx->dns), 6);
	assert_int_equal(ddns_engine_wait_idle(engine, 2000), DDNS_OK);

	assert_int_equal(ddns_engine_rediscover(engine, NULL), DDNS_OK);
	assert_int_equal(ddns_engine_get_status(engine, &status), DDNS_OK);
	assert_int_equal(status.n_zones, 0);
	ddns_engine_status_free(&status);
	assert_int_equal(ddns_engine_rediscover(engine, "bad..zone"), DDNS_EBADNAME);
	struct ddns_engine_stats st;
	ddns_engine_get_stats(engine, &st);
	assert_int_equal(st.discoveries, 1);
	assert_int_equal(st.servfail, 1);
	ddns_engine_free(engine);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(primary_in_another_domain),
	    T(negative_answer_soa_gives_the_zone),
	    T(soa_of_a_sibling_is_not_usable),
	    T(cname_at_the_name_does_not_move_it),
	    T(cname_to_apex_soa_is_not_used),
	    T(servfail_is_not_a_reason_to_walk_up),
	    T(dead_resolver_falls_back_and_is_remembered),
	    T(hidden_primary_first_then_ns_set),
	    T(unresolvable_or_root_mname_is_skipped),
	    T(mname_that_is_a_cname_is_followed),
	    T(no_target_at_all),
	    T(nothing_up_to_the_root),
	    T(the_root_zone_is_never_the_answer),
	    T(a_burst_in_one_domain_costs_one_discovery),
	    T(last_good_target_comes_first_and_invalidate_forgets),
	    T(pinned_servers_skip_discovery),
	    T(notauth_rediscovers_once),
	    T(notauth_moves_to_the_next_target_first),
	    T(classless_reverse_follows_the_cname),
	    T(status_rediscover_and_flush),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
