# Emulated benchmarks of the device verifier: instruction counts on Cortex-M3
# (QEMU mps2-an385) and Cortex-M0 (QEMU microbit), cycle counts on the
# ATmega328P (simavr).  Included by the top Makefile; also usable alone:
# make -f mk/bench-emu.mk bench-emu
#
#   make bench-emu        build everything below, then bench/emu/run.sh prints
#                         each figure beside its budget and references (issue 5).
#                         Figures only: never fails on a budget; fails only
#                         when a program did not finish or got a wrong result.
#   make bench-emu-build  just the programs and their test data
#
# Everything lands in $(BUILD)/bench-emu:
#   gen                host generator (bench/emu/gen.c, libsodium + zlib)
#   vector.h           Ed25519 test vector (fixed seed); key.pem the same key
#                      for fwpack, keyring.h exported from it by fwpack
#   image.bin          firmware-like bytes: newlib's libc + libm for Cortex-M3
#                      linked at 0x08000000 (bench/emu/image.ld); the first
#                      256 KiB (m3), 64 KiB (m0) or 4/8 KiB (avr) are used
#   <t>/stream.{h,bin} the image slice as framed raw deflate (gen deflate)
#   <t>/container.fwpk the image slice packed by fwpack for an MCU profile
#   m3/bench.elf       bench/emu/bench_verify.c for mps2-an385
#   m0/bench.elf       the same for microbit
#   avr-<mcu>/bench.elf  bench/emu/bench_avr.c for atmega328p, and for
#                      atmega1284p (16 KB RAM: runs what does not fit in 2 KB,
#                      and a whole container)
#
# The verifier is compiled -Os as for a device, with the window and frame
# limits of each target's profile.  Test data is deterministic
# (SOURCE_DATE_EPOCH, fixed key), so figures only change with the code.

BUILD ?= build
EMU_DIR := $(BUILD)/bench-emu
EMU_SRC := bench/emu
EMU_VERIFIER_SRC := $(wildcard verifier/src/*.c)
EMU_VERIFIER_NAMES := $(notdir $(EMU_VERIFIER_SRC:.c=))
EMU_INC := -Iverifier/include -Iverifier/src -Iformat
EMU_FWPACK := $(BUILD)/host/fwpack
EMU_HOST_CC ?= $(CC)
EMU_EPOCH := 1700000000

# Alone (not from the top Makefile): fwpack comes from the top Makefile.
ifndef REL
$(EMU_FWPACK):
	$(MAKE) --no-print-directory $@
endif

# CM_DIR (startup.c, semihost.c, timer.c, sections.ld), CM_CC, CM_OBJCOPY.
include examples/cortex-m/common/common.mk

.PHONY: bench-emu bench-emu-build
bench-emu: bench-emu-build
	@$(EMU_SRC)/run.sh --no-build $(EMU_DIR)

# ---- host generator and shared test data ---------------------------------------
$(EMU_DIR)/gen: $(EMU_SRC)/gen.c
	@mkdir -p $(@D)
	$(EMU_HOST_CC) -std=c11 -O2 -Wall -Wextra -Werror $< -lsodium -lz -llzma -o $@
$(EMU_DIR)/vector.h: $(EMU_DIR)/gen
	$(EMU_DIR)/gen vector $@
$(EMU_DIR)/key.pem: $(EMU_DIR)/gen
	$(EMU_DIR)/gen key $@
	@chmod 600 $@
$(EMU_DIR)/keyring.h: $(EMU_DIR)/key.pem $(EMU_FWPACK)
	$(EMU_FWPACK) export-key $< --format c --force -o $@

EMU_IMAGE_ARCH := -mcpu=cortex-m3 -mthumb
$(EMU_DIR)/image.elf: $(EMU_SRC)/image.ld
	@mkdir -p $(@D)
	$(CM_CC) $(EMU_IMAGE_ARCH) -nostartfiles -nostdlib -T $< \
	    -Wl,--whole-archive $(shell $(CM_CC) $(EMU_IMAGE_ARCH) -print-file-name=libm.a) \
	    $(shell $(CM_CC) $(EMU_IMAGE_ARCH) -print-file-name=libc.a) -Wl,--no-whole-archive \
	    -lgcc -Wl,--unresolved-symbols=ignore-all -Wl,--allow-multiple-definition -o $@
$(EMU_DIR)/image.bin: $(EMU_DIR)/image.elf
	$(CM_OBJCOPY) -O binary $< $@

# ---- per target: image slice, deflate stream, container ----------------------------
# $(1) target dir, $(2) image bytes, $(3) window bits, $(4) sync flush every,
# $(5) largest frame, $(6) bytes hashed, $(7) container image bytes,
# $(8) fwpack MCU profile, $(9) load address, $(10) more pack options
define emu_data
$(EMU_DIR)/$(1)/image.bin: $(EMU_DIR)/image.bin
	@mkdir -p $$(@D)
	head -c $(2) $$< >$$@
	@test $$$$(wc -c <$$@) -eq $(2) || { echo "image.bin is shorter than $(2)"; rm -f $$@; exit 1; }
$(EMU_DIR)/$(1)/stream.h: $(EMU_DIR)/$(1)/image.bin $(EMU_DIR)/gen
	$(EMU_DIR)/gen deflate $$< $(2) $(3) $(4) $(5) $(6) $$@ $(EMU_DIR)/$(1)/stream.bin
$(EMU_DIR)/$(1)/container-image.bin: $(EMU_DIR)/image.bin
	@mkdir -p $$(@D)
	head -c $(7) $$< >$$@
$(EMU_DIR)/$(1)/container.fwpk: $(EMU_DIR)/$(1)/container-image.bin $(EMU_DIR)/key.pem $(EMU_FWPACK)
	SOURCE_DATE_EPOCH=$(EMU_EPOCH) $(EMU_FWPACK) pack -k $(EMU_DIR)/key.pem \
	    --mcu $(8) $(10) --load-addr $(9) --version 1.0.0 --force -o $$@ $$<
endef
$(eval $(call emu_data,m3,262144,15,4096,65535,65536,262144,stm32l432kc,0x08000000))
# The M0 build keeps the 2^12 RAM window and 1 KiB frames the stm32g030k8
# profile had before issue 15 (its profile is now 2^15 / 4096 for the
# streaming build): its container says so.
$(eval $(call emu_data,m0,65536,12,1024,65535,32768,65536,stm32g030k8,0x08000000,--window-bits 12 --frame-size 1024))
# The AVR builds below keep the window in RAM (2^9): their container keeps
# the window and frames the atmega328p profile had before it moved to 2^15
# and 4096 (which need the flash-backed window, issue 15).
$(eval $(call emu_data,avr,4096,9,512,512,1024,8192,atmega328p,0,--window-bits 9 --frame-size 256))

# ---- Cortex-M programs -------------------------------------------------------------
# M3: the stm32l432kc profile (window 2^15, 4 KiB frames), flash stub in RAM.
EMU_m3_ARCH := -mcpu=cortex-m3 -mthumb
EMU_m3_DEFS := -DFWPK_WINDOW_BITS=15 -DFWPK_MAX_FRAME_SIZE=4096
EMU_m3_BENCH := -DBENCH_MPS2 -DBENCH_MCU='"stm32l432kc"' -DBENCH_FLASH_BASE=0x08000000u \
                -DBENCH_FLASH_SIZE=0x40000u -DBENCH_FLASH_RAM=1
EMU_m3_LD := $(EMU_SRC)/mps2.ld
# M0: QEMU's microbit is a Cortex-M0; the code is built for the M0+ (same
# ARMv6-M instruction set) and the stm32g030k8's part (64 MHz M0+), window
# 2^12 and 1 KiB frames (above).  16 KiB of RAM: flash writes are discarded.
EMU_m0_ARCH := -mcpu=cortex-m0plus -mthumb
EMU_m0_DEFS := -DFWPK_WINDOW_BITS=12 -DFWPK_MAX_FRAME_SIZE=1024
EMU_m0_BENCH := -DBENCH_MICROBIT -DBENCH_MCU='"stm32g030k8"' -DBENCH_FLASH_BASE=0x08000000u \
                -DBENCH_FLASH_SIZE=0x10000u -DBENCH_FLASH_RAM=0
EMU_m0_LD := $(EMU_SRC)/microbit.ld
# No RAM for a copy of the flash: a resumed run reads the image back from
# a copy linked into flash.
EMU_m0_BENCH += -DBENCH_CIMAGE
EMU_m0_BLOBS := -DBENCH_CIMAGE

EMU_CM_COMMON := startup semihost timer
EMU_CM_CFLAGS = $(EMU_$(1)_ARCH) -Os -g -Wall -Wextra -ffunction-sections -fdata-sections

# $(1) m3 or m0
define emu_cm
$(EMU_DIR)/$(1)/verifier/%.o: verifier/src/%.c
	@mkdir -p $$(@D)
	$(CM_CC) $(call EMU_CM_CFLAGS,$(1)) -std=c99 $$(EMU_$(1)_DEFS) $(EMU_INC) -MMD -MP -c $$< -o $$@
$(EMU_DIR)/$(1)/common/%.o: $(CM_DIR)/%.c
	@mkdir -p $$(@D)
	$(CM_CC) $(call EMU_CM_CFLAGS,$(1)) -std=c99 -Werror -I$(CM_DIR) -MMD -MP -c $$< -o $$@
$(EMU_DIR)/$(1)/bench_verify.o: $(EMU_SRC)/bench_verify.c $(EMU_SRC)/bench_clock.h $(EMU_DIR)/$(1)/stream.h \
        $(EMU_DIR)/vector.h $(EMU_DIR)/keyring.h
	@mkdir -p $$(@D)
	$(CM_CC) $(call EMU_CM_CFLAGS,$(1)) -std=c99 -Werror $$(EMU_$(1)_DEFS) $$(EMU_$(1)_BENCH) \
	    $(EMU_INC) -I$(CM_DIR) -I$(EMU_DIR)/$(1) -I$(EMU_DIR) -MMD -MP -c $$< -o $$@
$(EMU_DIR)/$(1)/blobs.o: $(EMU_SRC)/blobs.S $(EMU_DIR)/$(1)/stream.h $(EMU_DIR)/$(1)/container.fwpk \
        $(EMU_DIR)/$(1)/image.bin $(EMU_DIR)/$(1)/container-image.bin
	$(CM_CC) $$(EMU_$(1)_ARCH) -DBENCH_CONTAINER -DBENCH_IMAGE $$(EMU_$(1)_BLOBS) -Wa,-I$(EMU_DIR)/$(1) -c $$< -o $$@
EMU_$(1)_OBJ := $(EMU_VERIFIER_NAMES:%=$(EMU_DIR)/$(1)/verifier/%.o) \
    $(EMU_CM_COMMON:%=$(EMU_DIR)/$(1)/common/%.o) \
    $(EMU_DIR)/$(1)/bench_verify.o $(EMU_DIR)/$(1)/blobs.o
$(EMU_DIR)/$(1)/bench.elf: $$(EMU_$(1)_OBJ) $$(EMU_$(1)_LD)
	$(CM_CC) $$(EMU_$(1)_ARCH) --specs=nano.specs --specs=rdimon.specs -nostartfiles \
	    -Wl,--gc-sections -L$(CM_DIR) -T $$(EMU_$(1)_LD) -Wl,-Map=$$(@D)/bench.map \
	    $$(EMU_$(1)_OBJ) -o $$@
endef
$(eval $(call emu_cm,m3))
$(eval $(call emu_cm,m0))

# ---- AVR programs --------------------------------------------------------------------
# A RAM window of 2^9 and 512-byte frames (above).  The atmega1284p build
# (same AVR core and timings, 16 KB RAM, 128 KB flash) adds a whole container
# (its context alone is more than 2 KB).
EMU_AVR_CC ?= avr-gcc
# The size switches the atmega328p builds use (mk/cross.mk, examples/avr/
# agent): Ed25519 on bytes in loops, SHA-512 on bytes, the small inflate.
EMU_AVR_DEFS := -DFWPK_WINDOW_BITS=9 -DFWPK_MAX_FRAME_SIZE=512 \
                -DFWPK_ED25519_UNROLL=0 -DFWPK_ED25519_LIMB_BITS=8 \
                -DFWPK_SHA512_SMALL=1 -DFWPK_INFLATE_SMALL=1
EMU_AVR_CFLAGS = -mmcu=$(1) -Os -g -Wall -Wextra -ffunction-sections -fdata-sections $(EMU_AVR_DEFS)
EMU_AVR_BENCH_atmega328p :=
EMU_AVR_BENCH_atmega1284p := -DBENCH_CONTAINER -DBENCH_MCU='"atmega328p"' -DBENCH_FLASH_SIZE=0x8000UL

# $(1) the MCU
define emu_avr
$(EMU_DIR)/avr-$(1)/verifier/%.o: verifier/src/%.c
	@mkdir -p $$(@D)
	$(EMU_AVR_CC) $(call EMU_AVR_CFLAGS,$(1)) -std=c99 $(EMU_INC) -MMD -MP -c $$< -o $$@
$(EMU_DIR)/avr-$(1)/bench_avr.o: $(EMU_SRC)/bench_avr.c $(EMU_DIR)/avr/stream.h \
        $(EMU_DIR)/vector.h $(EMU_DIR)/keyring.h
	@mkdir -p $$(@D)
	$(EMU_AVR_CC) $(call EMU_AVR_CFLAGS,$(1)) -std=gnu99 -Werror $$(EMU_AVR_BENCH_$(1)) \
	    $(EMU_INC) -I$(EMU_DIR)/avr -I$(EMU_DIR) -MMD -MP -c $$< -o $$@
$(EMU_DIR)/avr-$(1)/blobs.o: $(EMU_SRC)/blobs.S $(EMU_DIR)/avr/stream.h $(EMU_DIR)/avr/container.fwpk
	@mkdir -p $$(@D)
	$(EMU_AVR_CC) -mmcu=$(1) $$(filter -DBENCH_CONTAINER,$$(EMU_AVR_BENCH_$(1))) \
	    -Wa,-I$(EMU_DIR)/avr -c $$< -o $$@
EMU_AVR_OBJ_$(1) := $(EMU_VERIFIER_NAMES:%=$(EMU_DIR)/avr-$(1)/verifier/%.o) \
    $(EMU_DIR)/avr-$(1)/bench_avr.o $(EMU_DIR)/avr-$(1)/blobs.o
# Linked even when .data + .bss overflow the MCU's RAM (--noinhibit-exec):
# run.sh reports the overflow from link.log and the sizes, and does not run it.
$(EMU_DIR)/avr-$(1)/bench.elf: $$(EMU_AVR_OBJ_$(1))
	$(EMU_AVR_CC) -mmcu=$(1) -Wl,--gc-sections -Wl,--noinhibit-exec \
	    -Wl,-Map=$$(@D)/bench.map $$^ -o $$@ 2>$$(@D)/link.log || { cat $$(@D)/link.log; exit 1; }
	@test -s $$(@D)/link.log && echo "$$@: does not fit $(1) (see $$(@D)/link.log)" || true
endef
$(eval $(call emu_avr,atmega328p))
$(eval $(call emu_avr,atmega1284p))

# ---- the LZMA decoder (bench_lzma.c, bench_lzma_avr.c) ---------------------------------
# The same image slices as the deflate benchmark, as one LZMA stream with a
# dictionary as large as the slice; the ring: up to 4 KiB on the M0 (16 KiB
# of RAM), the whole dictionary on the M3; on AVR (simavr, ATmega1284P,
# cycles) a 16 KiB slice through a 256-byte ring.
#   make bench-lzma    build and run the three, print the figures (never
#                      fails on a goal; fails when a run fails or decodes
#                      wrongly)
EMU_LZMA_m3 := 262144 18 -DBENCH_RING_MAX=262144u
EMU_LZMA_m0 := 65536 16 -DBENCH_RING_MAX=4096u

# $(1) m3 or m0
define emu_lzma
$(EMU_DIR)/$(1)/lzma_stream.h: $(EMU_DIR)/$(1)/image.bin $(EMU_DIR)/gen
	$(EMU_DIR)/gen lzma $$< $(word 1,$(EMU_LZMA_$(1))) $(word 2,$(EMU_LZMA_$(1))) \
	    $$@ $(EMU_DIR)/$(1)/lzma.bin
$(EMU_DIR)/$(1)/bench_lzma.o: $(EMU_SRC)/bench_lzma.c $(EMU_SRC)/bench_clock.h \
        $(EMU_SRC)/lzma_run.h $(EMU_DIR)/$(1)/lzma_stream.h
	$(CM_CC) $(call EMU_CM_CFLAGS,$(1)) -std=c99 -Werror $$(EMU_$(1)_DEFS) $$(EMU_$(1)_BENCH) \
	    $(word 3,$(EMU_LZMA_$(1))) $(EMU_INC) -I$(CM_DIR) -I$(EMU_DIR)/$(1) -MMD -MP -c $$< -o $$@
$(EMU_DIR)/$(1)/blobs_lzma.o: $(EMU_SRC)/blobs_lzma.S $(EMU_DIR)/$(1)/lzma_stream.h
	$(CM_CC) $$(EMU_$(1)_ARCH) -Wa,-I$(EMU_DIR)/$(1) -c $$< -o $$@
EMU_LZMA_$(1)_OBJ := $(EMU_VERIFIER_NAMES:%=$(EMU_DIR)/$(1)/verifier/%.o) \
    $(EMU_CM_COMMON:%=$(EMU_DIR)/$(1)/common/%.o) \
    $(EMU_DIR)/$(1)/bench_lzma.o $(EMU_DIR)/$(1)/blobs_lzma.o
$(EMU_DIR)/$(1)/bench_lzma.elf: $$(EMU_LZMA_$(1)_OBJ) $$(EMU_$(1)_LD)
	$(CM_CC) $$(EMU_$(1)_ARCH) --specs=nano.specs --specs=rdimon.specs -nostartfiles \
	    -Wl,--gc-sections -L$(CM_DIR) -T $$(EMU_$(1)_LD) $$(EMU_LZMA_$(1)_OBJ) -o $$@
endef
$(eval $(call emu_lzma,m3))
$(eval $(call emu_lzma,m0))

# AVR: an ATmega1284P (16 KB of RAM; the table does not fit a 328P's 2 KB),
# a 16 KiB slice, dictionary 2^14, a 256-byte ring (bench_lzma_avr.c).
EMU_LZMA_AVR := $(EMU_DIR)/avr-lzma
EMU_LZMA_AVR_CFLAGS := $(call EMU_AVR_CFLAGS,atmega1284p)
$(EMU_LZMA_AVR)/image.bin: $(EMU_DIR)/image.bin
	@mkdir -p $(@D)
	head -c 16384 $< >$@
$(EMU_LZMA_AVR)/lzma_stream.h: $(EMU_LZMA_AVR)/image.bin $(EMU_DIR)/gen
	$(EMU_DIR)/gen lzma $< 16384 14 $@ $(EMU_LZMA_AVR)/lzma.bin
$(EMU_LZMA_AVR)/verifier/%.o: verifier/src/%.c
	@mkdir -p $(@D)
	$(EMU_AVR_CC) $(EMU_LZMA_AVR_CFLAGS) -std=c99 $(EMU_INC) -MMD -MP -c $< -o $@
$(EMU_LZMA_AVR)/bench_lzma_avr.o: $(EMU_SRC)/bench_lzma_avr.c $(EMU_SRC)/avr_clock.h \
        $(EMU_SRC)/lzma_run.h $(EMU_LZMA_AVR)/lzma_stream.h
	$(EMU_AVR_CC) $(EMU_LZMA_AVR_CFLAGS) -std=gnu99 -Werror $(EMU_INC) -I$(EMU_LZMA_AVR) \
	    -MMD -MP -c $< -o $@
$(EMU_LZMA_AVR)/blobs_lzma.o: $(EMU_SRC)/blobs_lzma.S $(EMU_LZMA_AVR)/lzma_stream.h
	$(EMU_AVR_CC) -mmcu=atmega1284p -Wa,-I$(EMU_LZMA_AVR) -c $< -o $@
$(EMU_LZMA_AVR)/bench_lzma.elf: $(EMU_LZMA_AVR)/bench_lzma_avr.o $(EMU_LZMA_AVR)/blobs_lzma.o \
        $(addprefix $(EMU_LZMA_AVR)/verifier/,lzmadec.o window.o sha512.o)
	$(EMU_AVR_CC) -mmcu=atmega1284p -Wl,--gc-sections $^ -o $@

EMU_QEMU := qemu-system-arm -nographic -monitor none -serial null -semihosting -icount shift=0
.PHONY: bench-lzma
bench-lzma: $(EMU_DIR)/m3/bench_lzma.elf $(EMU_DIR)/m0/bench_lzma.elf $(EMU_LZMA_AVR)/bench_lzma.elf
	@for b in m3:mps2-an385 m0:microbit; do \
	    t=$${b%%:*}; \
	    timeout 300 $(EMU_QEMU) -M $${b#*:} -kernel $(EMU_DIR)/$$t/bench_lzma.elf \
	        </dev/null >$(EMU_DIR)/$$t/lzma.out 2>&1 || true; \
	    awk -v t=$$t '$$1 == "R" { v[$$2] = $$3 } $$1 == "FAIL" { bad = 1; print } \
	        END { if (bad || v["failed"] != "0") { print t ": bench_lzma FAILED"; exit 1 } \
	              printf "%s lzma: %d -> %d bytes, state %d B (probabilities %d)\n", t, \
	                  v["lzma_in_bytes"], v["lzma_out_bytes"], v["lzma_state_bytes"], v["lzma_probs_bytes"]; \
	              n = split("far_256 far_4096 ram", r, " "); \
	              for (i = 1; i <= n; i++) if ((k = "lzma_" r[i] "_insns") in v) \
	                  printf "%s lzma %-8s ring %6d B: %6.1f instructions per output byte, stack %d B%s\n", \
	                      t, r[i], v["lzma_" r[i] "_ring"], v[k] / v["lzma_out_bytes"], v["lzma_" r[i] "_stack"], \
	                      t == "m0" && r[i] ~ /far/ ? "  (goal: <= 400)" : "" }' \
	        $(EMU_DIR)/$$t/lzma.out || exit 1; \
	done
	@timeout 300 simavr -m atmega1284p -f 16000000 $(EMU_LZMA_AVR)/bench_lzma.elf \
	    </dev/null 2>&1 | sed 's/\x1b\[[0-9;]*m//g; s/\.$$//' >$(EMU_LZMA_AVR)/lzma.out || true
	@awk '$$1 == "R" { v[$$2] = $$3 } $$1 == "FAIL" { bad = 1; print } \
	    END { if (bad || v["failed"] != "0") { print "avr: bench_lzma_avr FAILED"; exit 1 } \
	          printf "avr lzma: %d -> %d bytes, state %d B (probabilities %d)\n", \
	              v["lzma_in_bytes"], v["lzma_out_bytes"], v["lzma_state_bytes"], v["lzma_probs_bytes"]; \
	          printf "avr lzma far_%d ring %6d B: %6.1f cycles per output byte (ATmega1284P), stack %d B\n", \
	              v["lzma_ring"], v["lzma_ring"], v["lzma_cycles"] / v["lzma_out_bytes"], v["lzma_stack"] }' \
	    $(EMU_LZMA_AVR)/lzma.out

bench-emu-build: $(EMU_DIR)/m3/bench.elf $(EMU_DIR)/m0/bench.elf \
                 $(EMU_DIR)/avr-atmega328p/bench.elf $(EMU_DIR)/avr-atmega1284p/bench.elf

ifndef REL
-include $(shell find $(EMU_DIR) -name '*.d' 2>/dev/null)
endif

# ---- the delta applier (bench_patch.c) ------------------------------------------------
# The patch from the Cortex-M0+ application of mk/delta-pairs.mk to its
# edited build (gen_patch), applied on the microbit (Cortex-M0).
#   make bench-patch   build and run it, print the figures (part of make
#                      bench-delta; fails only when the run fails)
EMU_PATCH_DIR := $(EMU_DIR)/m0-patch
$(EMU_PATCH_DIR)/gen_patch: $(EMU_SRC)/gen_patch.c $(REL)/libfwpack.a $(REL)/libfwpk_verify.a
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -O1 -g $(INC) $< $(REL)/libfwpack.a $(REL)/libfwpk_verify.a \
	    $(HOST_LIBS) -o $@
$(EMU_PATCH_DIR)/patch_stream.h: $(EMU_PATCH_DIR)/gen_patch $(DP_DIR)/cm0-app-v1.elf \
        $(DP_DIR)/cm0-app-edit.elf
	$< $(DP_DIR)/cm0-app-v1.elf $(DP_DIR)/cm0-app-edit.elf $(EMU_PATCH_DIR)
$(EMU_PATCH_DIR)/bench_patch.o: $(EMU_SRC)/bench_patch.c $(EMU_SRC)/bench_clock.h \
        $(EMU_PATCH_DIR)/patch_stream.h
	$(CM_CC) $(call EMU_CM_CFLAGS,m0) -std=c99 -Werror $(EMU_m0_DEFS) $(EMU_m0_BENCH) \
	    $(EMU_INC) -I$(CM_DIR) -I$(EMU_PATCH_DIR) -MMD -MP -c $< -o $@
$(EMU_PATCH_DIR)/blobs_patch.o: $(EMU_SRC)/blobs_patch.S $(EMU_PATCH_DIR)/patch_stream.h
	$(CM_CC) $(EMU_m0_ARCH) -Wa,-I$(EMU_PATCH_DIR) -c $< -o $@
EMU_PATCH_OBJ := $(EMU_VERIFIER_NAMES:%=$(EMU_DIR)/m0/verifier/%.o) \
    $(EMU_CM_COMMON:%=$(EMU_DIR)/m0/common/%.o) \
    $(EMU_PATCH_DIR)/bench_patch.o $(EMU_PATCH_DIR)/blobs_patch.o
$(EMU_PATCH_DIR)/bench_patch.elf: $(EMU_PATCH_OBJ) $(EMU_m0_LD)
	$(CM_CC) $(EMU_m0_ARCH) --specs=nano.specs --specs=rdimon.specs -nostartfiles \
	    -Wl,--gc-sections -L$(CM_DIR) -T $(EMU_m0_LD) $(EMU_PATCH_OBJ) -o $@

.PHONY: bench-patch
bench-patch: $(EMU_PATCH_DIR)/bench_patch.elf
	@timeout 300 $(EMU_QEMU) -M microbit -kernel $< </dev/null \
	    >$(EMU_PATCH_DIR)/patch.out 2>&1 || true
	@awk '$$1 == "R" { v[$$2] = $$3 } $$1 == "FAIL" { bad = 1; print } \
	    END { if (bad || v["failed"] != "0") { print "m0: bench_patch FAILED"; exit 1 } \
	          printf "m0 patch applier: %d image bytes from a %d-byte patch: %.1f instructions per output byte; base check %.1f per base byte (%d bytes); state %d B, stack %d B\n", \
	              v["patch_out_bytes"], v["patch_in_bytes"], v["patch_apply_insns"] / v["patch_out_bytes"], \
	              v["patch_base_insns"] / v["patch_base_bytes"], v["patch_base_bytes"], \
	              v["patch_state_bytes"], v["patch_stack"] }' $(EMU_PATCH_DIR)/patch.out
