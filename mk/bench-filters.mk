# What the branch filters (format/SPEC.md 6.3) buy on real linked programs.
# Included by the top Makefile; also usable alone (make -f mk/bench-filters.mk
# bench-filters, with build/host/fwpack and build/host/bench/filters built).
#
#   make bench-filters   build the sample programs below with the cross
#                        compilers, then bench/filters.c prints, per program:
#                        raw deflate -9 without and with the filter, gzip -9,
#                        xz -9e, and fwpack's signed container at the default
#                        level and at --level max, with --filter none and with
#                        the MCU profile's filter, beside the goals (issue 11);
#                        then the LZMA table: raw LZMA1 -9e of the filtered
#                        bytes (xz) and the container with --codec lzma,
#                        beside issue 17's goals.
#                        Figures only: never fails on a goal.
#   make bench-overhead  the same programs packed with --filter none at the
#                        profile's defaults; bench/overhead.c prints, per
#                        program, issue 3's budget: framing (deflate payload
#                        with its per-frame sync flushes + frame headers)
#                        within 2% of one raw deflate -9 stream of the same
#                        bytes at the same window (ok/OVER at 4 KiB frames,
#                        figure only below), the fixed prefix (header, info,
#                        manifest, signatures) and the whole container's
#                        overhead.  Figures only: exits 0 unless a step fails.
#
# Samples, in $(BUILD)/bench-filters (real linked programs, not objects):
#   cm-demo        the demo application (examples/cortex-m, app_v2), Cortex-M3
#   cm0-newlib     bench/filters/newlib_app.c, newlib stdio/math/time,
#                  Cortex-M0+ -Os
#   cm4-newlib     the same, Cortex-M4 -O2
#   cm0-app        bench/filters/app.c (shell, printf, soft-float, CRC,
#                  base64, PID) + the verifier, Cortex-M0+ -Os
#   cm0-newlib-all all of newlib's libc and libm (--whole-archive, as
#                  bench/emu/image.ld does) from address 0, Cortex-M0+; and
#                  cm4-newlib-all for Cortex-M4: about 300 KB each
#   rv32-app       the same for rv32imc -Os, and rv32-app-O2 at -O2
#   rv32-big       rv32-app and all of libgcc (--whole-archive; Debian's
#                  rv32imc links the rv32im multilib: no compressed code)
#   rv32-boot      the size harness (bench/size_main.c) + the verifier:
#                  a bootloader, rv32imc -Os
#   avr-libc       bench/filters/avr_app.c, avr-libc printf/scanf with
#                  floats, math; ATmega328P -Os, and avr-libc-relax with
#                  -mrelax (RCALL/RJMP where CALL/JMP reach)
#   avr-app        bench/filters/app.c + the verifier, ATmega1284P -Os
# The Cortex-M ones pack for nrf52840 (thumb), the RV32 ones for esp32c3
# (rv32), avr-libc* for atmega328p and avr-app with ATmega1284P geometry
# (no filter; the AVR column shows RCALL/RJMP measured, not kept).

BUILD ?= build
BF_DIR := $(BUILD)/bench-filters
BF_FWPACK := $(BUILD)/host/fwpack
BF_TOOL := $(BUILD)/host/bench/filters
# Linked by the top Makefile's $(BUILD)/host/bench/% rule, as BF_TOOL is.
BO_TOOL := $(BUILD)/host/bench/overhead
BO_DIR := $(BUILD)/bench-overhead
BF_VERIFIER := $(wildcard verifier/src/*.c)
BF_INC := -Iverifier/include -Iformat -Iverifier/src
BF_WARN := -Wall -Wextra

BF_CM0 := arm-none-eabi-gcc -mcpu=cortex-m0plus -mthumb
BF_CM4 := arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb
BF_RV := riscv64-unknown-elf-gcc -march=rv32imc -mabi=ilp32 -isystem /usr/include/newlib
BF_RV_LD := -nostdlib -nostartfiles -Wl,-e,main -Wl,--no-warn-rwx-segments -lgcc
BF_AVR := avr-gcc
BF_GC := -ffunction-sections -fdata-sections -Wl,--gc-sections
BF_AVR_FLT := -Wl,-u,vfprintf -lprintf_flt -Wl,-u,vfscanf -lscanf_flt -lm
BF_AVR_FWPK := -DFWPK_MAX_FRAME_SIZE=512 -DFWPK_WINDOW_BITS=9

BF_SAMPLES := cm-demo=$(BF_DIR)/cm-demo.elf:cortex-m \
              cm0-newlib=$(BF_DIR)/cm0-newlib.elf:cortex-m \
              cm4-newlib=$(BF_DIR)/cm4-newlib.elf:cortex-m \
              cm0-app=$(BF_DIR)/cm0-app.elf:cortex-m \
              cm0-newlib-all=$(BF_DIR)/cm0-newlib-all.elf:cortex-m \
              cm4-newlib-all=$(BF_DIR)/cm4-newlib-all.elf:cortex-m \
              rv32-app=$(BF_DIR)/rv32-app.elf:rv32 \
              rv32-app-O2=$(BF_DIR)/rv32-app-O2.elf:rv32 \
              rv32-big=$(BF_DIR)/rv32-big.elf:rv32 \
              rv32-boot=$(BF_DIR)/rv32-boot.elf:rv32 \
              avr-libc=$(BF_DIR)/avr-libc.elf:avr \
              avr-libc-relax=$(BF_DIR)/avr-libc-relax.elf:avr \
              avr-app=$(BF_DIR)/avr-app.elf:avr-16k
BF_ELFS := $(foreach s,$(BF_SAMPLES),$(word 1,$(subst :, ,$(word 2,$(subst =, ,$(s))))))

# Each link's warnings (newlib's nosys stubs) go to NAME.log, shown on error.
bf_link = @mkdir -p $(BF_DIR); $(1) -o $@ 2> $@.log || { cat $@.log; exit 1; }

$(BF_DIR)/cm-demo.elf:
	@mkdir -p $(BF_DIR)
	$(MAKE) -s -C examples/cortex-m apps O=$(BF_DIR)/cortex-m
	cp $(BF_DIR)/cortex-m/app_v2.elf $@

$(BF_DIR)/cm0-newlib.elf: bench/filters/newlib_app.c
	$(call bf_link,$(BF_CM0) -Os $(BF_WARN) --specs=nosys.specs $< -lm)
$(BF_DIR)/cm4-newlib.elf: bench/filters/newlib_app.c
	$(call bf_link,$(BF_CM4) -O2 $(BF_WARN) --specs=nosys.specs $< -lm)
$(BF_DIR)/cm0-app.elf: bench/filters/app.c $(BF_VERIFIER)
	$(call bf_link,$(BF_CM0) -Os -std=c99 $(BF_WARN) $(BF_GC) $(BF_INC) \
	    --specs=nosys.specs $< $(BF_VERIFIER))

# Whole libraries: unresolved symbols (syscalls) are left at 0, as in
# mk/bench-emu.mk.
bf_whole = -Wl,--whole-archive $(foreach l,$(2),$(shell $(1) -print-file-name=$(l))) \
           -Wl,--no-whole-archive -Wl,--unresolved-symbols=ignore-all \
           -Wl,--allow-multiple-definition
$(BF_DIR)/cm0-newlib-all.elf: bench/filters/flash0.ld
	$(call bf_link,$(BF_CM0) -nostartfiles -nostdlib -T $< \
	    $(call bf_whole,$(BF_CM0),libm.a libc.a) -lgcc)
$(BF_DIR)/cm4-newlib-all.elf: bench/filters/flash0.ld
	$(call bf_link,$(BF_CM4) -nostartfiles -nostdlib -T $< \
	    $(call bf_whole,$(BF_CM4),libm.a libc.a) -lgcc)
$(BF_DIR)/rv32-big.elf: bench/filters/app.c $(BF_VERIFIER) bench/size_libc.c
	$(call bf_link,$(BF_RV) -Os -std=c99 $(BF_WARN) $(BF_INC) \
	    -fno-tree-loop-distribute-patterns $< $(BF_VERIFIER) bench/size_libc.c \
	    $(call bf_whole,$(BF_RV),libgcc.a) $(BF_RV_LD))

$(BF_DIR)/rv32-app.elf: bench/filters/app.c $(BF_VERIFIER) bench/size_libc.c
	$(call bf_link,$(BF_RV) -Os -std=c99 $(BF_WARN) $(BF_GC) $(BF_INC) \
	    -fno-tree-loop-distribute-patterns $< $(BF_VERIFIER) bench/size_libc.c $(BF_RV_LD))
$(BF_DIR)/rv32-app-O2.elf: bench/filters/app.c $(BF_VERIFIER) bench/size_libc.c
	$(call bf_link,$(BF_RV) -O2 -std=c99 $(BF_WARN) $(BF_GC) $(BF_INC) \
	    -fno-tree-loop-distribute-patterns $< $(BF_VERIFIER) bench/size_libc.c $(BF_RV_LD))
$(BF_DIR)/rv32-boot.elf: bench/size_main.c $(BF_VERIFIER) bench/size_libc.c
	$(call bf_link,$(BF_RV) -Os -std=c99 $(BF_WARN) $(BF_GC) $(BF_INC) \
	    -fno-tree-loop-distribute-patterns $< $(BF_VERIFIER) bench/size_libc.c $(BF_RV_LD))
$(BF_DIR)/avr-libc.elf: bench/filters/avr_app.c
	$(call bf_link,$(BF_AVR) -mmcu=atmega328p -Os $(BF_WARN) $(BF_GC) $< $(BF_AVR_FLT))
$(BF_DIR)/avr-libc-relax.elf: bench/filters/avr_app.c
	$(call bf_link,$(BF_AVR) -mmcu=atmega328p -Os -mrelax $(BF_WARN) $(BF_GC) $< $(BF_AVR_FLT))
$(BF_DIR)/avr-app.elf: bench/filters/app.c $(BF_VERIFIER)
	$(call bf_link,$(BF_AVR) -mmcu=atmega1284p -Os -std=c99 $(BF_WARN) $(BF_GC) $(BF_INC) \
	    $(BF_AVR_FWPK) $< $(BF_VERIFIER))

.PHONY: bench-filters
bench-filters: $(BF_FWPACK) $(BF_TOOL) $(BF_ELFS)
	@$(BF_TOOL) $(BF_FWPACK) $(BF_DIR) $(BF_SAMPLES)

# Own work dir: its key and temporary container never touch bench-filters'.
.PHONY: bench-overhead
bench-overhead: $(BF_FWPACK) $(BO_TOOL) $(BF_ELFS)
	@$(BO_TOOL) $(BF_FWPACK) $(BO_DIR) $(BF_SAMPLES)
