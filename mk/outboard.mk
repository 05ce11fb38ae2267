# Outboard updates (fwpack flash, programmer/): the targets it is checked
# against, the co-processor application, and the timing bench.  Included by
# the top Makefile.
#
#   make outboard-build   emulators (release and test builds), Optiboot
#                         placed where it fits, the ATmega328P application
#   make outboard-size    the programmer library built for a Cortex-M0+
#                         and an AVR host MCU: its flash and RAM
#   make bench-outboard   bench/outboard.sh: fwpack flash vs avrdude and
#                         stm32flash on the same emulated targets, 32 KB
#                         images (31 KiB under Optiboot: all of its
#                         application section), time on the wire at 115200
#                         (and 57600 for Optiboot).  Figures only.
#
# Targets (tests/emu), each on a pseudo-terminal:
#   simavr_pty   an ATmega in simavr running real bootloader firmware:
#                Optiboot from Debian's arduino-core-avr
#   avr109_emu   AVR109, from Atmel's application note
#   an3155_emu   the STM32 ROM bootloader's USART protocol, from ST AN3155
#
# Optiboot: Debian 12's optiboot_atmega328.hex is 532 bytes of code built
# for the 512-byte boot section at 0x7e00, so it runs past the end of the
# flash and its .version word (0x7ffe) lands on its own code.  Its bytes
# are moved into the 1 KiB boot section (0x7c00, BOOTSZ = 512 words) with
# tests/emu/hex_move.awk; $(OB_DIR)/optiboot-src-7c00.bin is Debian's
# optiboot.c from the same package built for 0x7c00, which the test
# compares with them.  The same for the ATmega168 build (wrong-chip test).

OB_DIR := $(BUILD)/outboard
OPTIBOOT_DIR := /usr/share/arduino/hardware/arduino/avr/bootloaders/optiboot
OB_AVR_CC := avr-gcc
OB_APP_CFLAGS := -mmcu=atmega328p -Os -std=gnu99 -Wall -Wextra -Werror \
                 -DF_CPU=16000000UL -ffunction-sections -fdata-sections \
                 -Wl,--gc-sections
EMU_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 $(WARN) -Itests/emu
EMU_LINE := tests/emu/emu_line.c tests/emu/emu_line.h
EMU_FLASH := tests/emu/emu_flash.c tests/emu/emu_flash.h tests/emu/emu_target.c \
             tests/emu/emu_target.h

.PHONY: outboard-build bench-outboard

# $(1) build dir, $(2) optimisation/sanitizer flags
define outboard_emu
$(1)/emu/avr109_emu: tests/emu/avr109_emu.c $(EMU_LINE) $(EMU_FLASH)
	@mkdir -p $$(@D)
	$(CC) $(EMU_CFLAGS) $(2) $$(filter %.c,$$^) -o $$@
$(1)/emu/an3155_emu: tests/emu/an3155_emu.c $(EMU_LINE) $(EMU_FLASH)
	@mkdir -p $$(@D)
	$(CC) $(EMU_CFLAGS) $(2) $$(filter %.c,$$^) -o $$@
$(1)/emu/simavr_pty: tests/emu/simavr_pty.c $(EMU_LINE)
	@mkdir -p $$(@D)
	$(CC) $(EMU_CFLAGS) $(2) -I/usr/include/simavr $$(filter %.c,$$^) -lsimavr -o $$@
endef
$(eval $(call outboard_emu,$(REL),$(REL_OPT)))
$(eval $(call outboard_emu,$(TST),$(TST_OPT)))
OB_EMUS = $(addprefix $(1)/emu/,avr109_emu an3155_emu simavr_pty)

# ---- Optiboot, placed where it fits ----------------------------------------
$(OB_DIR)/optiboot_atmega328.hex: $(OPTIBOOT_DIR)/optiboot_atmega328.hex tests/emu/hex_move.awk
	@mkdir -p $(@D)
	awk -v delta=-512 -v keep=32766 -f tests/emu/hex_move.awk $< >$@.tmp && mv $@.tmp $@
$(OB_DIR)/optiboot_atmega168.hex: $(OPTIBOOT_DIR)/optiboot_atmega168.hex tests/emu/hex_move.awk
	@mkdir -p $(@D)
	awk -v delta=-512 -v keep=16382 -f tests/emu/hex_move.awk $< >$@.tmp && mv $@.tmp $@
# Debian's source with Debian's Makefile flags (its atmega328 target), for
# the 1 KiB boot section: the code bytes the moved HEX must hold.
OB_OPTIBOOT_FLAGS := -g -Wall -Os -fno-inline-small-functions -fno-split-wide-types \
    -mshort-calls -mmcu=atmega328p -DF_CPU=16000000L -DLED_START_FLASHES=3 \
    -DBAUD_RATE=115200
$(OB_DIR)/optiboot-src-7c00.bin: $(OPTIBOOT_DIR)/optiboot.c
	@mkdir -p $(@D)
	$(OB_AVR_CC) $(OB_OPTIBOOT_FLAGS) -c $< -o $(OB_DIR)/optiboot-src.o
	$(OB_AVR_CC) $(OB_OPTIBOOT_FLAGS) -Wl,--section-start=.text=0x7c00 \
	    -Wl,--relax -Wl,--gc-sections -nostartfiles -nostdlib \
	    $(OB_DIR)/optiboot-src.o -o $(OB_DIR)/optiboot-src-7c00.elf
	avr-objcopy -j .text -O binary $(OB_DIR)/optiboot-src-7c00.elf $@

# ---- the application (examples/outboard/app.c) -------------------------------
$(OB_DIR)/app_v%.elf: examples/outboard/app.c
	@mkdir -p $(@D)
	$(OB_AVR_CC) $(OB_APP_CFLAGS) -DAPP_VERSION='"$*.0.0"' $< -o $@
# kept, not deleted as intermediates of the .bin (make demo rebuilt them)
.SECONDARY: $(OB_DIR)/app_v1.elf $(OB_DIR)/app_v2.elf
$(OB_DIR)/%.bin: $(OB_DIR)/%.elf
	avr-objcopy -O binary -j .text -j .data $< $@
$(OB_DIR)/%.hex: $(OB_DIR)/%.bin
	avr-objcopy -I binary -O ihex $< $@

# ---- the programmer library as a host MCU builds it ---------------------------
# Freestanding C99 for a Cortex-M0+ and an AVR, no libc but memset/memcmp/
# memcpy/strcmp: make check builds it (it must compile there), make
# outboard-size prints its flash and RAM.
OB_CROSS := $(BUILD)/cross/programmer
OB_CROSS_FLAGS := -Os -std=c99 -pedantic -ffreestanding -Wall -Wextra -Werror \
                  -ffunction-sections -fdata-sections \
                  -Iprogrammer/include -Iverifier/include -Iformat
OB_CROSS_cortex-m0plus := arm-none-eabi-gcc -mcpu=cortex-m0plus -mthumb
OB_CROSS_atmega1284p := avr-gcc -mmcu=atmega1284p -DFWPK_WINDOW_BITS=9 -DFWPK_MAX_FRAME_SIZE=512
define outboard_cross
$(OB_CROSS)/$(1)/%.o: programmer/src/%.c
	@mkdir -p $$(@D)
	$$(OB_CROSS_$(1)) $(OB_CROSS_FLAGS) -c $$< -o $$@
$(OB_CROSS)/$(1)/libfwpk_prog.a: $(patsubst programmer/src/%.c,$(OB_CROSS)/$(1)/%.o,$(PROG_SRC))
	@rm -f $$@; $(if $(findstring avr,$(1)),avr-ar,arm-none-eabi-ar) rcs $$@ $$^
endef
$(eval $(call outboard_cross,cortex-m0plus))
$(eval $(call outboard_cross,atmega1284p))
OB_CROSS_LIBS := $(OB_CROSS)/cortex-m0plus/libfwpk_prog.a $(OB_CROSS)/atmega1284p/libfwpk_prog.a
.PHONY: outboard-size
outboard-size: $(OB_CROSS_LIBS)
	@echo "== programmer library (programmer/src, -Os): flash (text + data) and RAM (data + bss)"
	@arm-none-eabi-size -t $(OB_CROSS)/cortex-m0plus/libfwpk_prog.a | sed 's/^/cortex-m0plus  /'
	@avr-size -t $(OB_CROSS)/atmega1284p/libfwpk_prog.a | sed 's/^/atmega1284p    /'

OB_FILES := $(OB_DIR)/optiboot_atmega328.hex $(OB_DIR)/optiboot_atmega168.hex \
            $(OB_DIR)/optiboot-src-7c00.bin $(OB_DIR)/app_v1.bin $(OB_DIR)/app_v2.bin \
            $(OB_DIR)/app_v2.hex
outboard-build: $(call OB_EMUS,$(REL)) $(call OB_EMUS,$(TST)) $(OB_FILES)

# The tests (tests/test_outboard_*.c) use the test build of the emulators;
# make demo the release build.
check: $(call OB_EMUS,$(TST)) $(OB_FILES) $(OB_CROSS_LIBS)
demo: $(call OB_EMUS,$(REL)) $(OB_FILES)

bench-outboard: $(REL)/fwpack $(call OB_EMUS,$(REL)) $(OB_DIR)/optiboot_atmega328.hex \
                $(OB_DIR)/app_v2.bin
	@sh bench/outboard.sh $(REL)/fwpack $(REL)/emu $(OB_DIR)

