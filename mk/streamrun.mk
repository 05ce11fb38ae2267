# `fwpack verify --mode streaming` (and unpack): the device verifier built a
# second time as the small parts build it (fwpk_verify.h: no frame buffer,
# a 512-byte ring with the older window read back from flash), together
# with tools/cli/verify_device.c as vr_device_run_streaming, linked into one
# relocatable object whose fwpk_ symbols are renamed fwpks_: both builds
# then link into one fwpack without clashing.  Only verify_device.c sees
# the two builds' different struct fwpk_ctx.
SR_DEFS := -DFWPK_FRAME_BUFFER=0 -DFWPK_RING_BITS=9 \
           -DVR_DEVICE_RUN=vr_device_run_streaming
SR_SRC := $(VERIFIER_SRC) tools/cli/verify_device.c

# $(1) the host build (REL or TST), $(2) its optimisation/sanitizer flags
define streamrun
$(1)/sr/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(VERIFIER_CFLAGS) $(2) $$(SR_DEFS) $$(INC) $$(DEPFLAGS) -c $$< -o $$@
$(1)/streamrun.o: $$(call obj,$(1)/sr,$$(SR_SRC))
	@ld -r -o $$@.tmp $$^
	@nm -g --defined-only $$@.tmp | \
	  awk '$$$$3 ~ /fwpk_/ { n = $$$$3; sub(/fwpk_/, "fwpks_", n); print $$$$3, n }' > $$@.syms
	@objcopy --redefine-syms=$$@.syms $$@.tmp $$@
	@rm -f $$@.tmp $$@.syms
.SECONDARY: $$(call obj,$(1)/sr,$$(SR_SRC))
endef
$(eval $(call streamrun,$(REL),$(REL_OPT)))
$(eval $(call streamrun,$(TST),$(TST_OPT)))
