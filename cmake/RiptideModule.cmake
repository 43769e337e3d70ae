# Warnings and sanitizers shared by every riptide target.
add_library(riptide_options INTERFACE)
target_compile_options(riptide_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
if(RIPTIDE_WERROR)
  target_compile_options(riptide_options INTERFACE -Werror)
endif()
if(RIPTIDE_SANITIZE)
  target_compile_options(riptide_options INTERFACE -fsanitize=${RIPTIDE_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(riptide_options INTERFACE -fsanitize=${RIPTIDE_SANITIZE})
endif()
if(RIPTIDE_BUILD_FUZZ)
  # Coverage instrumentation for the library code the fuzzers drive.
  target_compile_options(riptide_options INTERFACE -fsanitize=fuzzer-no-link)
endif()
set_property(GLOBAL APPEND PROPERTY RIPTIDE_INSTALL_TARGETS riptide_options)

# riptide_module(NAME DEPS ...): one library per folder src/NAME, public headers in include/riptide/NAME.
# Sources are globbed so a module grows by adding files; a module with no .cpp yet is header-only.
function(riptide_module name)
  cmake_parse_arguments(M "" "" "DEPS" ${ARGN})
  file(GLOB _srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cpp)
  set(_t riptide_${name})
  if(_srcs)
    add_library(${_t} STATIC ${_srcs})
    target_include_directories(${_t} PUBLIC
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
      PRIVATE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${_t} PUBLIC riptide_options ${M_DEPS})
  else()
    add_library(${_t} INTERFACE)
    target_include_directories(${_t} INTERFACE
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    target_link_libraries(${_t} INTERFACE riptide_options ${M_DEPS})
  endif()
  add_library(riptide::${name} ALIAS ${_t})
  set_property(GLOBAL APPEND PROPERTY RIPTIDE_INSTALL_TARGETS ${_t})
endfunction()
