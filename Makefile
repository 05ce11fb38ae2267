# fwpack - firmware packaging and signing.
#
#   make            build build/host/fwpack and build/host/libfwpk_verify.a
#   make demo       the main job end to end
#   make check      every test (ASan/UBSan build), cross builds, fuzz smoke
#   make resume-invariant  issue 21's invariant at length (a few minutes)
#   make bench      figures beside budgets (never asserted), fwpack
#                   flash's timing against avrdude/stm32flash, and a 64 KiB
#                   update from a Notecard (make bench-notecard)
#   make size       verifier flash/RAM per target and component, and the
#                   container's overhead over raw deflate, vs budgets
#   make powercut   the example bootloaders through every single and
#                   double power cut (mk/powercut.mk; minutes)
#   make deps       apt-install what is missing (Debian 12, as root)
#   make install    PREFIX=/usr/local DESTDIR=...: see mk/install.mk
#   make arduino-lib  build/arduino/fwpack, the Arduino library, and its
#                   examples built for their boards (mk/arduino.mk)

CC ?= cc
BUILD ?= build
PKGS_HOST := libsodium-dev libcbor-dev zlib1g-dev libcmocka-dev liblzma-dev libzopfli-dev srecord pkg-config openssl \
             clang libclang-rt-14-dev cppcheck softhsm2 opensc p11-kit-modules cmake groff-base
PKGS_CROSS := gcc-arm-none-eabi libnewlib-arm-none-eabi gcc-riscv64-unknown-elf \
              gcc-avr avr-libc binutils-avr simavr libsimavr-dev qemu-system-arm socat
# Outboard updates (mk/outboard.mk): the clients and the firmware fwpack
# flash is checked against.
PKGS_OUTBOARD := avrdude stm32flash arduino-core-avr
# Firmware nobody here wrote, packed as a new user would
# (tests/test_debian_firmware.c): MicroPython for the BBC micro:bit (nRF51,
# with a UICR record), beside arduino-core-avr's bootloaders.
PKGS_FIRMWARE := firmware-microbit-micropython
# The Arduino library's examples are built as the Arduino tools build them
# (mk/arduino.mk).
PKGS_ARDUINO := arduino-builder zip
# make bench-delta compares fwpack's deltas with these (mk/delta-pairs.mk).
PKGS_DELTA := bsdiff xdelta3
PKGS := $(PKGS_HOST) $(PKGS_CROSS) $(PKGS_OUTBOARD) $(PKGS_FIRMWARE) \
        $(PKGS_ARDUINO) $(PKGS_DELTA)

WARN := -Wall -Wextra -Werror
INC := -Iverifier/include -Iformat -Itools/lib -Ikeys -Iprogrammer/include
# The host's verifier decodes every container the format allows: deflate
# and LZMA (FWPK_CODECS, fwpk_verify.h; a device build has deflate only
# unless it asks), LZMA with lc + lp up to 4 (a 28 KB probability table; a
# device's default is 1, 6.8 KB).  Every host object sees the same values:
# they size struct fwpk_ctx.
HOST_DEFS := -DFWPK_LZMA_LCLP_MAX=4 -DFWPK_CODECS=6
VERIFIER_CFLAGS := -std=c99 -pedantic $(WARN) $(HOST_DEFS)
HOST_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(HOST_DEFS)
HOST_LIBS := -lsodium -lcbor -lz -lzopfli -llzma

VERIFIER_SRC := $(wildcard verifier/src/*.c)
PROG_SRC := $(wildcard programmer/src/*.c)
LIB_SRC := $(wildcard tools/lib/*.c) $(wildcard keys/*.c)
CLI_SRC := $(wildcard tools/cli/*.c)
TEST_SRC := $(wildcard tests/test_*.c)
SUPPORT_SRC := $(wildcard tests/support/*.c)

# Two host flavours: release (-O2) and test (ASan/UBSan).
REL := $(BUILD)/host
TST := $(BUILD)/test
REL_OPT := -O2 -g
TST_OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

obj = $(patsubst %.c,$(1)/obj/%.o,$(2))
.SECONDEXPANSION:
# The objects are prerequisites of pattern rules (the libraries), which
# makes them intermediate files: make would delete them after every build
# (make demo and make check printed a long "rm ...") and rebuild them the
# next time.  They are listed, for every build directory (mk/min.mk,
# mk/modes.mk), not a bare .SECONDARY: (those files name targets of their
# own, and then a bare one no longer means "all").
ALL_OBJ_SRC = $(VERIFIER_SRC) $(PROG_SRC) $(LIB_SRC) $(CLI_SRC) $(SUPPORT_SRC) \
              $(TEST_SRC)
OBJ_DIRS = $(REL) $(TST) $(BUILD)/test-min $(BUILD)/test-stream \
           $(BUILD)/test-flashwin $(BUILD)/test-deflate $(BUILD)/test-lzma \
           $(BUILD)/test-ring8 $(BUILD)/test-limb8 $(BUILD)/test-avr \
           $(BUILD)/test-one
.SECONDARY: $(foreach d,$(OBJ_DIRS),$(call obj,$(d),$(ALL_OBJ_SRC)))
# and the host's bench programs' (the $(REL)/bench/% rule: make check and
# make bench link host_bench, bench-filters and bench-overhead theirs)
HOST_BENCH_SRC := bench/host_bench.c bench/filters.c bench/overhead.c
.SECONDARY: $(call obj,$(REL),$(HOST_BENCH_SRC))

DEPFLAGS := -MMD -MP
.PHONY: all deps check test demo bench size cross clean
all: deps $(REL)/fwpack $(REL)/libfwpk_verify.a $(REL)/libfwpack.a $(REL)/libfwpk_prog.a

# ---- dependencies --------------------------------------------------------
deps:
	@.ci/deps $(PKGS)

# ---- objects -------------------------------------------------------------
$(REL)/obj/verifier/%.o: verifier/%.c
	@mkdir -p $(dir $@)
	$(CC) $(VERIFIER_CFLAGS) $(REL_OPT) $(INC) $(DEPFLAGS) -c $< -o $@
$(TST)/obj/verifier/%.o: verifier/%.c
	@mkdir -p $(dir $@)
	$(CC) $(VERIFIER_CFLAGS) $(TST_OPT) $(INC) $(DEPFLAGS) -c $< -o $@
# The programmer library is freestanding C99 too (a host MCU runs it).
$(REL)/obj/programmer/%.o: programmer/%.c
	@mkdir -p $(dir $@)
	$(CC) $(VERIFIER_CFLAGS) $(REL_OPT) $(INC) $(DEPFLAGS) -c $< -o $@
$(TST)/obj/programmer/%.o: programmer/%.c
	@mkdir -p $(dir $@)
	$(CC) $(VERIFIER_CFLAGS) $(TST_OPT) $(INC) $(DEPFLAGS) -c $< -o $@
$(REL)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(REL_OPT) $(INC) $(DEPFLAGS) -c $< -o $@
$(TST)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(TST_OPT) $(INC) -Iverifier/src -Itests/support $(DEPFLAGS) -c $< -o $@

# ---- libraries and the CLI -----------------------------------------------
%/libfwpk_verify.a: $$(call obj,%,$(VERIFIER_SRC))
	@rm -f $@; ar rcs $@ $^
%/libfwpack.a: $$(call obj,%,$(LIB_SRC))
	@rm -f $@; ar rcs $@ $^
%/libfwpk_prog.a: $$(call obj,%,$(PROG_SRC))
	@rm -f $@; ar rcs $@ $^
# verify and unpack --mode streaming: a second verifier build (mk/streamrun.mk)
include mk/streamrun.mk
$(REL)/fwpack: $(call obj,$(REL),$(CLI_SRC)) $(REL)/streamrun.o $(REL)/libfwpack.a $(REL)/libfwpk_prog.a $(REL)/libfwpk_verify.a
	$(CC) $(REL_OPT) $^ $(HOST_LIBS) -o $@
$(TST)/fwpack: $(call obj,$(TST),$(CLI_SRC)) $(TST)/streamrun.o $(TST)/libfwpack.a $(TST)/libfwpk_prog.a $(TST)/libfwpk_verify.a
	$(CC) $(TST_OPT) $^ $(HOST_LIBS) -o $@

# ---- tests -----------------------------------------------------------------
TEST_BINS := $(patsubst tests/%.c,$(TST)/tests/%,$(TEST_SRC))
$(TST)/tests/%: $(TST)/obj/tests/%.o $(call obj,$(TST),$(SUPPORT_SRC)) $(TST)/libfwpack.a $(TST)/libfwpk_prog.a $(TST)/libfwpk_verify.a
	@mkdir -p $(dir $@)
	$(CC) $(TST_OPT) $^ $(HOST_LIBS) -lcmocka -o $@

# The minimal configuration's build (must come before check uses it).
include mk/min.mk
include mk/modes.mk
include mk/delta-pairs.mk

# test_pack packs two of bench-filters' linked programs (mk/bench-filters.mk).
CHECK_PROGRAMS := $(BUILD)/bench-filters/cm0-newlib.elf $(BUILD)/bench-filters/cm4-newlib-all.elf \
                  $(DP_ELFS)
check: deps $(TEST_BINS) $(MIN_TEST_BINS) $(MODE_TEST_BINS) $(TST)/fwpack cross $(REL)/bench/host_bench $(CHECK_PROGRAMS)
	@FWPACK=$(TST)/fwpack tests/run-all $(TEST_BINS) $(MIN_TEST_BINS) $(MODE_TEST_BINS)
	@$(MAKE) --no-print-directory fuzz-smoke
	@$(MAKE) --no-print-directory lint

test: check

# test_resume_invariant at length: 20,000 random interleavings of
# interrupted updates and issue 21's sweeps in full (make check runs 300,
# download cuts every 4096th byte and at frame ends, and part of the
# power-cut sweep).
.PHONY: resume-invariant
resume-invariant: $(TST)/tests/test_resume_invariant
	RESUME_INVARIANT_RUNS=20000 RESUME_INVARIANT_FULL=1 $<

# cppcheck over the device library, the host code, the programmer and the
# example bootloaders' shared A/B logic; inline suppressions
# (cppcheck-suppress) mark its known false positives, each with a reason.
CPPCHECK := cppcheck --quiet --inline-suppr --error-exitcode=1 \
            --enable=warning,portability
.PHONY: lint
lint:
	@$(CPPCHECK) --std=c99 -Iverifier/include -Iformat -Iverifier/src verifier/src
	@$(CPPCHECK) --std=c99 -Iverifier/include -Iformat -Iprogrammer/include programmer/src
	@$(CPPCHECK) --std=c11 -Iverifier/include -Iformat -Itools/lib -Ikeys -Iprogrammer/include tools keys
	@$(CPPCHECK) --std=c99 -Iverifier/include -Iformat examples/abboot
	@$(CPPCHECK) --std=c99 -Iverifier/include -Iformat -Iarduino/src arduino/src arduino/simapp.c
	@$(CPPCHECK) --std=c++11 -Iarduino/samd arduino/samd
	@echo "cppcheck: verifier/src, programmer/src, tools, keys, examples/abboot, arduino clean"

demo: all
	@FWPACK=$(REL)/fwpack examples/demo.sh

$(REL)/bench/%: $(REL)/obj/bench/%.o $(REL)/libfwpack.a $(REL)/libfwpk_verify.a
	@mkdir -p $(dir $@)
	$(CC) $(REL_OPT) $^ $(HOST_LIBS) -o $@

bench: all $(REL)/bench/host_bench
	@mkdir -p $(BUILD)/bench
	$(REL)/bench/host_bench $(REL)/fwpack $(BUILD)/bench
	@$(MAKE) --no-print-directory bench-emu
	@$(MAKE) --no-print-directory bench-lzma
	@sh bench/boot.sh bench $(BUILD)/bench-boot
	@$(MAKE) --no-print-directory bench-filters
	@$(MAKE) --no-print-directory bench-overhead
	@$(MAKE) --no-print-directory bench-outboard
	@$(MAKE) --no-print-directory bench-notecard
	@$(MAKE) --no-print-directory bench-delta

# A 64 KiB update from a Notecard: link time and the verifier's share
# (bench/notecard.c; after bench-emu, whose figures it reads).
.PHONY: bench-notecard
bench-notecard: $(REL)/bench/notecard
	@$< $(BUILD)/bench-emu

clean:
	rm -rf $(BUILD)


include mk/cross.mk
include mk/install.mk
include mk/fuzz.mk
size: $(REL)/fwpack
include mk/bench-emu.mk
include mk/avr-example.mk
include mk/bench-filters.mk
include mk/outboard.mk
include mk/powercut.mk
include mk/microbit.mk
include mk/arduino.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
