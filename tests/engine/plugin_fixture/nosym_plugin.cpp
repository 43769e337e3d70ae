// A shared object without riptide_plugin_create.
extern "C" int riptide_fixture_something_else() { return 42; }
