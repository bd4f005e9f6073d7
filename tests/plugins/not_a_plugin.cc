// A shared library without gclab's entry points.
extern "C" int not_a_gclab_plugin() { return 0; }
