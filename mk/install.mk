# install.mk - make install / make uninstall (included by the top Makefile).
#
#   make install [PREFIX=/usr/local] [DESTDIR=/tmp/stage]
#
# installs, under $(DESTDIR)$(PREFIX):
#   bin/fwpack                            the packer (release build)
#   share/man/man1/fwpack.1               its man page, made by mk/man.sh
#                                         from the binary's --help texts
#   share/bash-completion/completions/fwpack
#   lib/libfwpack.a lib/libfwpk_verify.a  libfwpack (host) and the host
#                                         build of the verifier it uses
#   include/fwpack/                       fwpack.h fwpk_verify.h fwpk_notecard.h
#                                         fwpk_format.h
#   lib/pkgconfig/fwpack.pc               libfwpack
#   share/fwpk_verify/src/                the verifier's sources, to compile
#                                         for the device
#   lib/pkgconfig/fwpk_verify.pc          their include dir and srcdir
#   lib/cmake/fwpk_verify/                find_package(fwpk_verify):
#                                         fwpk::verify, built from the sources
#   lib/cmake/fwpack/                     find_package(fwpack): FwpackImage
#                                         (fwpack_add_image), fwpack::fwpack
#   share/fwpack/fwpack.mk                %.fwpk rules for plain Makefiles
#
# The .pc files name PREFIX; the CMake files find their siblings relative
# to themselves, so a DESTDIR tree can be used where it is.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CMAKEDIR ?= $(LIBDIR)/cmake
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
VERIFIER_SRCDIR := $(DATADIR)/fwpk_verify/src
INSTALL ?= install

FWPACK_VERSION := $(shell sed -n 's/^\#define FWPACK_VERSION "\(.*\)"/\1/p' tools/lib/fwpack.h)
FWPACK_VERSION_MAJOR := $(word 1,$(subst ., ,$(FWPACK_VERSION)))
FWPACK_VERSION_MINOR := $(word 2,$(subst ., ,$(FWPACK_VERSION)))
INSTALL_HEADERS := tools/lib/fwpack.h verifier/include/fwpk_verify.h \
                   verifier/include/fwpk_notecard.h format/fwpk_format.h
# the verifier's sources and private headers
INSTALL_VERIFIER := $(sort $(wildcard verifier/src/*.c verifier/src/*.h))
VERIFIER_SOURCE_NAMES := $(notdir $(sort $(wildcard verifier/src/*.c)))

# from $(1) to $(2), both absolute
relpath = $(shell realpath -m --relative-to='$(1)' '$(2)')

# substitutions for the .in templates
INSTALL_SED := -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
  -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERIFIER_SRCDIR@|$(VERIFIER_SRCDIR)|g' \
  -e 's|@VERIFIER_SOURCES@|$(VERIFIER_SOURCE_NAMES)|g' \
  -e 's|@HOST_DEFS@|$(HOST_DEFS)|g' \
  -e 's|@VERSION@|$(FWPACK_VERSION)|g' -e 's|@VERSION_MAJOR@|$(FWPACK_VERSION_MAJOR)|g' \
  -e 's|@VERSION_MINOR@|$(FWPACK_VERSION_MINOR)|g' \
  -e 's|@REL_BINDIR@|$(call relpath,$(CMAKEDIR)/fwpack,$(BINDIR))|g' \
  -e 's|@REL_SRCDIR@|$(call relpath,$(CMAKEDIR)/fwpk_verify,$(VERIFIER_SRCDIR))|g' \
  -e 's|@REL_INCDIR@|$(call relpath,$(CMAKEDIR)/fwpk_verify,$(INCLUDEDIR)/fwpack)|g'

# The man page: regenerated whenever the binary changes.
$(REL)/fwpack.1: $(REL)/fwpack mk/man.sh
	sh mk/man.sh $(REL)/fwpack >$@.tmp && mv $@.tmp $@

INSTALL_BUILT := $(REL)/fwpack $(REL)/fwpack.1 $(REL)/libfwpack.a $(REL)/libfwpk_verify.a

.PHONY: install uninstall
install: $(INSTALL_BUILT)
	@case '$(PREFIX)' in /*) ;; *) echo "make install: PREFIX must be absolute, not '$(PREFIX)'" >&2; exit 2;; esac
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/fwpack $(DESTDIR)$(PKGCONFIGDIR) \
	    $(DESTDIR)$(VERIFIER_SRCDIR) $(DESTDIR)$(CMAKEDIR)/fwpack \
	    $(DESTDIR)$(CMAKEDIR)/fwpk_verify $(DESTDIR)$(DATADIR)/fwpack
	$(INSTALL) -m 0755 $(REL)/fwpack $(DESTDIR)$(BINDIR)/fwpack
	$(INSTALL) -m 0644 $(REL)/fwpack.1 $(DESTDIR)$(MANDIR)/man1/fwpack.1
	$(INSTALL) -m 0644 tools/completion/fwpack.bash $(DESTDIR)$(BASHCOMPDIR)/fwpack
	$(INSTALL) -m 0644 $(REL)/libfwpack.a $(REL)/libfwpk_verify.a $(DESTDIR)$(LIBDIR)
	$(INSTALL) -m 0644 $(INSTALL_HEADERS) $(DESTDIR)$(INCLUDEDIR)/fwpack
	$(INSTALL) -m 0644 $(INSTALL_VERIFIER) $(DESTDIR)$(VERIFIER_SRCDIR)
	sed $(INSTALL_SED) mk/fwpack.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/fwpack.pc
	sed $(INSTALL_SED) mk/fwpk_verify.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/fwpk_verify.pc
	sed $(INSTALL_SED) cmake/fwpackConfig.cmake.in >$(DESTDIR)$(CMAKEDIR)/fwpack/fwpackConfig.cmake
	sed $(INSTALL_SED) -e 's|@PACKAGE@|fwpack|g' cmake/ConfigVersion.cmake.in \
	    >$(DESTDIR)$(CMAKEDIR)/fwpack/fwpackConfigVersion.cmake
	$(INSTALL) -m 0644 cmake/FwpackImage.cmake $(DESTDIR)$(CMAKEDIR)/fwpack
	sed $(INSTALL_SED) cmake/fwpk_verifyConfig.cmake.in \
	    >$(DESTDIR)$(CMAKEDIR)/fwpk_verify/fwpk_verifyConfig.cmake
	sed $(INSTALL_SED) -e 's|@PACKAGE@|fwpk_verify|g' cmake/ConfigVersion.cmake.in \
	    >$(DESTDIR)$(CMAKEDIR)/fwpk_verify/fwpk_verifyConfigVersion.cmake
	$(INSTALL) -m 0644 mk/fwpack.mk $(DESTDIR)$(DATADIR)/fwpack/fwpack.mk
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/*.pc $(DESTDIR)$(CMAKEDIR)/fwpack/*.cmake \
	    $(DESTDIR)$(CMAKEDIR)/fwpk_verify/*.cmake

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/fwpack $(DESTDIR)$(MANDIR)/man1/fwpack.1 \
	    $(DESTDIR)$(BASHCOMPDIR)/fwpack $(DESTDIR)$(LIBDIR)/libfwpack.a \
	    $(DESTDIR)$(LIBDIR)/libfwpk_verify.a $(DESTDIR)$(PKGCONFIGDIR)/fwpack.pc \
	    $(DESTDIR)$(PKGCONFIGDIR)/fwpk_verify.pc $(DESTDIR)$(DATADIR)/fwpack/fwpack.mk \
	    $(addprefix $(DESTDIR)$(INCLUDEDIR)/fwpack/,$(notdir $(INSTALL_HEADERS)))
	rm -rf $(DESTDIR)$(VERIFIER_SRCDIR) $(DESTDIR)$(CMAKEDIR)/fwpack \
	    $(DESTDIR)$(CMAKEDIR)/fwpk_verify
	rmdir $(DESTDIR)$(INCLUDEDIR)/fwpack $(DESTDIR)$(DATADIR)/fwpack \
	    $(DESTDIR)$(DATADIR)/fwpk_verify 2>/dev/null || true

# make check's install test (tests/test_install.c) runs make install: have
# everything it installs built before the tests start.
check: $(INSTALL_BUILT)
