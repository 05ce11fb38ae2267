# Pairs of real programs for delta updates (issue 18, format/SPEC.md 6.5):
# each program built as released (v1) and again after a small source
# change, by the sed scripts in bench/delta:
#
#   edit    one function edited (pid_step)
#   const   a constant changed (the default target temperature)
#   add     a function added and called at start-up
#   libup   a library upgrade: more of newlib linked in
#
# Programs, in $(BUILD)/delta-pairs (names PROGRAM-VARIANT.elf):
#   cm0-app     bench/filters/app.c + the verifier, Cortex-M0+ -Os (thumb)
#   rv32-app    the same for rv32imc -Os (rv32)
#   cm4-newlib  bench/filters/newlib_app.c, Cortex-M4 -O2 (thumb): libup,
#               and edit (bench/delta/newlib-edit.sed: its report edited)
#
# tests/test_delta.c installs every pair (make check); make bench-delta
# (part of make bench) prints their sizes (bench/delta.sh).

DP_DIR := $(BUILD)/delta-pairs
DP_VERIFIER := $(wildcard verifier/src/*.c)
DP_INC := -Iverifier/include -Iformat -Iverifier/src
DP_CM0 := arm-none-eabi-gcc -mcpu=cortex-m0plus -mthumb
DP_CM4 := arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb
DP_RV := riscv64-unknown-elf-gcc -march=rv32imc -mabi=ilp32 -isystem /usr/include/newlib
DP_RV_LD := -nostdlib -nostartfiles -Wl,-e,main -Wl,--no-warn-rwx-segments -lgcc
DP_GC := -ffunction-sections -fdata-sections -Wl,--gc-sections
# __DATE__ would differ between a release and its update built days apart
DP_DATE := -Wno-builtin-macro-redefined -D__DATE__='"Dec  5 2026"'

DP_APP_VARIANTS := v1 edit const add
DP_ELFS := $(foreach v,$(DP_APP_VARIANTS),$(DP_DIR)/cm0-app-$(v).elf $(DP_DIR)/rv32-app-$(v).elf) \
           $(DP_DIR)/cm4-newlib-v1.elf $(DP_DIR)/cm4-newlib-libup.elf \
           $(DP_DIR)/cm4-newlib-edit.elf

# the variants' sources stay, to read what changed
.SECONDARY: $(foreach v,$(DP_APP_VARIANTS),$(DP_DIR)/app-$(v).c) \
            $(DP_DIR)/newlib-v1.c $(DP_DIR)/newlib-libup.c $(DP_DIR)/newlib-edit.c

dp_link = @mkdir -p $(DP_DIR); $(1) -o $@ 2> $@.log || { cat $@.log; exit 1; }

$(DP_DIR)/app-v1.c: bench/filters/app.c
	@mkdir -p $(DP_DIR); cp $< $@
$(DP_DIR)/app-%.c: bench/filters/app.c bench/delta/%.sed
	@mkdir -p $(DP_DIR); sed -f bench/delta/$*.sed $< > $@
	@! cmp -s $< $@ || { echo "bench/delta/$*.sed changed nothing"; exit 1; }
$(DP_DIR)/newlib-v1.c: bench/filters/newlib_app.c
	@mkdir -p $(DP_DIR); cp $< $@
$(DP_DIR)/newlib-libup.c: bench/filters/newlib_app.c bench/delta/libup.sed
	@mkdir -p $(DP_DIR); sed -f bench/delta/libup.sed $< > $@
	@! cmp -s $< $@ || { echo "bench/delta/libup.sed changed nothing"; exit 1; }
$(DP_DIR)/newlib-edit.c: bench/filters/newlib_app.c bench/delta/newlib-edit.sed
	@mkdir -p $(DP_DIR); sed -f bench/delta/newlib-edit.sed $< > $@
	@! cmp -s $< $@ || { echo "bench/delta/newlib-edit.sed changed nothing"; exit 1; }

$(DP_DIR)/cm0-app-%.elf: $(DP_DIR)/app-%.c $(DP_VERIFIER)
	$(call dp_link,$(DP_CM0) -Os -std=c99 -Wall -Wextra $(DP_DATE) $(DP_GC) $(DP_INC) \
	    --specs=nosys.specs $< $(DP_VERIFIER))
$(DP_DIR)/rv32-app-%.elf: $(DP_DIR)/app-%.c $(DP_VERIFIER) bench/size_libc.c
	$(call dp_link,$(DP_RV) -Os -std=c99 -Wall -Wextra $(DP_DATE) $(DP_GC) $(DP_INC) \
	    -fno-tree-loop-distribute-patterns $< $(DP_VERIFIER) bench/size_libc.c $(DP_RV_LD))
$(DP_DIR)/cm4-newlib-%.elf: $(DP_DIR)/newlib-%.c
	$(call dp_link,$(DP_CM4) -O2 -Wall -Wextra --specs=nosys.specs $< -lm)

.PHONY: delta-pairs
delta-pairs: $(DP_ELFS)

# Per pair: full container, delta containers, bsdiff and xdelta3 -9, beside
# issue 18's goals; the applier's flash and RAM on Cortex-M0+, and its
# instructions per byte on Cortex-M0 in QEMU (bench-patch, mk/bench-emu.mk).
.PHONY: bench-delta
bench-delta: $(REL)/fwpack $(DP_ELFS)
	@sh bench/delta.sh $(REL)/fwpack $(DP_DIR) $(BUILD)/bench-delta
	@$(MAKE) --no-print-directory bench-patch
