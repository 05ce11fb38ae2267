# FwpackImage.cmake - packs an executable into a signed fwpack container
# after every build of it.
#
#   find_package(fwpack REQUIRED)    # installed: sets FWPACK_EXECUTABLE
#   # or: include(/path/to/fwpack/cmake/FwpackImage.cmake)
#
#   add_executable(app app.c)
#   fwpack_add_image(app
#       KEY release.pem               # repeat KEY for several signatures;
#                                     # or UNSIGNED (sign it later)
#       MCU stm32g030k8               # MCU profile: flash geometry, window
#       [VERSION 1.2.3]               # default: PROJECT_VERSION, if set
#       [NAME app]                    # the target's name in the container
#       [OUTPUT app.fwpk]             # default: <binary dir>/<target>.fwpk
#       [SECURITY_COUNTER 7] [LEVEL 0-9|max] [PRODUCT name]
#       [PASSPHRASE_FILE file]        # for encrypted keys
#       [OPTIONS --frame-size 1024 ...])  # anything else fwpack pack takes
#
# The input is the linked ELF itself ($<TARGET_FILE:app>: fwpack reads ELF
# by its magic, whatever the suffix); the container is rewritten each time
# the executable is linked.  Relative KEY, OUTPUT and PASSPHRASE_FILE paths
# are taken from the current source directory (OUTPUT: binary directory).
# The container's path is stored in the target's FWPACK_IMAGE property.
# SOURCE_DATE_EPOCH in the build's environment makes the container
# reproducible (fwpack pack --help).
#
# FWPACK_EXECUTABLE names the packer: set by find_package(fwpack), else
# looked up on PATH; set it (-DFWPACK_EXECUTABLE=...) to use another.
include_guard(GLOBAL)

if(NOT FWPACK_EXECUTABLE)
  find_program(FWPACK_EXECUTABLE fwpack DOC "the fwpack packer")
endif()

function(fwpack_add_image target)
  set(flags UNSIGNED)
  set(single VERSION MCU NAME OUTPUT SECURITY_COUNTER LEVEL PRODUCT
      PASSPHRASE_FILE)
  set(multi KEY OPTIONS)
  cmake_parse_arguments(PARSE_ARGV 1 FW "${flags}" "${single}" "${multi}")
  if(FW_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
      "fwpack_add_image(${target}): unknown arguments ${FW_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "fwpack_add_image: no target ${target}")
  endif()
  get_target_property(type ${target} TYPE)
  if(NOT type STREQUAL "EXECUTABLE")
    message(FATAL_ERROR
      "fwpack_add_image(${target}): ${target} is a ${type}, not an executable")
  endif()
  if(NOT FWPACK_EXECUTABLE)
    message(FATAL_ERROR "fwpack_add_image(${target}): fwpack not found: "
      "install it, use find_package(fwpack), or set FWPACK_EXECUTABLE")
  endif()
  if(FW_UNSIGNED AND FW_KEY)
    message(FATAL_ERROR "fwpack_add_image(${target}): KEY and UNSIGNED")
  endif()
  if(NOT FW_UNSIGNED AND NOT FW_KEY)
    message(FATAL_ERROR "fwpack_add_image(${target}): KEY file (or UNSIGNED)")
  endif()

  set(args pack)
  foreach(key IN LISTS FW_KEY)
    if(key MATCHES "^pkcs11:")
      list(APPEND args --pkcs11 "${key}")
    else()
      get_filename_component(key "${key}" ABSOLUTE
                             BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
      list(APPEND args -k "${key}")
    endif()
  endforeach()
  if(FW_UNSIGNED)
    list(APPEND args --unsigned)
  endif()
  if(FW_PASSPHRASE_FILE)
    get_filename_component(pf "${FW_PASSPHRASE_FILE}" ABSOLUTE
                           BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND args --passphrase-file "${pf}")
  endif()
  if(NOT DEFINED FW_VERSION AND PROJECT_VERSION)
    set(FW_VERSION "${PROJECT_VERSION}")
  endif()
  foreach(opt VERSION MCU SECURITY_COUNTER LEVEL PRODUCT)
    if(DEFINED FW_${opt})
      string(TOLOWER "--${opt}" o)
      string(REPLACE "_" "-" o "${o}")
      list(APPEND args "${o}" "${FW_${opt}}")
    endif()
  endforeach()
  if(DEFINED FW_NAME)
    list(APPEND args --target "${FW_NAME}")
  endif()
  list(APPEND args ${FW_OPTIONS})

  if(NOT FW_OUTPUT)
    set(FW_OUTPUT "${target}.fwpk")
  endif()
  get_filename_component(out "${FW_OUTPUT}" ABSOLUTE
                         BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND "${FWPACK_EXECUTABLE}" ${args} --force
            "$<TARGET_FILE:${target}>" -o "${out}"
    BYPRODUCTS "${out}"
    COMMENT "fwpack: packing ${target} into ${FW_OUTPUT}"
    VERBATIM)
  set_property(TARGET ${target} PROPERTY FWPACK_IMAGE "${out}")
endfunction()
