/* Not a Python extension module: a shared library the backend compiles so that the wheel holds
   a real native file of the building machine. */
int pyreqs_compiled_answer(void) { return 42; }
