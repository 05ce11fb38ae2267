# Fuzzing with libFuzzer (clang -fsanitize=fuzzer, from Debian's
# libclang-rt-14-dev).  Included by the top Makefile; works alone too:
# make -f Makefile -f mk/fuzz.mk fuzz-smoke
#
#   make fuzz FUZZ_SECONDS=60    each target for 60 s (default 10)
#   make fuzz-smoke              each target for FUZZ_SMOKE_SECONDS (make check)
#
# Targets (tests/fuzz/fuzz_<name>.c):
#   verify    the streaming verifier, a mutated container in mutated piece
#             sizes, optionally re-signed so lying manifests reach the writer
#   manifest  the device's CBOR manifest reader, against the host's reader
#   inflate   the device's inflaters against zlib: the v1 API frame by frame,
#             the resumable decoder in pieces through a flash-backed window
#   inflate_small  the same with FWPK_INFLATE_SMALL=1 (inflate_small.c, the
#             AVR builds' decoder), the whole verifier built with it
#   lzma      the device's LZMA decoder, in random pieces through a small
#             ring with flash-backed history, against liblzma
#   hex       the packer's Intel HEX parser, with a format/parse round trip
#   pem       the key parser (PEM/DER, PKCS#8/SPKI), with a round trip
#   patch     the delta applier (SPEC.md 6.5) in random pieces over a
#             base, against a reference applier written from the spec
#   resume    interleavings of interrupted updates (issue 21): the input
#             picks boots, cuts, records and flash changes; FWPK_OK must
#             mean the image is in flash byte for byte
#   notecard  the Notecard client installing through the verifier, its
#             replies corrupted (or written) by the input; FWPK_NC_OK must
#             mean the image is in flash byte for byte
#
# Seed corpora come from containers, keys and HEX files made by the real
# packer (tests/fuzz/make_seeds.c, into $(FUZZ_DIR)/seeds/<target>); what
# the fuzzer finds is kept in $(FUZZ_DIR)/corpus/<target>, and a crash
# leaves its input in $(FUZZ_DIR)/<target>/crash-* (the run prints the
# path; replay it with $(FUZZ_DIR)/fuzz_<target> <file>).

BUILD ?= build
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 10
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_TARGETS := verify manifest inflate inflate_small lzma hex pem resume notecard patch
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
              -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
              -Wall -Wextra -Werror $(HOST_DEFS) $(INC) -Iverifier/src
FUZZ_BINS := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))
# Ed25519 is built apart, with ASan only: mutations never make a valid
# signature, so coverage there steers nothing, and UBSan and coverage
# instrumentation make each verify ~7 ms instead of ~1 ms, the verify
# target's whole budget.  (The unit tests run it under ASan and UBSan.)
FUZZ_ED25519 := verifier/src/ed25519.c
FUZZ_LIB_SRC := $(filter-out $(FUZZ_ED25519),$(VERIFIER_SRC)) $(LIB_SRC)

$(FUZZ_DIR)/ed25519.o: $(FUZZ_ED25519) verifier/include/fwpk_verify.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -g -O2 -fsanitize=address -std=c99 -Wall -Wextra -Werror $(INC) -c $< -o $@

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_LIB_SRC) $(FUZZ_DIR)/ed25519.o
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $< $(FUZZ_LIB_SRC) $(FUZZ_DIR)/ed25519.o $(HOST_LIBS) -o $@

# fuzz_inflate_small: fuzz_inflate.c against the small decoder.  The
# switch changes fwpk_inflate, so the verifier is compiled with it too.
$(FUZZ_DIR)/fuzz_inflate_small: tests/fuzz/fuzz_inflate.c tests/fuzz/fuzz_common.h $(FUZZ_LIB_SRC) \
        $(FUZZ_DIR)/ed25519.o
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -DFWPK_INFLATE_SMALL=1 $< $(FUZZ_LIB_SRC) $(FUZZ_DIR)/ed25519.o \
	    $(HOST_LIBS) -o $@

# fuzz_resume shares its interleavings with test_resume_invariant.
FUZZ_INTERLEAVE := tests/support/interleave.c
$(FUZZ_DIR)/fuzz_resume: tests/fuzz/fuzz_resume.c tests/fuzz/fuzz_common.h $(FUZZ_INTERLEAVE) \
        tests/support/interleave.h $(FUZZ_LIB_SRC) $(FUZZ_DIR)/ed25519.o
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Itests/support $< $(FUZZ_INTERLEAVE) $(FUZZ_LIB_SRC) \
	    $(FUZZ_DIR)/ed25519.o $(HOST_LIBS) -o $@

$(FUZZ_DIR)/make_seeds: tests/fuzz/make_seeds.c tests/fuzz/fuzz_common.h $(REL)/libfwpack.a $(REL)/libfwpk_verify.a
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -O1 -g $(INC) $< $(REL)/libfwpack.a $(REL)/libfwpk_verify.a $(HOST_LIBS) -o $@

fuzz-seeds: $(FUZZ_DIR)/make_seeds
	@rm -rf $(FUZZ_DIR)/seeds
	@$(FUZZ_DIR)/make_seeds $(FUZZ_DIR)/seeds

# One line per target: executions, seconds, corpus size; on a crash the
# log's tail and the reproducer's path, and the make fails.
define fuzz_run
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/$$t; \
	    if ! $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(1) -max_len=20000 -timeout=10 \
	        -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/$$t/ \
	        $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/seeds/$$t \
	        > $(FUZZ_DIR)/$$t/log 2>&1; then \
	        echo "fuzz $$t: FAILED"; tail -40 $(FUZZ_DIR)/$$t/log; \
	        grep -h 'Test unit written to' $(FUZZ_DIR)/$$t/log; exit 1; \
	    fi; \
	    awk -v t=$$t '/^stat::number_of_executed_units:/ { n = $$2 } \
	        /^Done [0-9]+ runs in/ { s = $$5 } \
	        /^#[0-9]+.*corp: / { for (i = 1; i <= NF; i++) if ($$i == "corp:") c = $$(i + 1) } \
	        END { printf "fuzz %-9s %9d executions in %s s, corpus %s, no crash\n", t, n, s, c }' \
	        $(FUZZ_DIR)/$$t/log; \
	done
endef

.PHONY: fuzz fuzz-smoke fuzz-seeds
fuzz: $(FUZZ_BINS) fuzz-seeds
	$(call fuzz_run,$(FUZZ_SECONDS))

fuzz-smoke: $(FUZZ_BINS) fuzz-seeds
	$(call fuzz_run,$(FUZZ_SMOKE_SECONDS))
