# Cross builds of the verifier for the MCUs it is meant for, and their cost.
# Included by the top Makefile; also usable alone: make -f mk/cross.mk cross
#
#   make cross   build/cross/<target>/libfwpk_verify.a for every target, each
#                source file its own object (with .su stack and .ci call-graph
#                files), plus the linked harness size_main.elf (bench/size_main.c)
#   make size    bench/size.sh: flash and RAM per target and component, linked
#                totals, and each figure beside its budget (bench/size_budgets).
#                Figures only: make size never fails on a budget.  Then
#                bench/boot.sh size: the QEMU bootloader example's flash and
#                RAM (needs build/host/fwpack; skipped with a note without it).
#                Then make bench-overhead (mk/bench-filters.mk): the container's
#                bytes over raw deflate, beside issue 3's 2% budget.  Between
#                them, bench/size_notecard.sh: the Notecard client's RAM
#                (sizeof fwpk_nc) beside its 256-byte goal, and its flash.
#
# Targets: cortex-m0plus cortex-m3 cortex-m4 rv32imc atmega328p, and
# cortex-m0plus-min: the same M0+ with the features a small Cortex-M
# bootloader can go without left out (fwpk_verify.h: no resume, the Thumb
# filter only; inflate's 7-bit table, the default, costs no RAM), for the
# 8 KB budget.  The -stream builds and atmega328p are issue 15's small-RAM
# designs (below); atmega328p-min is the ATmega328P build without resume.
# *-lzma: builds with LZMA beside deflate (issue 17), whose figures
# tools/lib/verifier_fit.c uses for LZMA containers.
# The library is whatever verifier/src/*.c exists (wildcard), so the rules work
# while the verifier is being written.  The harness is linked with
# --gc-sections against bench/size_libc.c (memcpy & co.; riscv64-unknown-elf on
# Debian has no libc) and libgcc; while the library does not define
# fwpk_begin/fwpk_feed/fwpk_finish yet, a failed link is reported and skipped
# (make size then prints the sum of the component objects as the total); once
# it does, a failed link fails the build.

BUILD ?= build
VERIFIER_SRC ?= $(wildcard verifier/src/*.c)

CROSS_DIR := $(BUILD)/cross
# Issue 17: the same builds with LZMA beside deflate (FWPK_CODECS=6, the
# probability table at lc + lp <= 1), and AVR where a part has the RAM for
# the table (ATmega1284P, 16 KB).
CROSS_LZMA_TARGETS := cortex-m0plus-lzma cortex-m0plus-stream-lzma cortex-m3-lzma cortex-m4-lzma \
                      rv32imc-lzma atmega1284p-lzma
CROSS_TARGETS := cortex-m0plus cortex-m0plus-min cortex-m0plus-stream cortex-m0plus-stream-min cortex-m3 cortex-m4 rv32imc atmega328p \
                 atmega328p-min atmega328p-one $(CROSS_LZMA_TARGETS)
CROSS_CFLAGS := -Os -std=c99 -ffreestanding -Wall -Wextra -Werror \
                -ffunction-sections -fdata-sections -fstack-usage
# Only the verifier's own headers: the host INC (tools/lib, keys) stays out.
CROSS_INC := -Iverifier/include -Iformat -Iverifier/src

# Per target: tool prefix, machine flags, extra flags, harness link flags.
# -fcallgraph-info=su (gcc >= 10) writes the .ci call graph size.sh walks for
# the worst-case stack; avr-gcc 5.4 has no such option, so for AVR size.sh
# reads the calls from the object's relocations instead.
CROSS_PREFIX_cortex-m0plus := arm-none-eabi-
CROSS_ARCH_cortex-m0plus := -mcpu=cortex-m0plus -mthumb
CROSS_PREFIX_cortex-m0plus-min := arm-none-eabi-
CROSS_ARCH_cortex-m0plus-min := -mcpu=cortex-m0plus -mthumb -DFWPK_RESUME=0 \
                                -DFWPK_FILTERS=2 -DFWPK_DELTA=0 \
                                -DFWPK_INFLATE_FAST_BITS=7
CROSS_PREFIX_cortex-m3 := arm-none-eabi-
CROSS_ARCH_cortex-m3 := -mcpu=cortex-m3 -mthumb
CROSS_PREFIX_cortex-m4 := arm-none-eabi-
CROSS_ARCH_cortex-m4 := -mcpu=cortex-m4 -mthumb
CROSS_PREFIX_rv32imc := riscv64-unknown-elf-
CROSS_ARCH_rv32imc := -march=rv32imc -mabi=ilp32
# The small-RAM designs (issue 15): streaming (no frame buffer), the
# window in flash behind a 256-byte ring (ring and inflate state are the
# 1 KB that holds the manifest first and lends Ed25519 its workspace),
# 64-byte write staging (STM32G0 and SAMD21 write 8 or 64 bytes at a time),
# four segments kept for the own target, containers of at most four
# targets.  -stream: everything (resume,
# both filters, delta); -stream-min: the smallest useful build (Thumb
# only, no resume, no delta).
CROSS_SMALL := -DFWPK_FRAME_BUFFER=0 -DFWPK_RING_BITS=8 -DFWPK_WBUF_SIZE=64 -DFWPK_SEGMENTS=4 \
               -DFWPK_TARGETS=4
CROSS_PREFIX_cortex-m0plus-stream := arm-none-eabi-
CROSS_ARCH_cortex-m0plus-stream := -mcpu=cortex-m0plus -mthumb $(CROSS_SMALL)
CROSS_PREFIX_cortex-m0plus-stream-min := arm-none-eabi-
CROSS_ARCH_cortex-m0plus-stream-min := -mcpu=cortex-m0plus -mthumb $(CROSS_SMALL) \
                                -DFWPK_RESUME=0 -DFWPK_FILTERS=2 -DFWPK_DELTA=0
CROSS_PREFIX_atmega328p := avr-
# Streaming with the window in flash, 128-byte pages, no branch filter
# (AVR code gains nothing from the ARM and RISC-V ones), Ed25519's field
# in bytes for the 8 x 8-bit multiplier, in loops, SHA-512 on bytes and
# the small inflate (size first), no error strings, no delta updates.
# atmega328p-min and atmega1284p-lzma inherit these switches.
CROSS_ARCH_atmega328p := -mmcu=atmega328p -DFWPK_FRAME_BUFFER=0 -DFWPK_RING_BITS=8 \
                         -DFWPK_WBUF_SIZE=128 -DFWPK_FILTERS=0 -DFWPK_SEGMENTS=4 \
                         -DFWPK_TARGETS=4 \
                         -DFWPK_ED25519_UNROLL=0 -DFWPK_ED25519_LIMB_BITS=8 \
                         -DFWPK_SHA512_SMALL=1 -DFWPK_STRINGS=0 \
                         -DFWPK_DELTA=0 -DFWPK_INFLATE_SMALL=1

# -min: the same without resume (an in-place install that starts over
# after a power cut, fetching the container again).
CROSS_PREFIX_atmega328p-min := avr-
CROSS_ARCH_atmega328p-min := $(CROSS_ARCH_atmega328p) -DFWPK_RESUME=0

# -one: -min for a device that takes only its own target, in one segment
# (the in-place agent of examples/avr/agent, the ATmega328P profiles'
# build): no other target's anchors kept (fold.c), one segment's place.
CROSS_PREFIX_atmega328p-one := avr-
CROSS_ARCH_atmega328p-one := $(subst -DFWPK_TARGETS=4,-DFWPK_TARGETS=1,$(subst \
                             -DFWPK_SEGMENTS=4,-DFWPK_SEGMENTS=1,$(CROSS_ARCH_atmega328p-min)))

CROSS_LZMA := -DFWPK_CODECS=6
CROSS_PREFIX_cortex-m0plus-lzma := arm-none-eabi-
CROSS_ARCH_cortex-m0plus-lzma := $(CROSS_ARCH_cortex-m0plus) $(CROSS_LZMA)
CROSS_PREFIX_cortex-m0plus-stream-lzma := arm-none-eabi-
CROSS_ARCH_cortex-m0plus-stream-lzma := $(CROSS_ARCH_cortex-m0plus-stream) $(CROSS_LZMA)
CROSS_PREFIX_cortex-m3-lzma := arm-none-eabi-
CROSS_ARCH_cortex-m3-lzma := $(CROSS_ARCH_cortex-m3) $(CROSS_LZMA)
CROSS_PREFIX_cortex-m4-lzma := arm-none-eabi-
CROSS_ARCH_cortex-m4-lzma := $(CROSS_ARCH_cortex-m4) $(CROSS_LZMA)
CROSS_PREFIX_rv32imc-lzma := riscv64-unknown-elf-
CROSS_ARCH_rv32imc-lzma := $(CROSS_ARCH_rv32imc) $(CROSS_LZMA)
CROSS_PREFIX_atmega1284p-lzma := avr-
# the atmega328p build on a part with the RAM for the table
CROSS_ARCH_atmega1284p-lzma := $(subst -mmcu=atmega328p,-mmcu=atmega1284p,$(CROSS_ARCH_atmega328p)) \
                               $(CROSS_LZMA)

CROSS_GCC12_FLAGS := -fcallgraph-info=su
CROSS_EXTRA_cortex-m0plus := $(CROSS_GCC12_FLAGS)
CROSS_EXTRA_cortex-m0plus-min := $(CROSS_GCC12_FLAGS)
CROSS_EXTRA_cortex-m0plus-stream := $(CROSS_GCC12_FLAGS)
CROSS_EXTRA_cortex-m0plus-stream-min := $(CROSS_GCC12_FLAGS)
CROSS_EXTRA_cortex-m3 := $(CROSS_GCC12_FLAGS)
CROSS_EXTRA_cortex-m4 := $(CROSS_GCC12_FLAGS)
# riscv64-unknown-elf on Debian ships no libc, not even <string.h>: use the
# generic newlib headers (libnewlib-dev, pulled in by libnewlib-arm-none-eabi).
CROSS_EXTRA_rv32imc := $(CROSS_GCC12_FLAGS) -isystem /usr/include/newlib
# -mcall-prologues: register saves through libgcc's shared prologue and
# epilogue instead of inline push/pop runs (-3.3 KB); -mrelax: calls and
# jumps within reach become rcall/rjmp at link time; -mstrict-X and
# -fno-move-loop-invariants: fewer address registers spilled (-1 KB).
CROSS_EXTRA_atmega328p := -mcall-prologues -mrelax -mstrict-X -fno-move-loop-invariants
CROSS_EXTRA_atmega328p-min := $(CROSS_EXTRA_atmega328p)
CROSS_EXTRA_atmega328p-one := $(CROSS_EXTRA_atmega328p)
CROSS_EXTRA_cortex-m0plus-lzma := $(CROSS_GCC12_FLAGS)
CROSS_EXTRA_cortex-m0plus-stream-lzma := $(CROSS_GCC12_FLAGS)
CROSS_EXTRA_cortex-m3-lzma := $(CROSS_GCC12_FLAGS)
CROSS_EXTRA_cortex-m4-lzma := $(CROSS_GCC12_FLAGS)
CROSS_EXTRA_rv32imc-lzma := $(CROSS_EXTRA_rv32imc)
CROSS_EXTRA_atmega1284p-lzma := $(CROSS_EXTRA_atmega328p)

# Bare metal, own _start (bench/size_main.c); avr uses avr-libc's startup.
CROSS_LD_BARE := -nostdlib -nostartfiles -Wl,-e,_start
CROSS_LDFLAGS_cortex-m0plus := $(CROSS_LD_BARE) -Wl,-u,fwpk_size_vectors
CROSS_LDFLAGS_cortex-m0plus-min := $(CROSS_LD_BARE) -Wl,-u,fwpk_size_vectors
CROSS_LDFLAGS_cortex-m0plus-stream := $(CROSS_LD_BARE) -Wl,-u,fwpk_size_vectors
CROSS_LDFLAGS_cortex-m0plus-stream-min := $(CROSS_LD_BARE) -Wl,-u,fwpk_size_vectors
CROSS_LDFLAGS_cortex-m3 := $(CROSS_LD_BARE) -Wl,-u,fwpk_size_vectors
CROSS_LDFLAGS_cortex-m4 := $(CROSS_LD_BARE) -Wl,-u,fwpk_size_vectors
CROSS_LDFLAGS_rv32imc := $(CROSS_LD_BARE)
# The harness is never flashed: let its RAM exceed 2 KB so that it still links
# and make size can report by how much (the budget table shows it).
CROSS_LDFLAGS_atmega328p := -mrelax -Wl,--defsym=__DATA_REGION_LENGTH__=0xff00 \
                            -Wl,--defsym=__TEXT_REGION_LENGTH__=0x20000
CROSS_LDFLAGS_atmega328p-min := $(CROSS_LDFLAGS_atmega328p)
CROSS_LDFLAGS_cortex-m0plus-lzma := $(CROSS_LDFLAGS_cortex-m0plus)
CROSS_LDFLAGS_cortex-m0plus-stream-lzma := $(CROSS_LDFLAGS_cortex-m0plus)
CROSS_LDFLAGS_cortex-m3-lzma := $(CROSS_LDFLAGS_cortex-m3)
CROSS_LDFLAGS_cortex-m4-lzma := $(CROSS_LDFLAGS_cortex-m4)
CROSS_LDFLAGS_rv32imc-lzma := $(CROSS_LDFLAGS_rv32imc)
CROSS_LDFLAGS_atmega1284p-lzma := $(CROSS_LDFLAGS_atmega328p)

CROSS_BENCH_SRC := bench/size_main.c bench/size_libc.c bench/size_ctx.c
CROSS_LIBS := $(foreach t,$(CROSS_TARGETS),$(CROSS_DIR)/$(t)/libfwpk_verify.a)

# $(1) = target name
define CROSS_TARGET_RULES
CROSS_OBJ_$(1) := $$(patsubst verifier/src/%.c,$(CROSS_DIR)/$(1)/obj/%.o,$$(VERIFIER_SRC))
CROSS_CC_$(1) = $(CROSS_PREFIX_$(1))gcc $(CROSS_ARCH_$(1)) $(CROSS_CFLAGS) $(CROSS_EXTRA_$(1))

$(CROSS_DIR)/$(1)/obj/%.o: verifier/src/%.c
	@mkdir -p $$(dir $$@)
	$$(CROSS_CC_$(1)) $(CROSS_INC) -MMD -MP -c $$< -o $$@

# size_libc.c: no loop-to-memcpy/memset rewriting inside memcpy/memset.
$(CROSS_DIR)/$(1)/bench/%.o: bench/%.c
	@mkdir -p $$(dir $$@)
	$$(CROSS_CC_$(1)) $(CROSS_INC) -fno-tree-loop-distribute-patterns -fno-common -MMD -MP -c $$< -o $$@

$(CROSS_DIR)/$(1)/libfwpk_verify.a: $$(CROSS_OBJ_$(1))
	@rm -f $$@
	$(CROSS_PREFIX_$(1))ar rcs $$@ $$^

# Linked harness.  Until the library defines fwpk_finish (stream.c not written
# yet) a failed link only leaves a note; afterwards it is an error.
$(CROSS_DIR)/$(1)/size_main.elf: $(CROSS_DIR)/$(1)/bench/size_main.o $(CROSS_DIR)/$(1)/bench/size_libc.o \
                                 $(CROSS_DIR)/$(1)/libfwpk_verify.a
	@rm -f $$@ $$(@:.elf=.map)
	@if $(CROSS_PREFIX_$(1))gcc $(CROSS_ARCH_$(1)) -Os $(CROSS_LDFLAGS_$(1)) -Wl,--gc-sections \
	        -Wl,-Map=$$(@:.elf=.map) $$^ -lgcc -o $$@.tmp.elf 2> $$(@:.elf=.link-log); then \
	    mv $$@.tmp.elf $$@; \
	elif $(CROSS_PREFIX_$(1))nm -g --defined-only $(CROSS_DIR)/$(1)/libfwpk_verify.a 2>/dev/null | \
	        grep -q ' fwpk_finish$$$$'; then \
	    cat $$(@:.elf=.link-log) >&2; rm -f $$@.tmp.elf $$(@:.elf=.map); exit 1; \
	else \
	    rm -f $$@.tmp.elf $$(@:.elf=.map); \
	    echo "cross $(1): harness not linked yet (library has no fwpk_finish); see $$(@:.elf=.link-log)"; \
	fi

.PHONY: cross-$(1)
cross-$(1): $(CROSS_DIR)/$(1)/libfwpk_verify.a $(CROSS_DIR)/$(1)/bench/size_ctx.o $(CROSS_DIR)/$(1)/size_main.elf
endef

$(foreach t,$(CROSS_TARGETS),$(eval $(call CROSS_TARGET_RULES,$(t))))

.PHONY: cross size
cross: $(addprefix cross-,$(CROSS_TARGETS))

# Prints figures beside budgets and exits 0 whatever they are: budgets are
# tracked by reading the table (and bench/RESULTS.md), never asserted here.
size: cross
	@sh bench/size.sh $(CROSS_DIR) bench/size_budgets \
	    $(foreach t,$(CROSS_TARGETS),$(t)=$(CROSS_PREFIX_$(t)))
	@sh bench/size_notecard.sh $(CROSS_DIR) \
	    $(foreach t,$(CROSS_TARGETS),$(t)=$(CROSS_PREFIX_$(t)))
	@sh bench/boot.sh size $(BUILD)/bench-boot
	@$(MAKE) --no-print-directory microbit-size
	@$(MAKE) --no-print-directory bench-overhead

-include $(wildcard $(CROSS_DIR)/*/obj/*.d $(CROSS_DIR)/*/bench/*.d)
