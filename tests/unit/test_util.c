/* SPDX-License-Identifier: MPL-2.0 */
/* Small utilities: error strings, host-name policy, reverse names, addresses, JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "ddns/error.h"
#include "update/update.h"
#include "util/addr.h"
#include "util/base64.h"
#include "util/json.h"
#include "util/kea_file.h"
#include "util/latency.h"
#include "util/log.h"
#include "util/name.h"

static void every_error_has_text(void **state)
{
	(void)state;
	for (int e = DDNS_ETIMEOUT; e >= DDNS_ERROR_MIN; e--)
		assert_string_not_equal(ddns_strerror(e), "unknown error");
	assert_string_equal(ddns_strerror(DDNS_OK), "success");
	assert_string_equal(ddns_strerror(DDNS_ENOMEM), strerror(ENOMEM));
	assert_string_equal(ddns_strerror(-5000), "unknown error");
}

static void check_name(const char *in, enum name_policy policy, const char *want_out,
                       const char *want_why)
{
	char out[DDNS_NAME_MAX];
	const char *why = NULL;
	int rc = ddns_name_normalize(in, policy, false, out, &why);
	if (want_out != NULL) {
		assert_int_equal(rc, 0);
		assert_string_equal(out, want_out);
	} else {
		assert_int_equal(rc, DDNS_EBADNAME);
		assert_string_equal(why, want_why);
	}
}

static void host_names(void **state)
{
	(void)state;
	char name[300];
	check_name("Host-1.Corp.Example", NAME_HOST, "host-1.corp.example.", NULL);
	check_name("a.b.", NAME_HOST, "a.b.", NULL);
	check_name("a..b", NAME_HOST, NULL, "empty label");
	check_name(".a", NAME_HOST, NULL, "empty label");
	check_name("", NAME_HOST, NULL, "empty name");
	check_name(".", NAME_HOST, NULL, "the root name is not allowed here");
	check_name("-a.b", NAME_HOST, NULL, "label starts with a hyphen");
	check_name("a-.b", NAME_HOST, NULL, "label ends with a hyphen");
	check_name("a.b-", NAME_HOST, NULL, "label ends with a hyphen");
	check_name("a_b.c", NAME_HOST, NULL, "character not allowed in a host name");
	check_name("_ldap._tcp.c", NAME_SERVICE, "_ldap._tcp.c.", NULL);
	check_name("a\\.b.c", NAME_HOST, NULL, "character not allowed in a host name");
	check_name("a b.c", NAME_HOST, NULL, "character not allowed in a host name");
	check_name("h\xc3\xa9.c", NAME_HOST, NULL, "character not allowed in a host name");
	check_name("xn--h-9fa.c", NAME_HOST, "xn--h-9fa.c.", NULL);
	memset(name, 'a', 63);
	strcpy(name + 63, ".b");
	char want[320];
	snprintf(want, sizeof(want), "%s.", name);
	check_name(name, NAME_HOST, want, NULL);
	memset(name, 'a', 64);
	strcpy(name + 64, ".b");
	check_name(name, NAME_HOST, NULL, "label longer than 63 octets");
	/* Labels of 63, 63, 63 and 61 octets: 253 characters, 255 octets on the wire, the most. */
	memset(name, 'a', 253);
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	snprintf(want, sizeof(want), "%s.", name);
	check_name(name, NAME_HOST, want, NULL);
	name[253] = 'a';
	name[254] = '\0';
	check_name(name, NAME_HOST, NULL, "name longer than 255 octets");
}

static void zones_and_labels(void **state)
{
	(void)state;
	assert_true(ddns_name_in_zone("a.corp.example.", "corp.example."));
	assert_true(ddns_name_in_zone("corp.example.", "corp.example."));
	assert_false(ddns_name_in_zone("xcorp.example.", "corp.example."));
	assert_true(ddns_name_in_zone("a.", "."));
	assert_int_equal(ddns_name_labels("a.b.c."), 3);
	assert_int_equal(ddns_name_labels("."), 0);
}

/* Wire forms: lower case, a length octet per label, the root's zero; bad labels give 0. */
static void wire_names(void **state)
{
	(void)state;
	uint8_t wire[DDNS_NAME_WIRE_MAX];
	assert_int_equal(ddns_name_wire("Ab.c.", wire), 6);
	assert_memory_equal(wire, "\2ab\1c\0", 6);
	assert_int_equal(ddns_name_wire("ab.c", wire), 6);
	assert_memory_equal(wire, "\2ab\1c\0", 6);
	assert_int_equal(ddns_name_wire(".", wire), 1);
	assert_int_equal(wire[0], 0);
	assert_int_equal(ddns_name_wire("a..b.", wire), 0);
	char name[300];
	memset(name, 'a', 64);
	strcpy(name + 64, ".b.");
	assert_int_equal(ddns_name_wire(name, wire), 0); /* a 64-octet label */
	for (int i = 0; i < 128; i++)
		memcpy(name + 2 * i, "a.", 2);
	name[254] = '\0'; /* 127 labels: 255 octets with the root */
	assert_int_equal(ddns_name_wire(name, wire), 255);
	strcpy(name + 254, "a."); /* 128 labels: one octet too many */
	assert_int_equal(ddns_name_wire(name, wire), 0);
	char copy[DDNS_NAME_MAX];
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ddns_name_copy(copy, name);
	assert_int_equal(strlen(copy), DDNS_NAME_MAX - 1);
}

static void reverse_names(void **state)
{
	(void)state;
	char out[DDNS_NAME_MAX];
	uint8_t v4[4] = {10, 1, 2, 3};
	ddns_reverse_name(AF_INET, v4, out);
	assert_string_equal(out, "3.2.1.10.in-addr.arpa.");
	uint8_t digits[4] = {255, 100, 0, 99};
	ddns_reverse_name(AF_INET, digits, out);
	assert_string_equal(out, "99.0.100.255.in-addr.arpa.");
	uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x2f};
	ddns_reverse_name(AF_INET6, v6, out);
	assert_string_equal(
	    out, "f.2.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
}

static void addresses(void **state)
{
	(void)state;
	struct ddns_addr a;
	assert_int_equal(ddns_addr_parse("127.0.0.2", 53, &a), 0);
	assert_string_equal(a.text, "127.0.0.2");
	assert_int_equal(ddns_addr_parse("127.0.0.2:5300", 53, &a), 0);
	assert_string_equal(a.text, "127.0.0.2:5300");
	assert_int_equal(ddns_addr_parse("[2001:db8::1]:53", 53, &a), 0);
	assert_string_equal(a.text, "2001:db8::1");
	assert_int_equal(ddns_addr_parse("[::1]:5353", 53, &a), 0);
	assert_string_equal(a.text, "[::1]:5353");
	assert_int_equal(ddns_addr_parse("::1", 53, &a), 0);
	assert_int_equal(ddns_addr_parse("host.example", 53, &a), DDNS_EINVAL);
	assert_int_equal(ddns_addr_parse("[::1", 53, &a), DDNS_EINVAL);
	assert_int_equal(ddns_addr_parse("[::1]x", 53, &a), DDNS_EINVAL);
	assert_int_equal(ddns_addr_parse("1.2.3.4:", 53, &a), DDNS_EINVAL);
	assert_int_equal(ddns_addr_parse("", 53, &a), DDNS_EINVAL);
}

/* Quantiles come back as the upper bound of their bucket: at most 25 % above, never below. */
static void latency_quantiles(void **state)
{
	(void)state;
	static struct ddns_latency lat;
	assert_int_equal(ddns_latency_quantile(&lat, 500), 0);
	for (uint64_t ns = 1; ns <= 1000; ns++)
		ddns_latency_add(&lat, ns * 1000);
	uint64_t median = ddns_latency_quantile(&lat, 500), p99 = ddns_latency_quantile(&lat, 990);
	assert_true(median >= 500000 && median <= 562500);
	assert_true(p99 >= 990000 && p99 <= 1113750);
	assert_true(ddns_latency_quantile(&lat, 1000) >= 1000000);
	ddns_latency_add(&lat, 0);
	ddns_latency_add(&lat, UINT64_MAX);
	assert_int_equal(ddns_latency_quantile(&lat, 1000), UINT64_MAX);
}

static void base64(void **state)
{
	(void)state;
	uint8_t out[16];
	assert_int_equal(ddns_base64_decode("TWFu", out, sizeof(out)), 3);
	assert_memory_equal(out, "Man", 3);
	assert_int_equal(ddns_base64_decode("TWE=", out, sizeof(out)), 2);
	assert_int_equal(ddns_base64_decode("TQ==", out, sizeof(out)), 1);
	assert_int_equal(ddns_base64_decode("TQ==TWFu", out, sizeof(out)), DDNS_EINVAL);
	assert_int_equal(ddns_base64_decode("T=Q=", out, sizeof(out)), DDNS_EINVAL);
	assert_int_equal(ddns_base64_decode("TWF", out, sizeof(out)), DDNS_EINVAL);
	assert_int_equal(ddns_base64_decode("TW!u", out, sizeof(out)), DDNS_EINVAL);
	assert_int_equal(ddns_base64_decode("", out, sizeof(out)), DDNS_EINVAL);
	assert_int_equal(ddns_base64_decode("TWFuTWFu", out, 5), DDNS_EINVAL);
}

static int lines_kept;

static void count_line(void *ctx, enum ddns_log_level level, const char *id, const char *line)
{
	(void)level;
	(void)id;
	(void)line;
	assert_ptr_equal(ctx, &lines_kept);
	lines_kept++;
}

static bool warnings_and_up(void *ctx, enum ddns_log_level level)
{
	assert_ptr_equal(ctx, &lines_kept);
	return level >= DDNS_LOG_WARN;
}

/* A line the sink's filter drops is neither formatted nor handed over. */
static void log_filter(void **state)
{
	(void)state;
	ddns_log_set_sink(count_line, &lines_kept);
	ddns_log_set_filter(warnings_and_up);
	assert_false(ddns_log_enabled(DDNS_LOG_INFO));
	assert_true(ddns_log_enabled(DDNS_LOG_ERROR));
	log_debug(DDNS_DIRECT_UPDATE_SUCCESS, "%s", "dropped");
	log_info(DDNS_DIRECT_UPDATE_SUCCESS, "%s", "dropped");
	log_warn(DDNS_DIRECT_UPDATE_TARGET_FAILED, "%s", "kept");
	log_error(DDNS_DIRECT_UPDATE_CONFLICT, "%s", "kept");
	assert_int_equal(lines_kept, 2);
	ddns_log_set_filter(NULL);
	log_info(DDNS_DIRECT_UPDATE_SUCCESS, "%s", "kept");
	assert_int_equal(lines_kept, 3);
	ddns_log_set_sink(NULL, NULL);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Kea's files: includes replaced by their files' text, nested; each failure names its file. */
static void kea_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/ddns-kea-file-XXXXXX", a[64], b[64], c[64], text_a[256], text_b[256];
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a.json", dir);
	snprintf(b, sizeof(b), "%s/b.inc", dir);
	snprintf(c, sizeof(c), "%s/c.inc", dir);
	snprintf(text_a, sizeof(text_a), "{ \"x\": <?include \"%s\"?> }", b);
	snprintf(text_b, sizeof(text_b), "[ 1, <?include \"%s\"?> ]", c);
	write_text(a, text_a);
	write_text(b, text_b);
	write_text(c, "2");
	char *text = NULL, err[256];
	size_t len = 0;
	assert_int_equal(ddns_kea_file_read(a, &text, &len, err, sizeof(err)), DDNS_OK);
	assert_string_equal(text, "{ \"x\": [ 1, 2 ] }");
	assert_int_equal(len, strlen(text));
	free(text);
	write_text(c, "<?include \"nowhere\"");
	assert_int_equal(ddns_kea_file_read(a, &text, &len, err, sizeof(err)), DDNS_EINVAL);
	assert_null(text);
	assert_non_null(strstr(err, "c.inc': an <?include without"));
	snprintf(text_b, sizeof(text_b), "<?include \"%s\"?>", b); /* includes itself */
	write_text(b, text_b);
	assert_int_equal(ddns_kea_file_read(a, &text, &len, err, sizeof(err)), DDNS_EINVAL);
	assert_non_null(strstr(err, "nested deeper than 8"));
	assert_int_equal(ddns_kea_file_read("/nonexistent", &text, &len, err, sizeof(err)),
	                 DDNS_EIO);
	assert_non_null(strstr(err, "cannot read '/nonexistent'"));
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void json_reader(void **state)
{
	(void)state;
	struct json *root = NULL;
	char err[128];
	const char *text = "/* c */ {\"a\": [1, -2, 3.5e1, true, false, null],"
	                   " \"s\": \"x\\u00e9\\ud83d\\ude00\\n\" # tail\n}";
	assert_int_equal(json_parse(text, strlen(text), &root, err, sizeof(err)), 0);
	const struct json *a = json_get(root, "a");
	assert_int_equal(a->count, 6);
	assert_int_equal(a->values[1]->integer, -2);
	assert_false(a->values[2]->integral);
	assert_true(a->values[3]->boolean);
	assert_false(a->values[4]->boolean);
	assert_int_equal(a->values[5]->type, JSON_NULL);
	assert_string_equal(json_get(root, "s")->string, "x\xc3\xa9\xf0\x9f\x98\x80\n");
	json_free(root);

	const char *bad[] = {"{",   "[1,]",  "{\"a\" 1}", "\"\\u0000\"", "\"\\ud800\"",
	                     "01x", "[] []", "\"abc",     "nul",         "99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		root = NULL;
		assert_int_equal(json_parse(bad[i], strlen(bad[i]), &root, err, sizeof(err)),
		                 DDNS_EINVAL);
		assert_null(root);
		assert_non_null(strstr(err, "JSON syntax error at offset"));
	}
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_int_equal(json_parse(deep, 200, &root, err, sizeof(err)), DDNS_EINVAL);
	assert_non_null(strstr(err, "nesting too deep"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_error_has_text), cmocka_unit_test(host_names),
	    cmocka_unit_test(zones_and_labels),     cmocka_unit_test(wire_names),
	    cmocka_unit_test(reverse_names),        cmocka_unit_test(addresses),
	    cmocka_unit_test(json_reader),          cmocka_unit_test(kea_files),
	    cmocka_unit_test(log_filter),           cmocka_unit_test(base64),
	    cmocka_unit_test(latency_quantiles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
