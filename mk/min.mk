# A second host build of the verifier in the configuration of make size's
# cortex-m0plus-min (fwpk_verify.h: FWPK_RESUME, FWPK_FILTERS, FWPK_DELTA),
# with the limits of the Cortex-M0 demo (FWPK_WINDOW_BITS 12, FWPK_MAX_FRAME_SIZE
# 1024), and the test of what that configuration promises.  make check runs
# it beside the default build's tests.  Included by the top Makefile.
#
# The limits change struct fwpk_ctx, so everything that includes
# fwpk_verify.h is compiled again with them (docs/porting.md 3): the test,
# its support code and libfwpack (whose pack runs the verifier too).

MIN := $(BUILD)/test-min
MIN_DEFS := -DFWPK_RESUME=0 -DFWPK_FILTERS=2 -DFWPK_DELTA=0 \
            -DFWPK_WINDOW_BITS=12 -DFWPK_MAX_FRAME_SIZE=1024
MIN_TEST_BINS := $(MIN)/tests/test_stream_min $(MIN)/test_lzma_lclp1

$(MIN)/obj/verifier/%.o: verifier/%.c
	@mkdir -p $(dir $@)
	$(CC) $(VERIFIER_CFLAGS) $(TST_OPT) $(MIN_DEFS) $(INC) $(DEPFLAGS) -c $< -o $@
$(MIN)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(TST_OPT) $(MIN_DEFS) $(INC) -Iverifier/src -Itests/support $(DEPFLAGS) -c $< -o $@

# The verifier as objects, not an archive: libfwpack.a's own references to
# it resolve to this build too.
$(MIN)/tests/%: $(MIN)/obj/tests/%.o $(call obj,$(MIN),$(VERIFIER_SRC)) \
                $(call obj,$(MIN),$(SUPPORT_SRC)) $(MIN)/libfwpack.a
	@mkdir -p $(dir $@)
	$(CC) $(TST_OPT) $^ $(HOST_LIBS) -lcmocka -o $@
# kept, not removed as an intermediate file of the rule above
.SECONDARY: $(MIN)/libfwpack.a

# test_lzma once more with the device's LZMA table (FWPK_LZMA_LCLP_MAX 1,
# not the host's HOST_DEFS), where lc + lp above 1 must be refused: built
# from the decoder and its window alone, so that no object with the other
# table size is linked in.
MIN_LCLP1_SRC := tests/test_lzma.c verifier/src/lzmadec.c verifier/src/window.c
$(MIN)/test_lzma_lclp1: $(MIN_LCLP1_SRC) $(call obj,$(TST),tests/support/pack_util.c)
	@mkdir -p $(dir $@)
	$(CC) $(filter-out $(HOST_DEFS),$(HOST_CFLAGS)) $(TST_OPT) $(INC) -Iverifier/src \
	    -Itests/support $^ -lcmocka -llzma -o $@
