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

GUEST_HELPERS	:= $(GUEST_BIN)/kexec-reboot $(GUEST_BIN)/fdt-prop

# khoscope: BPF object and skeleton, a dynamic build for hosts and a static
# one for the guest.
CLANG		?= clang
BPFTOOL		?= bpftool
VMLINUX		:= $(BUILD)/kernel/vmlinux
BPF_OUT		:= $(BUILD)/bpf
USER_OUT	:= $(BUILD)/user
KHOSCOPE	:= $(USER_OUT)/khoscope
KHOSCOPE_GUEST	:= $(GUEST_BIN)/khoscope
BPF_CFLAGS	:= -g -O2 -target bpf -D__TARGET_ARCH_x86 -fms-extensions \
		   -Wall -Wno-microsoft-anon-tag -Wno-missing-declarations \
		   -I$(BPF_OUT) -Iinclude -Ibpf
USER_CFLAGS	:= -g -O2 -Wall -Wextra -Wno-unused-parameter -I$(BPF_OUT) -Iinclude -Iuser
USER_SRCS	:= user/khoscope.c user/report.c
USER_HDRS	:= user/report.h include/khoscope.h
UNIT_OUT	:= $(BUILD)/unit
UNIT_CFLAGS	:= -g -O1 -Wall -Wextra -Wno-unused-parameter -fsanitize=address,undefined \
		   -fno-omit-frame-pointer -Iinclude -Iuser -Itests/unit
UNIT_TESTS	:= $(UNIT_OUT)/test_report

.DELETE_ON_ERROR:
.PHONY: all help setup kernel guest tools unit demo check check-host check-vm clean distclean

all: kernel
	$(Q)$(MAKE) --no-print-directory tools guest

help:
	@echo 'Targets:'
	@echo '  setup      install the Debian packages khoscope needs (as root)'
	@echo '  kernel     fetch linux-source-7.3, apply kernel/patches, build build/kernel/{bzImage,vmlinux}'
	@echo '  tools      build khoscope (build/user/khoscope) and its static guest twin'
	@echo '  guest      build the static binaries the VM guest runs'
	@echo '  demo       boot the kernel under QEMU and show what the kho events record'
	@echo '  check      build what is missing, run host tests and VM scenarios'
	@echo '  clean      remove build/ except the kernel tree and objects'
	@echo '  distclean  remove build/ entirely'
	@echo 'Variables: V=1 shows full commands; JOBS=N sets kernel build parallelism.'

setup:
	$(Q)scripts/setup

kernel: setup
	$(Q)scripts/build-kernel

guest: $(GUEST_HELPERS)

tools: $(KHOSCOPE) $(KHOSCOPE_GUEST)

unit: $(UNIT_TESTS)

$(UNIT_OUT)/test_report: tests/unit/test_report.c tests/unit/test.h user/report.c $(USER_HDRS) | $(UNIT_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(UNIT_CFLAGS) -o $@ tests/unit/test_report.c user/report.c

$(VMLINUX):
	$(Q)scripts/build-kernel

$(BPF_OUT)/vmlinux.h: $(VMLINUX) | $(BPF_OUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $< format c >$@

$(BPF_OUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.bpf.h) include/khoscope.h $(BPF_OUT)/vmlinux.h | $(BPF_OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_OUT)/%.skel.h: $(BPF_OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf >$@

$(KHOSCOPE): $(USER_SRCS) $(USER_HDRS) $(BPF_OUT)/khoscope.skel.h | $(USER_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -o $@ $(USER_SRCS) -lbpf -lelf -lz

$(KHOSCOPE_GUEST): $(USER_SRCS) $(USER_HDRS) $(BPF_OUT)/khoscope.skel.h | $(GUEST_BIN)
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -static -o $@ $(USER_SRCS) -lbpf -lelf -lz -lzstd

$(BPF_OUT) $(USER_OUT) $(UNIT_OUT):
	$(Q)mkdir -p $@

$(GUEST_BIN)/%: tests/vm/helpers/%.c | $(GUEST_BIN)
	$(call msg,CC,$@)
	$(Q)$(CC) $(GUEST_CFLAGS) -o $@ $<

$(GUEST_BIN):
	$(Q)mkdir -p $@

demo: kernel
	$(Q)$(MAKE) --no-print-directory tools guest
	$(Q)scripts/vm-run scripts/demo.sh

check: kernel
	$(Q)$(MAKE) --no-print-directory tools guest unit
	$(Q)tests/run

check-host: setup
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)tests/run --host

check-vm: kernel
	$(Q)$(MAKE) --no-print-directory tools guest
	$(Q)tests/run --vm

clean:
	$(Q)rm -rf $(BUILD)/guest/bin $(BUILD)/vm $(BUILD)/tests $(BPF_OUT) $(USER_OUT)

distclean:
	$(Q)rm -rf $(BUILD)
