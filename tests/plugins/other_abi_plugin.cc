// The smallest library gclab takes for a plugin: its three entry points and nothing
// else, reporting an ABI version that is not this gclab's (GCLAB_TEST_PLUGIN_ABI).
// No C++ library code, so no STB_GNU_UNIQUE symbol keeps it mapped after dlclose:
// gclab must refuse it without calling into it again.
#include <cstddef>

extern "C" const char* gclab_plugin_abi_version() { return GCLAB_TEST_PLUGIN_ABI; }
extern "C" std::size_t gclab_plugin_collector_count() { return 0; }
extern "C" void gclab_plugin_make_collector(std::size_t, void*) {}
