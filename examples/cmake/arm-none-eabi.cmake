# arm-none-eabi.cmake - CMake toolchain file for bare-metal Cortex-M0+ with
# Debian's gcc-arm-none-eabi (libnewlib-arm-none-eabi for memcpy & co.).
#   cmake -DCMAKE_TOOLCHAIN_FILE=arm-none-eabi.cmake ...
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_OBJCOPY arm-none-eabi-objcopy CACHE FILEPATH "objcopy")
# try_compile cannot link without a startup file and linker script
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "-mcpu=cortex-m0plus -mthumb -ffunction-sections -fdata-sections")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections")
set(CMAKE_EXECUTABLE_SUFFIX_C .elf)
# Programs (fwpack) and packages (fwpack, fwpk_verify: host files, not the
# target's) are found on the host; libraries and headers only for the target.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
