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

.DELETE_ON_ERROR:
.PHONY: all help setup kernel guest demo check check-host check-vm clean distclean

all: kernel guest

help:
	@echo 'Targets:'
	@echo '  setup      install the Debian packages khoscope needs (as root)'
	@echo '  kernel     fetch linux-source-7.3, apply kernel/patches, build build/kernel/{bzImage,vmlinux}'
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

$(GUEST_BIN)/%: tests/vm/helpers/%.c | $(GUEST_BIN)
	$(call msg,CC,$@)
	$(Q)$(CC) $(GUEST_CFLAGS) -o $@ $<

$(GUEST_BIN):
	$(Q)mkdir -p $@

demo: kernel guest
	$(Q)scripts/vm-run scripts/demo.sh

check: kernel guest
	$(Q)tests/run

check-host: setup
	$(Q)tests/run --host

check-vm: kernel guest
	$(Q)tests/run --vm

clean:
	$(Q)rm -rf $(BUILD)/guest $(BUILD)/vm $(BUILD)/tests

distclean:
	$(Q)rm -rf $(BUILD)
