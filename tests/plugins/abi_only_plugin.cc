// A library that says which gclab ABI it was built for but exports none of the other
// entry points (written by hand instead of linking gclab::plugin).
extern "C" const char* gclab_plugin_abi_version() { return "built by hand"; }
