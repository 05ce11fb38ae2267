# The example bootloaders' A/B logic (examples/abboot, shared by
# examples/cortex-m and examples/avr) on the host, through power cuts:
# tests/test_bootcut.c.  Included by the top Makefile.
#
#   make check       runs it with every single power cut, every third
#                    single flash error, and a fixed sample of second
#                    faults and triple cuts (ASan/UBSan build, ~20 s of CPU)
#   make powercut    every single cut and flash error, every second fault
#                    (cut or error) after each, 2000 sampled triple cuts per
#                    offer sequence (release build, about ten minutes of CPU)
#
# Each prints its figures: trials, boots, fault pairs, time.

ABBOOT_SRC := $(wildcard examples/abboot/*.c)

# test_bootcut links the examples' logic besides the usual test objects.
$(TST)/tests/test_bootcut: $(call obj,$(TST),$(ABBOOT_SRC))

$(REL)/obj/tests/%.o: INC += -Iverifier/src -Itests/support
$(REL)/powercut/test_bootcut: $(REL)/obj/tests/test_bootcut.o \
        $(call obj,$(REL),$(ABBOOT_SRC) $(SUPPORT_SRC)) \
        $(REL)/libfwpack.a $(REL)/libfwpk_verify.a
	@mkdir -p $(dir $@)
	$(CC) $(REL_OPT) $^ $(HOST_LIBS) -lcmocka -llzma -o $@

.PHONY: powercut
powercut: deps $(REL)/powercut/test_bootcut
	BOOTCUT=full $(REL)/powercut/test_bootcut
