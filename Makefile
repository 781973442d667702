# ddns-direct: Kea hooks library that sends DNS dynamic updates straight from the DHCP server.
# `make` builds the library and the probe; `make test` runs every suite; `make demo` shows it work.

BUILD    ?= build
# The release; a package's version adds the Kea it is built for (etc/debian/build.sh).
VERSION   = 0.1.0
CC       ?= cc
CXX      ?= c++
PREFIX   ?= /usr/local
HOOKS_DIR ?= $(shell ls -d /usr/lib/*/kea/hooks 2>/dev/null | head -n1)

WARN      = -Wall -Wextra -Wshadow -Wno-unused-parameter -Werror
override CPPFLAGS += -Iinclude -Iplugin -D_GNU_SOURCE -MMD -MP
CFLAGS   ?= -O2 -g
override CFLAGS   += -std=c11 $(WARN) -fPIC -fvisibility=hidden -pthread
# The Kea the library is built for: whatever Kea's development headers are installed. A hook loads
# only into the Kea whose KEA_HOOKS_VERSION it reports (20200 for 2.2.0, 20603 for 2.6.3, 30004 for
# 3.0.4), so the shim is told which one it is compiled against.
KEA_INCLUDE  ?= /usr/include/kea
KEA_VERSION_NUMBER := $(shell sed -n 's/^const int KEA_HOOKS_VERSION = \([0-9]*\);.*/\1/p' \
                        $(KEA_INCLUDE)/hooks/hooks.h 2>/dev/null)
# Kea 3.0 dropped the "++" from libkea-dhcp++ (and libkea-dns++).
KEA_DHCP_LIB := $(if $(shell [ "$(KEA_VERSION_NUMBER)" -ge 30000 ] 2>/dev/null && echo 3),-lkea-dhcp,-lkea-dhcp++)
CXXFLAGS ?= -O2 -g
override CXXFLAGS += -std=c++14 $(WARN) -fPIC -fvisibility=hidden -pthread -I$(KEA_INCLUDE) \
                     -DDDNS_KEA_VERSION=$(KEA_VERSION_NUMBER)
LDLIBS_ENGINE = -lldns -lcrypto -lz -lgssapi_krb5 -lkrb5 -pthread
LDLIBS_KEA    = -lkea-dhcpsrv $(KEA_DHCP_LIB) -lkea-hooks -lkea-log -lkea-asiolink -lkea-cc \
                -lkea-exceptions -lkea-util -lkea-stats

ENGINE_SRC := $(sort $(wildcard plugin/util/*.c plugin/config/*.c plugin/queue/*.c plugin/state/*.c \
                plugin/transport/*.c plugin/update/*.c plugin/discovery/*.c plugin/engine/*.c \
                plugin/gss/*.c))
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/%.o)
SHIM_SRC   := $(wildcard plugin/shim/*.cc)
SHIM_OBJ   := $(SHIM_SRC:%.cc=$(BUILD)/%.o)
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_HELP  := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))
UNIT_HELP_OBJ := $(UNIT_HELP:%.c=$(BUILD)/%.o)

TOOL_SRC   := $(wildcard tests/integration/*.c)
TOOL_BIN   := $(BUILD)/tests/ddns-lease

PROBE     := $(BUILD)/ddns-direct-probe
LIB       := $(BUILD)/libdhcp_ddns_direct.so
ENGINE_A  := $(BUILD)/libddns_engine.a

# Debian packages the build, the tests and the demo need (see README), by the names of the release
# this is: clang's runtime (libFuzzer, the sanitizers) has a versioned name in Debian 12 only.
DEBIAN_CODENAME := $(shell . /etc/os-release 2>/dev/null; echo $$VERSION_CODENAME)
CLANG_RT_PACKAGE = $(if $(filter bookworm,$(DEBIAN_CODENAME)),libclang-rt-14-dev,libclang-rt-dev)
DEB_PACKAGES = build-essential pkg-config kea-dev libboost-dev libldns-dev libssl-dev ldnsutils libcmocka-dev \
               kea-dhcp4-server kea-dhcp6-server kea-admin kea-dhcp-ddns-server \
               bind9 bind9-utils bind9-dnsutils knot knot-dnsutils iproute2 util-linux \
               clang-format valgrind python3 clang $(CLANG_RT_PACKAGE) \
               krb5-kdc krb5-user krb5-admin-server libkrb5-dev postgresql zlib1g-dev \
               pdns-server pdns-backend-sqlite3 \
               samba samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind

.PHONY: all deps test test-matrix kea-roots unit integration demo bench install format format-check clean valgrind asan tsan \
	fuzz fuzz-build test-asan deb debs test-deb soak soak-broken

all: $(LIB) $(ENGINE_A) $(PROBE)

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		if [ "$$(id -u)" != 0 ]; then echo "run as root (or install them yourself)"; exit 1; fi; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends $$missing; \
	fi

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c -o $@ $<

$(ENGINE_A): $(ENGINE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIB): $(SHIM_OBJ) $(ENGINE_OBJ)
	@[ -n "$(KEA_VERSION_NUMBER)" ] || { echo "no Kea headers in $(KEA_INCLUDE): install kea-dev (make deps)"; exit 1; }
	$(CXX) -shared -o $@ $^ $(LDFLAGS) $(LDLIBS_KEA) $(LDLIBS_ENGINE) -Wl,--no-undefined

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(UNIT_HELP_OBJ) $(ENGINE_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) -lcmocka $(LDLIBS_ENGINE)

PROBE_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard plugin/probe/*.c))
$(PROBE): $(PROBE_OBJ) $(ENGINE_A)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS_ENGINE)

$(BUILD)/tests/ddns-state-scale: $(BUILD)/tests/bench/state_scale.o $(ENGINE_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS_ENGINE)

$(BUILD)/tests/ddns-lease: $(BUILD)/tests/integration/lease_tool.o $(ENGINE_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS_ENGINE)

unit: $(UNIT_BIN)
	@pass=0; fail=0; failed=""; for t in $(UNIT_BIN); do echo "== $$t"; \
		if $$t; then pass=$$((pass + 1)); else fail=$$((fail + 1)); failed="$$failed $$t"; fi; \
	done; echo "== unit test binaries$${failed:+; failed:$$failed}"; \
	echo "unit: $$pass passed, $$fail failed" | tee $(BUILD)/unit.summary; [ $$fail -eq 0 ]

# Every script runs, whatever the ones before it did; the summary names the Kea and what failed.
integration: $(LIB) $(TOOL_BIN)
	@pass=0; fail=0; failed=""; for t in tests/integration/test_*.sh; do echo "== $$t"; \
		if bash $$t $(LIB); then pass=$$((pass + 1)); else fail=$$((fail + 1)); failed="$$failed $$t"; fi; \
	done; echo "== integration suites against Kea $$(kea-dhcp4 -v)$${failed:+; failed:$$failed}"; \
	echo "integration: $$pass passed, $$fail failed" | tee $(BUILD)/integration.summary; \
	[ $$fail -eq 0 ]

# `make test` runs every suite against the Kea installed here; `make test KEA=2.6` (or 3.0) runs
# them inside a cached Debian root that ships that version (built on first use:
# tests/lib/kea_root.sh), with that release's compiler and libraries; `make test-matrix` runs all
# three from this Debian 12 machine.
KEA_HERE := $(shell kea-dhcp4 -v 2>/dev/null | cut -d. -f1,2)
KEA ?= $(KEA_HERE)
KEA_ROOT_VERSIONS = 2.6 3.0

ifeq ($(filter-out $(KEA_HERE),$(KEA)),)
test: deps
	@echo "==== Kea $$(kea-dhcp4 -v): unit and integration suites"
	$(MAKE) all
	@rm -f $(BUILD)/unit.summary $(BUILD)/integration.summary; rc=0; \
	$(MAKE) unit || rc=1; $(MAKE) integration || rc=1; \
	echo "==== Kea $$(kea-dhcp4 -v): $$([ $$rc = 0 ] && echo PASS || echo FAIL)"; \
	cat $(BUILD)/unit.summary $(BUILD)/integration.summary 2>/dev/null || true; exit $$rc
else
test:
	bash tests/lib/kea_root.sh $(KEA) make test
endif

# Builds (or refreshes) the cached roots and their packages, both at once: they wait on the mirror.
kea-roots:
	@mkdir -p $(BUILD); pids=""; for v in $(KEA_ROOT_VERSIONS); do \
		bash tests/lib/kea_root.sh $$v make deps >$(BUILD)/root-$$v.log 2>&1 & pids="$$pids $$!"; \
	done; rc=0; for p in $$pids; do wait $$p || rc=1; done; \
	for v in $(KEA_ROOT_VERSIONS); do echo "== the root for Kea $$v"; tail -n 2 $(BUILD)/root-$$v.log; done; \
	exit $$rc

# Every version runs, whatever the one before it did.
test-matrix: kea-roots
	@rc=0; summary=""; for v in $(KEA_HERE) $(KEA_ROOT_VERSIONS); do \
		if $(MAKE) test KEA=$$v; then summary="$$summary Kea $$v PASS;"; \
		else rc=1; summary="$$summary Kea $$v FAIL;"; fi; \
	done; echo "==== test-matrix:$$summary"; exit $$rc

demo: deps
	$(MAKE) all
	bash tests/demo/demo.sh $(LIB)

# Side by side with Kea's D2; prints a table (tests/bench/RESULTS.md keeps past runs). KEA=2.6 or
# 3.0 runs it in that version's root, against that version's own D2.
ifeq ($(filter-out $(KEA_HERE),$(KEA)),)
bench: deps
	@[ -z "$$BENCH_PERF" ] || $(MAKE) -s deps DEB_PACKAGES=linux-perf
	@echo "==== benchmark with Kea $$(kea-dhcp4 -v)"
	$(MAKE) all $(BUILD)/tests/ddns-state-scale
	bash tests/bench/bench.sh $(LIB)
else
bench:
	bash tests/lib/kea_root.sh $(KEA) make bench
endif

# `make deb` packs the library and the probe for the Kea installed here into
# $(BUILD)/deb/ddns-direct_VERSION+keaKEA_ARCH.deb, compiled with Debian's build flags (hardening)
# and checked with lintian; `make deb KEA=2.6` (or 3.0) builds that Kea's package in its root, `make
# debs` one for each. `make test-deb` installs each on a fresh Debian of its release (bookworm,
# trixie, forky: tests/lib/kea_root.sh --fresh), runs the demo with Kea loading the library from its
# hooks directory, and removes it again (tests/integration/deb_install.sh).
DEB_COMMIT ?= $(shell git describe --always --dirty 2>/dev/null)
DEB_OBJ = $(BUILD)/pkg/obj
ifeq ($(filter-out $(KEA_HERE),$(KEA)),)
deb: deps
	@$(MAKE) -s deps DEB_PACKAGES=lintian
	$(MAKE) BUILD=$(DEB_OBJ) CFLAGS="$$(dpkg-buildflags --get CFLAGS)" \
		CXXFLAGS="$$(dpkg-buildflags --get CXXFLAGS)" CPPFLAGS="$$(dpkg-buildflags --get CPPFLAGS)" \
		LDFLAGS="$$(dpkg-buildflags --get LDFLAGS)" all
	bash etc/debian/build.sh $(BUILD)/deb $(BUILD)/pkg/stage $(DEB_OBJ)/libdhcp_ddns_direct.so \
		$(DEB_OBJ)/ddns-direct-probe $(VERSION) $(DEB_COMMIT)
else
deb:
	KEA_ROOT_SHARE=$(BUILD)/deb bash tests/lib/kea_root.sh $(KEA) make deb DEB_COMMIT=$(DEB_COMMIT)
endif

debs: kea-roots
	rm -f $(BUILD)/deb/ddns-direct_*.deb
	@set -e; for v in $(KEA_HERE) $(KEA_ROOT_VERSIONS); do $(MAKE) deb KEA=$$v; done

# Every version is tried, whatever the one before it did.
test-deb: debs
	@rc=0; summary=""; for v in $(KEA_HERE) $(KEA_ROOT_VERSIONS); do \
		deb=$$(ls $(BUILD)/deb/ddns-direct_$(VERSION)+kea$$v.*.deb); \
		if KEA_ROOT_SHARE=$(BUILD)/deb bash tests/lib/kea_root.sh --fresh $$v \
			bash tests/integration/deb_install.sh $$deb; then summary="$$summary Kea $$v PASS;"; \
		else rc=1; summary="$$summary Kea $$v FAIL;"; fi; \
	done; echo "==== test-deb:$$summary"; exit $$rc

# The chaos soak (README, "Chaos soak"; not part of make test): SOAK_SECONDS (default 600) of
# mixed faults, then DNS must equal Kea's lease table; SOAK_SEED replays a run's draws. KEA=2.6 or
# 3.0 runs it in that version's root. soak-broken builds the library with owed changes never
# journaled (tests/integration/chaos_broken.patch) and fails unless the soak catches it.
BROKEN_SRC = $(BUILD)/broken-src
ifeq ($(filter-out $(KEA_HERE),$(KEA)),)
soak: deps
	$(MAKE) all
	bash tests/integration/chaos_soak.sh $(LIB)

soak-broken: deps
	rm -rf $(BROKEN_SRC) && mkdir -p $(BROKEN_SRC)
	cp -r Makefile include plugin $(BROKEN_SRC)/
	patch -s -d $(BROKEN_SRC) -p1 <tests/integration/chaos_broken.patch
	$(MAKE) -C $(BROKEN_SRC) BUILD=build build/libdhcp_ddns_direct.so
	@if SOAK_SECONDS=$${SOAK_SECONDS:-300} bash tests/integration/chaos_soak.sh \
		$(BROKEN_SRC)/build/libdhcp_ddns_direct.so; then \
		echo "soak-broken: the soak passed a build that loses owed changes"; exit 1; \
	else echo "soak-broken: the soak caught the broken build (as it must)"; fi
else
soak soak-broken:
	bash tests/lib/kea_root.sh $(KEA) make $@
endif

valgrind: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== valgrind $$t"; \
		valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect $$t; done

asan:
	$(MAKE) BUILD=build-asan \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" unit

# ASan+UBSan over the unit tests and the integration tests that drive the engine directly
# (real servers, real sockets; the ones through kea-dhcp4 load the normal build).
ASAN_INTEGRATION = test_discovery test_tsig test_spoof test_blackhole test_gss_discovery
test-asan: asan
	$(MAKE) BUILD=build-asan \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" build-asan/tests/ddns-lease
	@set -e; for t in $(ASAN_INTEGRATION); do echo "== $$t (ASan)"; \
		ASAN_OPTIONS=exitcode=86 bash tests/integration/$$t.sh build-asan/libdhcp_ddns_direct.so; done

# ThreadSanitizer over the tests where threads meet: the queue, the engine's entry points, and
# the worker handing batches to the sender pool.
TSAN_TESTS = test_queue test_journal test_engine test_store
tsan:
	$(MAKE) BUILD=build-tsan CFLAGS="-O1 -g -fsanitize=thread" LDFLAGS="-fsanitize=thread" \
		$(TSAN_TESTS:%=build-tsan/tests/%)
	@set -e; for t in $(TSAN_TESTS); do TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/$$t; done

# libFuzzer harnesses (clang): each runs FUZZ_SECONDS from its seed corpus; crashes are kept in
# build-fuzz/ and belong in tests/fuzz/regressions/<harness>/ once fixed (replayed by fuzz-build).
FUZZ_SECONDS ?= 60
FUZZ_NAMES   := reply name config journal
FUZZ_CFLAGS   = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
fuzz-build:
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS="$(FUZZ_CFLAGS)" build-fuzz/libddns_engine.a
	@set -e; for f in $(FUZZ_NAMES); do \
		clang $(CPPFLAGS) $(FUZZ_CFLAGS) -std=c11 -Wall -Werror -fsanitize=fuzzer -o build-fuzz/fuzz_$$f \
			tests/fuzz/fuzz_$$f.c build-fuzz/libddns_engine.a $(LDLIBS_ENGINE); \
		if [ -d tests/fuzz/regressions/$$f ]; then build-fuzz/fuzz_$$f tests/fuzz/regressions/$$f/*; fi; \
	done

fuzz: fuzz-build
	@set -e; for f in $(FUZZ_NAMES); do \
		mkdir -p build-fuzz/corpus-$$f && cp -n tests/fuzz/corpus/$$f/* build-fuzz/corpus-$$f/ 2>/dev/null || true; \
		echo "== fuzz_$$f for $(FUZZ_SECONDS) s"; \
		build-fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=build-fuzz/crash-$$f- \
			-print_final_stats=1 build-fuzz/corpus-$$f 2>&1 | grep -E 'stat::number_of_executed_units|ERROR|crash' ; \
	done

install: $(LIB) $(PROBE)
	install -D -m 0644 $(LIB) $(DESTDIR)$(HOOKS_DIR)/libdhcp_ddns_direct.so
	install -D -m 0755 $(PROBE) $(DESTDIR)$(PREFIX)/sbin/ddns-direct-probe

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' '*.cc' 2>/dev/null)
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz

-include $(ENGINE_OBJ:.o=.d) $(SHIM_OBJ:.o=.d) $(TOOL_SRC:%.c=$(BUILD)/%.d) $(BUILD)/plugin/probe/probe.d $(UNIT_BIN:$(BUILD)/tests/%=$(BUILD)/tests/unit/%.d)
