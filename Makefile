# SPDX-License-Identifier: GPL-2.0
#
# khoscope top-level Makefile. 'make help' lists the targets.

BUILD		?= $(CURDIR)/build
GUEST_BIN	:= $(BUILD)/guest/bin
CC		?= gcc
GUEST_CFLAGS	:= -O2 -g -Wall -Wextra -static

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(patsubst $(CURDIR)/%,%,$(2))";
endif

GUEST_HELPERS	:= $(GUEST_BIN)/kexec-reboot $(GUEST_BIN)/fdt-prop $(GUEST_BIN)/luo-memfd \
		   $(GUEST_BIN)/with-caps

# The version the tools report (--version, khoscope_build_info), with the
# git revision scripts/version-h adds.
VERSION		:= 0.9.0
VERSION_H	:= $(BUILD)/version.h
# make install: DESTDIR (a staging root, may be empty) and PREFIX.
PREFIX		?= /usr/local
DESTDIR		?=

# khoscope: BPF object and skeleton, a dynamic build for hosts and a static
# one for the guest.
CLANG		?= clang
BPFTOOL		?= bpftool
VMLINUX		:= $(BUILD)/kernel/vmlinux
# The kernel BTF the programs are compiled against (CO-RE: they then load
# on any kernel with the series): the project's kernel, or the running
# kernel's with BTF=/sys/kernel/btf/vmlinux on a host that booted one.
BTF		?= $(VMLINUX)
BPF_OUT		:= $(BUILD)/bpf
USER_OUT	:= $(BUILD)/user
KHOSCOPE	:= $(USER_OUT)/khoscope
KHOSCOPE_GUEST	:= $(GUEST_BIN)/khoscope
BPF_CFLAGS	:= -g -O2 -target bpf -D__TARGET_ARCH_x86 -fms-extensions \
		   -Wall -Wno-microsoft-anon-tag -Wno-missing-declarations \
		   -I$(BPF_OUT) -Iinclude -Ibpf
USER_CFLAGS	:= -g -O2 -Wall -Wextra -Wno-unused-parameter -I$(BPF_OUT) -I$(BUILD) -Iinclude -Iuser
MODEL_SRCS	:= user/report.c user/parse.c user/ksyms.c user/text.c user/json.c
USER_SRCS	:= user/khoscope.c user/probe.c user/collect.c $(MODEL_SRCS) user/metrics.c user/textfile.c \
		   user/httpd.c user/webconfig.c
USER_HDRS	:= user/report.h user/metrics.h user/httpd.h user/webconfig.h user/ksyms.h user/probe.h \
		   user/collect.h include/khoscope.h
USER_LIBS	:= -lbpf -lelf -lz -lmicrohttpd -ljson-c -lcap -lpthread -lyaml -lcrypt
# Shared libraries the guest's khoscope needs, laid over the guest's root.
GUEST_ROOT	:= $(BUILD)/guest/root
UNIT_OUT	:= $(BUILD)/unit
UNIT_CFLAGS	:= -g -O1 -Wall -Wextra -Wno-unused-parameter -fsanitize=address,undefined \
		   -fno-sanitize-recover=undefined \
		   -fno-omit-frame-pointer -Iinclude -Iuser -Itests/unit
UNIT_TESTS	:= $(UNIT_OUT)/test_report $(UNIT_OUT)/test_metrics $(UNIT_OUT)/test_bits \
		   $(UNIT_OUT)/test_httpd $(UNIT_OUT)/test_webconfig $(UNIT_OUT)/serve_httpd
HTTPD_SRCS	:= user/httpd.c user/webconfig.c user/metrics.c user/report.c
HTTPD_LIBS	:= -lmicrohttpd -ljson-c -lpthread -lyaml -lcrypt

# The KHO radix tree in user space: the kernel's kho_radix_tree.c from the
# patched tree, built against tests/shim.
TRACKER_OUT	:= $(BUILD)/tracker
TRACKER_CUR	:= $(BUILD)/kernel/src
TRACKER_DEPS	:= $(wildcard tests/shim/*.[ch] tests/shim/*/*.h tests/shim/*/*/*.h tests/tracker/*.h) \
		   tests/unit/test.h
TRACKER_CFLAGS	= -g -Wall -Wextra -Wno-unused-parameter -Itests/shim -Itests/tracker -Itests/unit \
		  -idirafter $(1)/include -DCONFIG_KEXEC_HANDOVER -DCONFIG_FAIL_KHO_RADIX_NODE
TRACKER_SRCS	= tests/shim/shim.c $(1)/kernel/liveupdate/kho_radix_tree.c
SANITIZE	:= -fsanitize=address,undefined -fno-omit-frame-pointer

# The restore walk's memblock calls in user space: the patched tree's
# mm/memblock.c on the kernel's memblock simulator, without its sanitizers,
# for callgrind (tests/host/memblock-linear.sh, scripts/bench-restore).
MEMBLOCK_OUT	:= $(BUILD)/memblock
MEMBLOCK_SIM	:= $(TRACKER_CUR)/tools/testing/memblock
MEMBLOCK_SRCS	:= $(MEMBLOCK_SIM)/lib/slab.c $(MEMBLOCK_SIM)/mmzone.c \
		   $(TRACKER_CUR)/tools/lib/slab.c $(TRACKER_CUR)/tools/lib/cmdline.c

.DELETE_ON_ERROR:
.PHONY: all help setup kernel kernel-deb docs debian-root-prefetch guest tools install deb unit tracker memblock bench bench-tracing bench-restore demo check check-host check-vm check-compat clean distclean

all: kernel
	$(Q)$(MAKE) --no-print-directory tools guest

help:
	@echo 'Targets:'
	@echo '  setup      install the Debian packages khoscope needs (as root)'
	@echo '  kernel     fetch linux-source-7.3, apply kernel/patches, build build/kernel/{bzImage,vmlinux}'
	@echo '  kernel-deb Debian packages of 7.3 with the series, Debian'"'"'s configuration + kernel/host.config'
	@echo '             (FLAVOUR=amd64_none_cloud-amd64, or KCONFIG=FILE; build/kernel-deb/*.deb)'
	@echo '  tools      build khoscope (build/user/khoscope), its guest twin and khoscope-plan'
	@echo '             (BTF=/sys/kernel/btf/vmlinux: against the running kernel, with the series)'
	@echo '  install    install khoscope, khoscope-plan, their man pages and completion'
	@echo '             under DESTDIR/PREFIX (PREFIX=/usr/local)'
	@echo '  deb        a Debian package of the same (build/deb/khoscope_VERSION_amd64.deb)'
	@echo '  guest      build the static binaries the VM guest runs'
	@echo '  demo       boot the kernel under QEMU and show what the kho events record'
	@echo '  check      build what is missing, run host tests and VM scenarios'
	@echo '  check-compat  kexec between stock 7.3 and the series, both ways (builds stock 7.3)'
	@echo '  bench      benchmark the radix tree in user space (BENCH_SIZES="1 16", BENCH_REPEAT=5),'
	@echo '             then bench-tracing and bench-restore'
	@echo '  bench-tracing  tracing overhead in the VM: events off, khoscope, ftrace'
	@echo '  bench-restore  the next kernel'"'"'s restore walk in the VM: stock walk against the series'
	@echo '  docs       copy build/bench/*.json to docs/bench, regenerate the docs'"'"' tables and plots'
	@echo '  clean      remove build/ except the kernel tree and objects'
	@echo '  distclean  remove build/ entirely'
	@echo 'Variables: V=1 shows full commands; JOBS=N sets kernel build parallelism.'

setup:
	$(Q)scripts/setup

kernel: setup
	$(Q)scripts/build-kernel

kernel-deb: setup
	$(Q)scripts/kernel-deb $(if $(KCONFIG),--config "$(KCONFIG)",$(if $(FLAVOUR),--flavour "$(FLAVOUR)"))

docs:
	$(Q)scripts/docs-figures $(BUILD)/bench

guest: $(GUEST_HELPERS)

tools: $(KHOSCOPE) $(KHOSCOPE_GUEST) $(USER_OUT)/khoscope-plan

install: $(KHOSCOPE) $(USER_OUT)/khoscope-plan
	$(Q)scripts/install "$(DESTDIR)" "$(PREFIX)" "$(BUILD)"

deb: $(KHOSCOPE) $(USER_OUT)/khoscope-plan
	$(Q)scripts/deb $(VERSION) "$(BUILD)"

unit: $(UNIT_TESTS)

memblock: $(MEMBLOCK_OUT)/bench_memblock

# The simulator links memblock.c and the kernel headers it needs into its
# directory, where memblock.c finds the simulator's internal.h.
$(MEMBLOCK_OUT)/bench_memblock: tests/memblock/bench_memblock.c $(TRACKER_CUR)/mm/memblock.c \
				$(MEMBLOCK_SRCS) | $(MEMBLOCK_OUT)
	$(call msg,CC,$@)
	$(Q)$(MAKE) -s -C $(MEMBLOCK_SIM) include memblock.c >/dev/null
	$(Q)$(CC) -O2 -g -Wall -I$(MEMBLOCK_SIM) -I$(TRACKER_CUR)/tools/include \
		-DCONFIG_PHYS_ADDR_T_64BIT -o $@ $< $(MEMBLOCK_SIM)/memblock.c $(MEMBLOCK_SRCS)

tracker: $(TRACKER_OUT)/test_tracker $(TRACKER_OUT)/test_tracker_tsan $(TRACKER_OUT)/fuzz_tracker \
	 $(TRACKER_OUT)/bench_current $(TRACKER_OUT)/bench_events

$(TRACKER_OUT)/test_tracker: tests/tracker/test_tracker.c $(TRACKER_DEPS) $(TRACKER_CUR)/kernel/liveupdate/kho_radix_tree.c | $(TRACKER_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -O1 $(SANITIZE) $(call TRACKER_CFLAGS,$(TRACKER_CUR)) -o $@ $< $(call TRACKER_SRCS,$(TRACKER_CUR)) -lpthread

# The same tests under ThreadSanitizer: every access the threads share is
# ordered by the tree's lock (tests/host/tracker-tsan.sh).
$(TRACKER_OUT)/test_tracker_tsan: tests/tracker/test_tracker.c $(TRACKER_DEPS) $(TRACKER_CUR)/kernel/liveupdate/kho_radix_tree.c | $(TRACKER_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -O1 -fsanitize=thread $(call TRACKER_CFLAGS,$(TRACKER_CUR)) -o $@ $< $(call TRACKER_SRCS,$(TRACKER_CUR)) -lpthread

$(TRACKER_OUT)/fuzz_tracker: tests/tracker/fuzz_tracker.c $(TRACKER_DEPS) $(TRACKER_CUR)/kernel/liveupdate/kho_radix_tree.c | $(TRACKER_OUT)
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) -O1 -fsanitize=fuzzer,address,undefined $(call TRACKER_CFLAGS,$(TRACKER_CUR)) -o $@ $< $(call TRACKER_SRCS,$(TRACKER_CUR))

# The benchmarks build the tree with its events compiled out, as a static
# key leaves them when off (SHIM_EVENTS_OFF); bench_events keeps them, to
# measure what they cost when on.
$(TRACKER_OUT)/bench_current: BENCH_EVENTS := -DSHIM_EVENTS_OFF
$(TRACKER_OUT)/bench_current $(TRACKER_OUT)/bench_events: tests/tracker/bench_tracker.c $(TRACKER_DEPS) $(TRACKER_CUR)/kernel/liveupdate/kho_radix_tree.c | $(TRACKER_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -DSHIM_NO_LOCKDEP $(BENCH_EVENTS) $(call TRACKER_CFLAGS,$(TRACKER_CUR)) -o $@ $< $(call TRACKER_SRCS,$(TRACKER_CUR)) -lpthread

# The baseline's source is made by scripts/tracker-src; always re-checked.
# It is stock 7.3's tracker (SHIM_STOCK: no trace events, no tree id).
$(TRACKER_OUT)/bench_baseline: tests/tracker/bench_tracker.c $(TRACKER_DEPS) FORCE | $(TRACKER_OUT)
	$(call msg,CC,$@)
	$(Q)base=$$(scripts/tracker-src baseline) && \
		$(CC) -O2 -DSHIM_STOCK -DSHIM_NO_LOCKDEP -DSHIM_EVENTS_OFF $(call TRACKER_CFLAGS,$$base) -o $@ $< $(call TRACKER_SRCS,$$base) -lpthread

bench: kernel
	$(Q)$(MAKE) --no-print-directory $(TRACKER_OUT)/bench_current $(TRACKER_OUT)/bench_events \
		$(TRACKER_OUT)/bench_baseline
	$(Q)scripts/bench $(BENCH_SIZES)
	$(Q)$(MAKE) --no-print-directory bench-tracing bench-restore

bench-tracing: kernel
	$(Q)$(MAKE) --no-print-directory tools guest
	$(Q)scripts/vm-run --quiet --icount --memory 2G --timeout 2400 scripts/bench-vm.sh
	$(Q)mkdir -p $(BUILD)/bench && sed -n 's/^BENCH-VM //p' $(BUILD)/vm/bench-vm.log | \
		scripts/bench --stamp-revision >$(BUILD)/bench/tracing-overhead.json
	$(Q)scripts/bench --tracing $(BUILD)/bench/tracing-overhead.json
	@echo "bench: wrote $(BUILD)/bench/tracing-overhead.json"

bench-restore: kernel
	$(Q)$(MAKE) --no-print-directory guest memblock
	$(Q)scripts/bench-restore

# Rewritten only when the version or revision changes: see scripts/version-h.
$(VERSION_H): FORCE
	$(Q)scripts/version-h $(VERSION) $@

FORCE:

$(UNIT_OUT)/test_report: tests/unit/test_report.c tests/unit/test.h $(MODEL_SRCS) $(USER_HDRS) | $(UNIT_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_report.c $(MODEL_SRCS) -ljson-c

$(UNIT_OUT)/test_metrics: tests/unit/test_metrics.c tests/unit/test.h user/metrics.c user/textfile.c user/report.c $(USER_HDRS) | $(UNIT_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_metrics.c user/metrics.c user/textfile.c user/report.c -ljson-c

$(UNIT_OUT)/test_httpd: tests/unit/test_httpd.c tests/unit/test.h $(HTTPD_SRCS) $(USER_HDRS) | $(UNIT_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_httpd.c $(HTTPD_SRCS) $(HTTPD_LIBS)

$(UNIT_OUT)/test_webconfig: tests/unit/test_webconfig.c tests/unit/test.h user/webconfig.c user/webconfig.h | $(UNIT_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_webconfig.c user/webconfig.c -lyaml -lcrypt

# The metrics endpoint alone, for tests/host/httpd-tls.sh.
$(UNIT_OUT)/serve_httpd: tests/unit/serve_httpd.c $(HTTPD_SRCS) $(USER_HDRS) | $(UNIT_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/serve_httpd.c $(HTTPD_SRCS) $(HTTPD_LIBS)

$(UNIT_OUT)/test_bits: tests/unit/test_bits.c tests/unit/test.h bpf/bits.bpf.h include/khoscope.h | $(UNIT_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(UNIT_CFLAGS) -fno-builtin -Ibpf -o $@ tests/unit/test_bits.c

$(VMLINUX):
	$(Q)scripts/build-kernel

# Regenerated when BTF names another file: $(BPF_OUT)/btf records which.
$(BPF_OUT)/btf: FORCE | $(BPF_OUT)
	$(Q)[ "$$(cat $@ 2>/dev/null)" = "$(abspath $(BTF))" ] || echo "$(abspath $(BTF))" >$@

$(BPF_OUT)/vmlinux.h: $(BTF) $(BPF_OUT)/btf | $(BPF_OUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(BTF) format c >$@.tmp || \
		{ rm -f $@.tmp; echo "khoscope: cannot read BTF from '$(BTF)'" >&2; exit 1; }
	$(Q)grep -q '^struct kho_radix_tree {' $@.tmp || { rm -f $@.tmp; \
		echo "khoscope: the BTF of '$(BTF)' has no KHO radix tree: a kernel without the series (build one: make kernel)" >&2; \
		exit 1; }
	$(Q)mv $@.tmp $@

$(BPF_OUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.bpf.h) include/khoscope.h $(BPF_OUT)/vmlinux.h | $(BPF_OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_OUT)/%.skel.h: $(BPF_OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf >$@

$(KHOSCOPE): $(USER_SRCS) $(USER_HDRS) $(BPF_OUT)/khoscope.skel.h $(VERSION_H) | $(USER_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -o $@ $(USER_SRCS) $(USER_LIBS)

# The capacity planner: the kernel's kho_radix_tree.c in user space, as the
# tracker tests build it.
$(USER_OUT)/khoscope-plan: user/khoscope-plan.c user/plan-workload.c user/plan.h $(VERSION_H) $(TRACKER_DEPS) $(TRACKER_CUR)/kernel/liveupdate/kho_radix_tree.c | $(USER_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -DSHIM_NO_LOCKDEP $(call TRACKER_CFLAGS,$(TRACKER_CUR)) -Iuser -I$(BUILD) -o $@ $< \
		user/plan-workload.c \
		$(call TRACKER_SRCS,$(TRACKER_CUR)) -lpthread -ljson-c -lm

$(KHOSCOPE_GUEST): $(USER_SRCS) $(USER_HDRS) $(BPF_OUT)/khoscope.skel.h $(VERSION_H) | $(GUEST_BIN)
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -o $@ $(USER_SRCS) $(USER_LIBS)
	$(Q)rm -rf $(GUEST_ROOT) && scripts/guest-libs $@ $(GUEST_ROOT)

$(BPF_OUT) $(USER_OUT) $(UNIT_OUT) $(TRACKER_OUT) $(MEMBLOCK_OUT):
	$(Q)mkdir -p $@

$(GUEST_BIN)/%: tests/vm/helpers/%.c | $(GUEST_BIN)
	$(call msg,CC,$@)
	$(Q)$(CC) $(GUEST_CFLAGS) -o $@ $<

# <linux/liveupdate.h> is newer than the host's headers: the kernel's uapi
# copy fills in what the host lacks.
$(GUEST_BIN)/luo-memfd: tests/vm/helpers/luo-memfd.c $(TRACKER_CUR)/include/uapi/linux/liveupdate.h | $(GUEST_BIN)
	$(call msg,CC,$@)
	$(Q)$(CC) $(GUEST_CFLAGS) -idirafter $(TRACKER_CUR)/include/uapi -o $@ $<

$(GUEST_BIN):
	$(Q)mkdir -p $@

# What the user-space builds take from the patched source (the tracker and
# the planner, <linux/liveupdate.h>), prepared here if make kernel has not
# done it: make tools, guest and deb work in a fresh clone on a host.
$(TRACKER_CUR)/%: | $(BUILD)/kernel/.src-stamp ;

$(BUILD)/kernel/.src-stamp: | setup
	$(Q)KHOSCOPE_BUILD=$(BUILD) scripts/build-kernel --source-only >/dev/null

demo: kernel
	$(Q)$(MAKE) --no-print-directory tools guest
	$(Q)scripts/vm-run --quiet scripts/demo.sh

# The Debian root of tests/vm/debian-host is fetched (debootstrap, once,
# cached) in the background while the kernel builds.
check: debian-root-prefetch kernel
	$(Q)$(MAKE) --no-print-directory tools guest unit tracker memblock
	$(Q)tests/run

debian-root-prefetch: setup
	$(Q)mkdir -p $(BUILD) && (scripts/debian-root >$(BUILD)/debian-root.log 2>&1 &)

check-host: kernel
	$(Q)$(MAKE) --no-print-directory tools unit tracker memblock
	$(Q)tests/run --host

check-vm: kernel
	$(Q)$(MAKE) --no-print-directory tools guest
	$(Q)tests/run --vm

check-compat: kernel
	$(Q)$(MAKE) --no-print-directory guest
	$(Q)scripts/check-compat

clean:
	$(Q)rm -rf $(BUILD)/guest/bin $(BUILD)/vm $(BUILD)/tests $(BPF_OUT) $(USER_OUT) $(UNIT_OUT) $(TRACKER_OUT)

distclean:
	$(Q)rm -rf $(BUILD)
