# Helpers that keep every collector and workload a one-call addition.
#
# Collectors and workloads register themselves from static initialisers. A static
# library would let the linker drop those objects, so each one is an OBJECT library
# whose objects are linked into every executable through gclab_builtin_collectors.

add_library(gclab_builtin_collectors INTERFACE)

# gclab_add_builtin(KIND NAME API SOURCES...): the OBJECT library gclab_<kind>_<name>
# built against API, linked into every executable and listed in GCLAB_<KIND>_NAMES.
function(gclab_add_builtin kind name api)
  string(TOLOWER ${kind} lower_kind)
  set(target gclab_${lower_kind}_${name})
  add_library(${target} OBJECT ${ARGN})
  target_link_libraries(${target} PUBLIC ${api})
  target_link_libraries(gclab_builtin_collectors INTERFACE ${target} $<TARGET_OBJECTS:${target}>)
  set_property(GLOBAL APPEND PROPERTY GCLAB_${kind}_NAMES ${name})
endfunction()

# gclab_add_collector(NAME SOURCES...): builds collectors/<NAME> into gclab.
function(gclab_add_collector name)
  gclab_add_builtin(COLLECTOR ${name} gclab_collectors_common ${ARGN})
endfunction()

# gclab_add_collector_test(NAME SOURCES...): a collector's own tests (beyond the
# conformance suite), built by tests/ into gclab_<NAME>_test with the ctest label
# collector-<NAME>.
function(gclab_add_collector_test name)
  set(sources)
  foreach(source ${ARGN})
    list(APPEND sources ${CMAKE_CURRENT_SOURCE_DIR}/${source})
  endforeach()
  set_property(GLOBAL APPEND PROPERTY GCLAB_COLLECTOR_TESTS ${name})
  set_property(GLOBAL PROPERTY GCLAB_COLLECTOR_TEST_SOURCES_${name} ${sources})
endfunction()

# gclab_add_workload(NAME SOURCES...): builds a workload into gclab.
function(gclab_add_workload name)
  gclab_add_builtin(WORKLOAD ${name} gclab_workload_api ${ARGN})
endfunction()
