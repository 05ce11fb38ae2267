# fwpack.mk - pack firmware with fwpack from a plain Makefile (installed as
# share/fwpack/fwpack.mk).
#
#   include /usr/local/share/fwpack/fwpack.mk
#   FWPACK_KEY   = release.pem
#   FWPACK_FLAGS = --mcu stm32g030k8 --version $(VERSION)
#   all: app.fwpk              # from app.hex, app.s37, app.elf, ... below
#
# Rules: %.fwpk from %.hex %.ihex %.srec %.s19 %.s28 %.s37 %.mot %.elf
# %.axf, or %.bin with FWPACK_LOAD_ADDR; the first whose input exists or
# can be made wins (GNU make's pattern rule search), in that order.  The
# container is rebuilt when its input or a key file changes.
#
#   FWPACK            the packer (default: fwpack, from PATH)
#   FWPACK_KEY        private key file(s) or pkcs11: URIs, one signature
#                     each; empty: an unsigned container (fwpack digest and
#                     attach-sig sign it later)
#   FWPACK_FLAGS      more fwpack pack options: --mcu, --version, --level...
#   FWPACK_LOAD_ADDR  the load address of %.bin inputs
#
# $(call fwpack_pack,IN,OUT) is the command, for rules of your own.
#
# The variables may be set before or after the include: the rules expand
# them when they run (.SECONDEXPANSION, which this file turns on, for the
# key files among the prerequisites).

FWPACK ?= fwpack
FWPACK_KEY ?=
FWPACK_FLAGS ?=
FWPACK_LOAD_ADDR ?=

fwpack_key_args = $(if $(strip $(FWPACK_KEY)),$(foreach k,$(FWPACK_KEY),$(if $(filter pkcs11:%,$(k)),--pkcs11 '$(k)',-k $(k))),--unsigned)
# key files (not pkcs11: URIs) are prerequisites: a changed key repacks, a
# missing one is made by a rule of yours (or make says it has none)
fwpack_key_files = $(filter-out pkcs11:%,$(FWPACK_KEY))
fwpack_pack = $(FWPACK) pack $(fwpack_key_args) $(FWPACK_FLAGS) --force $(1) -o $(2)

.SECONDEXPANSION:
%.fwpk: %.hex $$(fwpack_key_files)
	$(call fwpack_pack,$<,$@)
%.fwpk: %.ihex $$(fwpack_key_files)
	$(call fwpack_pack,$<,$@)
%.fwpk: %.srec $$(fwpack_key_files)
	$(call fwpack_pack,$<,$@)
%.fwpk: %.s19 $$(fwpack_key_files)
	$(call fwpack_pack,$<,$@)
%.fwpk: %.s28 $$(fwpack_key_files)
	$(call fwpack_pack,$<,$@)
%.fwpk: %.s37 $$(fwpack_key_files)
	$(call fwpack_pack,$<,$@)
%.fwpk: %.mot $$(fwpack_key_files)
	$(call fwpack_pack,$<,$@)
%.fwpk: %.elf $$(fwpack_key_files)
	$(call fwpack_pack,$<,$@)
%.fwpk: %.axf $$(fwpack_key_files)
	$(call fwpack_pack,$<,$@)
%.fwpk: %.bin $$(fwpack_key_files)
	$(if $(strip $(FWPACK_LOAD_ADDR)),,$(error fwpack.mk: $< is a raw binary: set FWPACK_LOAD_ADDR to its load address))
	$(call fwpack_pack,--load-addr $(FWPACK_LOAD_ADDR) $<,$@)
