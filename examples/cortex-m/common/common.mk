# common.mk - toolchain settings for bare-metal Cortex-M3 programs run in
# QEMU (mps2-an385).  Include it from any Makefile, from any directory:
#
#   include examples/cortex-m/common/common.mk
#   $(OUT)/prog.elf: prog.c $(CM_COMMON_SRC) my.ld
#   	$(CM_CC) $(CM_CFLAGS) $(CM_LDFLAGS) -T my.ld prog.c $(CM_COMMON_SRC) -o $@
#
# my.ld defines MEMORY { FLASH ..., RAM ... } and then says
# INCLUDE sections.ld (found through the -L that CM_LDFLAGS adds).  Run with
#
#   qemu-system-arm -M mps2-an385 -nographic -semihosting -icount shift=0 \
#       -kernel prog.elf [-append "ARGS"]
#
# and count instructions with common/timer.h (1 timer0 tick = 40).

CM_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
CM_CC ?= arm-none-eabi-gcc
CM_SIZE ?= arm-none-eabi-size
CM_OBJCOPY ?= arm-none-eabi-objcopy
CM_QEMU ?= qemu-system-arm
CM_ARCH := -mcpu=cortex-m3 -mthumb
CM_CFLAGS := $(CM_ARCH) -Os -g -std=c99 -Wall -Wextra -Werror \
             -ffunction-sections -fdata-sections -I$(CM_DIR)
# rdimon: newlib's semihosting syscalls; -nostartfiles: startup.c is the
# entry point instead of rdimon-crt0.
CM_LDFLAGS := $(CM_ARCH) --specs=rdimon.specs -nostartfiles \
              -Wl,--gc-sections -L$(CM_DIR)
CM_COMMON_SRC := $(CM_DIR)/startup.c $(CM_DIR)/semihost.c $(CM_DIR)/timer.c
CM_QEMU_FLAGS := -M mps2-an385 -nographic -semihosting -icount shift=0
