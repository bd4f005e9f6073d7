# Helpers that keep every collector and workload a one-call addition.
#
# Collectors and workloads register themselves from static initialisers. A static
# library would let the linker drop those objects, so each one is an OBJECT library
# whose objects are linked into every executable through gclab_builtin_collectors.

add_library(gclab_builtin_collectors INTERFACE)

# gclab_add_collector(NAME SOURCES...): builds collectors/<NAME> into gclab.
function(gclab_add_collector name)
  set(target gclab_collector_${name})
  add_library(${target} OBJECT ${ARGN})
  target_link_libraries(${target} PUBLIC gclab_collectors_common)
  target_link_libraries(gclab_builtin_collectors INTERFACE ${target} $<TARGET_OBJECTS:${target}>)
  set_property(GLOBAL APPEND PROPERTY GCLAB_COLLECTOR_NAMES ${name})
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
  set(target gclab_workload_${name})
  add_library(${target} OBJECT ${ARGN})
  target_link_libraries(${target} PUBLIC gclab_workload_api)
  target_link_libraries(gclab_builtin_collectors INTERFACE ${target} $<TARGET_OBJECTS:${target}>)
  set_property(GLOBAL APPEND PROPERTY GCLAB_WORKLOAD_NAMES ${name})
endfunction()
