# A second host build of the verifier in the configuration of make size's
# cortex-m0plus-min (fwpk_verify.h: FWPK_RESUME, FWPK_FILTERS), with the test
# of what that configuration promises.  make check runs it beside the
# default build's tests.  Included by the top Makefile.

MIN := $(BUILD)/test-min
MIN_DEFS := -DFWPK_RESUME=0 -DFWPK_FILTERS=2
MIN_TEST_BINS := $(MIN)/tests/test_stream_min

$(MIN)/obj/verifier/%.o: verifier/%.c
	@mkdir -p $(dir $@)
	$(CC) $(VERIFIER_CFLAGS) $(TST_OPT) $(MIN_DEFS) $(INC) $(DEPFLAGS) -c $< -o $@
$(MIN)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(TST_OPT) $(MIN_DEFS) $(INC) -Iverifier/src -Itests/support $(DEPFLAGS) -c $< -o $@

# The verifier as objects, not an archive: libfwpack.a's own references to
# it resolve to this build too.
$(MIN)/tests/%: $(MIN)/obj/tests/%.o $(call obj,$(MIN),$(VERIFIER_SRC)) \
                $(call obj,$(TST),$(SUPPORT_SRC)) $(TST)/libfwpack.a
	@mkdir -p $(dir $@)
	$(CC) $(TST_OPT) $^ $(HOST_LIBS) -lcmocka -llzma -o $@
