/* _speed: the smallest useful CPython extension, for serverless-pyreqs tests. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *speed_add(PyObject *self, PyObject *args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) {
        return NULL;
    }
    return PyLong_FromLong(a + b);
}

static PyMethodDef speed_methods[] = {
    {"add", speed_add, METH_VARARGS, "Add two integers."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef speed_module = {
    PyModuleDef_HEAD_INIT, "_speed", "serverless-pyreqs test extension", -1, speed_methods,
};

PyMODINIT_FUNC PyInit__speed(void) { return PyModule_Create(&speed_module); }
