# cmake -DOUTPUT=FILE -DLIST=FILE -DSOURCE_DIR=DIR -DEXTRA=TEXT -P HashCode.cmake
#
# Writes FILE, a header defining GCLAB_CODE_HASH: the first 16 hex digits of a SHA-256
# over EXTRA (compiler, flags, build type) and the path and contents of every file
# LIST names (one per line, relative to SOURCE_DIR: the code that decides what
# a run of a built-in collector does), with comments and blank lines taken out. The
# minimum-heap cache keys its rows by it, so an edit that changes none of that code (a
# README, a chart script, a comment) keeps the cache. The header is rewritten only when
# the hash changes, so nothing rebuilds otherwise.
file(STRINGS "${LIST}" files)
set(text "${EXTRA}\n")
foreach(f IN LISTS files)
  file(READ "${SOURCE_DIR}/${f}" contents)
  # A "//" inside a string literal cuts the rest of its line too: no string in this
  # code holds one, and a missed string edit would only keep a stale cache row.
  string(REGEX REPLACE "//[^\n]*" "" contents "${contents}")
  string(REGEX REPLACE "/\\*[^*]*\\*/" "" contents "${contents}")
  string(REGEX REPLACE "[ \t]+\n" "\n" contents "${contents}")
  string(REGEX REPLACE "\n\n+" "\n" contents "${contents}")
  string(APPEND text "${f}\n${contents}\n")
endforeach()
string(SHA256 hash "${text}")
string(SUBSTRING "${hash}" 0 16 hash)
set(header "#define GCLAB_CODE_HASH \"${hash}\"\n")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
  if(old STREQUAL header)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${header}")
