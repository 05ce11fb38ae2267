# The Cortex-M0 example (examples/microbit): a bootloader in 8 KiB of RAM
# on QEMU's micro:bit, fed by the Notecard emulator over its UART.
# Included by the top Makefile; make demo runs its scenarios
# (examples/microbit/demo.sh, from examples/demo.sh), make check through
# tests/test_microbit.c.
#
#   make microbit        the scenarios and their summary
#   make microbit-size   the bootloader's flash, and its RAM beside 8 KiB
#
# Needs gcc-arm-none-eabi, libnewlib-arm-none-eabi, qemu-system-arm, socat.

MB_O := $(BUILD)/microbit
MB_FWPACK := $(BUILD)/host/fwpack

.PHONY: microbit microbit-size
microbit: $(MB_FWPACK)
	@FWPACK=$(MB_FWPACK) MB_OUT=$(MB_O) examples/microbit/demo.sh
# A key of its own: the keyring's size is the same for any key.
microbit-size: $(MB_FWPACK)
	@mkdir -p $(MB_O)
	@[ -f $(MB_O)/size-key.pem ] || $(MB_FWPACK) keygen -o $(MB_O)/size-key.pem
	@$(MAKE) --no-print-directory -s -C examples/microbit O=$(MB_O) \
	    FWPACK=$(MB_FWPACK) KEY=$(MB_O)/size-key.pem boot size
