# More host builds of the verifier, each in one of its memory designs
# (fwpk_verify.h: FWPK_FRAME_BUFFER, FWPK_RING_BITS), with the suites that
# must hold in every design: stream, tamper, power cut, resume, robustness,
# issue 21's invariant, the Notecard client (resumes at the record).
# make check runs them beside the default build's tests (mk/min.mk is the
# same idea for the feature switches).  Included by the top Makefile.
#
#   test-stream    streaming (no frame buffer), window in flash (512-byte
#                  ring): the smallest RAM design
#   test-flashwin  buffered frames, window in flash
#   test-ring8     make size's small builds (ATmega328P, Cortex-M0+
#                  streaming): a 256-byte ring, 128-byte staging, four
#                  segments kept, four targets walked, Ed25519's rows as
#                  loops (its field in bytes is test-limb8's), SHA-512 on
#                  bytes (FWPK_SHA512_SMALL, checked against libsodium by
#                  test_sha512), no error strings, the small inflate
#                  (FWPK_INFLATE_SMALL; test_inflate runs it against zlib)
#                  (AVR's).  Its ring
#                  is below the smallest window, so RV32 deflate is refused
#                  there: only the suites that say so run in it.
#   test-limb8     Ed25519's field in bytes (FWPK_ED25519_LIMB_BITS=8,
#                  AVR's): test_ed25519 (vectors, Wycheproof, libsodium)
#                  and test_stream.  Under ASan it costs 15 ms a verify,
#                  10x the 32-bit field: test-ring8's every-bit tamper
#                  and resume suites would take a quarter of an hour
#                  more, so they keep the 32-bit field; the whole AVR
#                  build runs on the AVR in simavr (make arduino-sim)
#   test-avr       the atmega328p build's switches, deflate alone: the
#                  smallest frames' state, so the smallest manifest
#                  buffer (test_stream)
#   test-deflate   FWPK_CODECS=2, deflate alone (the device default), and
#   test-lzma      FWPK_CODECS=4, LZMA alone: each compiles without the
#                  other codec and refuses its containers before anything
#                  is erased (test_stream, test_powercut)
#
# The designs change struct fwpk_ctx, so everything that includes
# fwpk_verify.h is compiled again in each (docs/porting.md 3): the tests,
# their support code and libfwpack, whose pack runs the verifier too.

MODE_TESTS := test_stream test_powercut test_tamper test_robust test_spec_example test_stream_min \
              test_resume_invariant test_notecard_client

# $(1) the build's directory, $(2) its defines, $(3) the tests it runs
# (MODE_TESTS when empty); a FWPK_CODECS in $(2) replaces HOST_DEFS' one.
mode_drop = $(if $(findstring FWPK_CODECS,$(1)),-DFWPK_CODECS=%)
define mode_build
MODE_DIR_$(1) := $(BUILD)/$(1)
$(BUILD)/$(1)/obj/verifier/%.o: verifier/%.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(filter-out $(call mode_drop,$(2)),$$(VERIFIER_CFLAGS)) $$(TST_OPT) $(2) $$(INC) $$(DEPFLAGS) -c $$< -o $$@
$(BUILD)/$(1)/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(filter-out $(call mode_drop,$(2)),$$(HOST_CFLAGS)) $$(TST_OPT) $(2) $$(INC) -Iverifier/src -Itests/support $$(DEPFLAGS) -c $$< -o $$@
$(BUILD)/$(1)/tests/%: $(BUILD)/$(1)/obj/tests/%.o $$(call obj,$(BUILD)/$(1),$$(VERIFIER_SRC)) \
                $$(call obj,$(BUILD)/$(1),$$(SUPPORT_SRC)) $(BUILD)/$(1)/libfwpack.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(TST_OPT) $$^ $$(HOST_LIBS) -lcmocka -o $$@
.SECONDARY: $(BUILD)/$(1)/libfwpack.a
MODE_TEST_BINS += $(patsubst %,$(BUILD)/$(1)/tests/%,$(or $(3),$(MODE_TESTS)))
endef

$(eval $(call mode_build,test-stream,-DFWPK_FRAME_BUFFER=0 -DFWPK_RING_BITS=9))
$(eval $(call mode_build,test-flashwin,-DFWPK_RING_BITS=9))
$(eval $(call mode_build,test-ring8,-DFWPK_FRAME_BUFFER=0 -DFWPK_RING_BITS=8 -DFWPK_WBUF_SIZE=128 \
    -DFWPK_SEGMENTS=4 -DFWPK_TARGETS=4 -DFWPK_ED25519_UNROLL=0 \
    -DFWPK_STRINGS=0 -DFWPK_SHA512_SMALL=1 -DFWPK_INFLATE_SMALL=1,\
    test_stream test_tamper test_robust test_resume_invariant test_ed25519 test_sha512 test_inflate))
$(eval $(call mode_build,test-limb8,-DFWPK_ED25519_UNROLL=0 -DFWPK_ED25519_LIMB_BITS=8,\
    test_ed25519 test_stream))
# test-avr: mk/cross.mk's atmega328p switches (deflate alone, no delta;
# the filters kept, which test_stream's containers use), where the frames'
# state, and so the manifest buffer that shares its RAM, is smallest:
# test_stream's limits (FWPK_MANIFEST_ROOM, segments, targets) are
# reached there as on the part.
$(eval $(call mode_build,test-avr,-DFWPK_FRAME_BUFFER=0 -DFWPK_RING_BITS=8 -DFWPK_WBUF_SIZE=128 \
    -DFWPK_SEGMENTS=4 -DFWPK_TARGETS=4 -DFWPK_ED25519_UNROLL=0 \
    -DFWPK_ED25519_LIMB_BITS=8 -DFWPK_SHA512_SMALL=1 -DFWPK_STRINGS=0 -DFWPK_DELTA=0 \
    -DFWPK_INFLATE_SMALL=1 -DFWPK_CODECS=2,test_stream))
# The ATmega328P in-place agent's configuration (examples/avr/agent): one
# target (fold.c keeps nothing), no resume, no
# delta, the manifest in what the frames' state leaves.
$(eval $(call mode_build,test-one,-DFWPK_FRAME_BUFFER=0 -DFWPK_RING_BITS=8 -DFWPK_WBUF_SIZE=128 \
    -DFWPK_SEGMENTS=4 -DFWPK_TARGETS=1 -DFWPK_RESUME=0 -DFWPK_DELTA=0 \
    -DFWPK_MANIFEST_BUF=256,\
    test_stream test_tamper))
CODEC_TESTS := test_stream test_powercut
$(eval $(call mode_build,test-deflate,-DFWPK_CODECS=2,$(CODEC_TESTS)))
$(eval $(call mode_build,test-lzma,-DFWPK_CODECS=4,$(CODEC_TESTS)))
