# The AVR bootloader example (examples/avr): the device verifier in an A/B
# bootloader on an ATmega1284P in simavr, installing containers received
# over its UART (from a libsimavr host playing the host MCU that passes
# Notecard dfu.get data on) through SPM self-programming.  The same
# bootloader is built for the ATmega328P for its figures: it does not fit
# there (flash and RAM), and every target here says so.  The ATmega328P
# installs in place instead (examples/avr/agent: an update agent and a
# boot-section stub), linked for the real part and run on its core.
# Included by the top Makefile.
#
#   make avr-example        build, run the four scenarios (no update, good,
#                           tampered, untrusted), print a summary with the
#                           cycles, RAM and the ATmega328P fit figures
#   make avr-example-build  just build, into $(BUILD)/avr
#   make avr-example-size   flash/RAM per component, both chips
#
#   make avr328-example     the ATmega328P in place (examples/avr/agent):
#                           build, one update in simavr's atmega328p core,
#                           flash and RAM per part
#
# Needs gcc-avr avr-libc binutils-avr libsimavr-dev (make deps).
# tests/test_avr.c builds and runs it on its own, in $(BUILD)/test/avr;
# tests/test_avr328.c the ATmega328P one, in $(BUILD)/test/avr328.

AVR_EX_O := $(BUILD)/avr
AVR_EX_FWPACK := $(BUILD)/host/fwpack
AVR_EX_MAKE = $(MAKE) --no-print-directory -C examples/avr O=$(AVR_EX_O) \
              FWPACK=$(AVR_EX_FWPACK)

.PHONY: avr-example avr-example-build avr-example-size avr328-example
avr-example: $(AVR_EX_FWPACK)
	@FWPACK=$(AVR_EX_FWPACK) AVR_O=$(AVR_EX_O) examples/avr/demo.sh run
avr-example-build: $(AVR_EX_FWPACK)
	@$(AVR_EX_MAKE) all
avr-example-size: $(AVR_EX_FWPACK)
	@$(AVR_EX_MAKE) size
avr328-example: $(AVR_EX_FWPACK)
	@$(MAKE) --no-print-directory -C examples/avr/agent O=$(BUILD)/avr328 \
	    FWPACK=$(AVR_EX_FWPACK) run size
