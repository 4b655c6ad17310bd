/* tickwire: compiled as a C extension. Edits take effect after `pip install -e .` (see setup.py). */
/* Points: a growable column pair of (int64 time, float64 value), for the equity curve.
 *
 * The portfolio adds one point per bar. Python's array.append parses every item with
 * PyArg_Parse and staging in lists then converting cost ~750 instructions a point; this
 * type stores a point with two C conversions. tickwire/portfolio/_points_py.py is the
 * same type in Python, used when the package is built without compiling.
 *
 * times_view() and values_view() lend a column without copying it (statistics of a
 * curve of millions of points would otherwise copy 8 bytes a point per column): a
 * read-only memoryview over a small exporter that keeps the points alive. While any such
 * view is held the points cannot grow (BufferError, as array and bytearray refuse to
 * resize while exported), since growing moves the columns.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define FIRST_CAPACITY 1024

typedef struct {
    PyObject_HEAD
    int64_t *times;
    double *values;
    Py_ssize_t length;
    Py_ssize_t capacity;
    Py_ssize_t exports; /* views of a column still held: the columns must not move */
} Points;

static int
read_time(PyObject *obj, int64_t *out)
{
    int overflow = 0;
    long long value = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (overflow) {
        PyErr_Format(PyExc_OverflowError, "time %R does not fit in 64 bits", obj);
        return -1;
    }
    if (value == -1 && PyErr_Occurred()) {
        return -1;
    }
    *out = (int64_t)value;
    return 0;
}

static int
read_value(PyObject *obj, double *out)
{
    double value = PyFloat_AsDouble(obj);
    if (value == -1.0 && PyErr_Occurred()) {
        return -1;
    }
    *out = value;
    return 0;
}

static int
grow(Points *self)
{
    if (self->exports > 0) {
        PyErr_SetString(PyExc_BufferError,
                        "the points cannot grow while a view of them is held");
        return -1;
    }
    Py_ssize_t capacity = self->capacity ? self->capacity * 2 : FIRST_CAPACITY;
    int64_t *times = PyMem_Realloc(self->times, (size_t)capacity * sizeof(int64_t));
    if (times == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->times = times;
    double *values = PyMem_Realloc(self->values, (size_t)capacity * sizeof(double));
    if (values == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->values = values;
    self->capacity = capacity;
    return 0;
}

static void
Points_dealloc(Points *self)
{
    PyMem_Free(self->times);
    PyMem_Free(self->values);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Points_append(Points *self, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t time;
    double value;
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "append() takes 2 arguments (%zd given)", nargs);
        return NULL;
    }
    if (read_time(args[0], &time) < 0 || read_value(args[1], &value) < 0) {
        return NULL;
    }
    Py_ssize_t n = self->length;
    if (n > 0 && time <= self->times[n - 1]) {
        PyErr_Format(PyExc_ValueError,
                     "point time %lld is not later than the last one (%lld)",
                     (long long)time, (long long)self->times[n - 1]);
        return NULL;
    }
    if (n == self->capacity && grow(self) < 0) {
        return NULL;
    }
    self->times[n] = time;
    self->values[n] = value;
    self->length = n + 1;
    Py_RETURN_NONE;
}

static PyObject *
Points_set_last(Points *self, PyObject *arg)
{
    double value;
    if (self->length == 0) {
        PyErr_SetString(PyExc_IndexError, "set_last on an empty Points");
        return NULL;
    }
    if (read_value(arg, &value) < 0) {
        return NULL;
    }
    self->values[self->length - 1] = value;
    Py_RETURN_NONE;
}

static PyObject *
Points_count_before(Points *self, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t time;
    Py_ssize_t low = 0;
    if (nargs < 1 || nargs > 2) {
        PyErr_Format(PyExc_TypeError, "count_before() takes 1 or 2 arguments (%zd given)",
                     nargs);
        return NULL;
    }
    if (read_time(args[0], &time) < 0) {
        return NULL;
    }
    if (nargs == 2) {
        low = PyLong_AsSsize_t(args[1]);
        if (low == -1 && PyErr_Occurred()) {
            return NULL;
        }
        if (low < 0 || low > self->length) {
            PyErr_Format(PyExc_IndexError, "count_before: start %zd outside 0..%zd",
                         low, self->length);
            return NULL;
        }
    }
    Py_ssize_t high = self->length;
    /* Usually asked about the newest time: answer without a search. */
    if (high == 0 || self->times[high - 1] < time) {
        return PyLong_FromSsize_t(high);
    }
    while (low < high) {
        Py_ssize_t middle = low + (high - low) / 2;
        if (self->times[middle] < time) {
            low = middle + 1;
        }
        else {
            high = middle;
        }
    }
    return PyLong_FromSsize_t(low);
}

/* array.array, looked up once when the module loads. */
static PyObject *array_type = NULL;

/* A new array.array of the given type code holding a copy of nbytes at data: made
 * through a memoryview over the column, so the copy is made once, with no bytes object
 * in between. The view exists only during the call to the exact array type's frombytes,
 * which copies and does not keep it. */
static PyObject *
column_array(const char *typecode, const void *data, Py_ssize_t nbytes)
{
    PyObject *result = PyObject_CallFunction(array_type, "s", typecode);
    if (result == NULL || nbytes == 0) {
        return result;
    }
    PyObject *view = PyMemoryView_FromMemory((char *)data, nbytes, PyBUF_READ);
    if (view == NULL) {
        Py_DECREF(result);
        return NULL;
    }
    PyObject *done = PyObject_CallMethod(result, "frombytes", "O", view);
    Py_DECREF(view);
    if (done == NULL) {
        Py_DECREF(result);
        return NULL;
    }
    Py_DECREF(done);
    return result;
}

static PyObject *
Points_times(Points *self, PyObject *Py_UNUSED(ignored))
{
    return column_array("q", self->times, self->length * (Py_ssize_t)sizeof(int64_t));
}

static PyObject *
Points_values(Points *self, PyObject *Py_UNUSED(ignored))
{
    return column_array("d", self->values, self->length * (Py_ssize_t)sizeof(double));
}

/* The exporter behind a column view: one column of the points, as long as they were
 * when the view was made. */
typedef struct {
    PyObject_HEAD
    Points *points;
    int values; /* 1: the values column, 0: the times */
    Py_ssize_t shape;
} Column;

/* Where an empty column's view points (a buffer's pointer must not be NULL). */
static char empty_column[sizeof(double)];

static int
Column_getbuffer(Column *self, Py_buffer *view, int flags)
{
    if (flags & PyBUF_WRITABLE) {
        PyErr_SetString(PyExc_BufferError, "a view of points is read-only");
        view->obj = NULL;
        return -1;
    }
    Points *points = self->points;
    void *data = self->values ? (void *)points->values : (void *)points->times;
    view->buf = self->shape ? data : (void *)empty_column;
    view->obj = (PyObject *)self;
    Py_INCREF(self);
    view->len = self->shape * (Py_ssize_t)sizeof(double);
    view->readonly = 1;
    view->itemsize = sizeof(double); /* int64 and double alike */
    view->format = (flags & PyBUF_FORMAT) ? (self->values ? "d" : "q") : NULL;
    view->ndim = 1;
    view->shape = (flags & PyBUF_ND) ? &self->shape : NULL;
    view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? &view->itemsize : NULL;
    view->suboffsets = NULL;
    view->internal = NULL;
    points->exports++;
    return 0;
}

static void
Column_releasebuffer(Column *self, Py_buffer *Py_UNUSED(view))
{
    self->points->exports--;
}

static void
Column_dealloc(Column *self)
{
    Py_DECREF(self->points);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyBufferProcs Column_as_buffer = {
    .bf_getbuffer = (getbufferproc)Column_getbuffer,
    .bf_releasebuffer = (releasebufferproc)Column_releasebuffer,
};

static PyTypeObject ColumnType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tickwire.portfolio._points.Column",
    .tp_doc = PyDoc_STR("One column of Points, lent to a memoryview without copying."),
    .tp_basicsize = sizeof(Column),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)Column_dealloc,
    .tp_as_buffer = &Column_as_buffer,
};

/* A read-only memoryview of one column as it is now, without a copy. */
static PyObject *
column_view(Points *self, int values)
{
    Column *column = PyObject_New(Column, &ColumnType);
    if (column == NULL) {
        return NULL;
    }
    Py_INCREF(self);
    column->points = self;
    column->values = values;
    column->shape = self->length;
    PyObject *view = PyMemoryView_FromObject((PyObject *)column);
    Py_DECREF(column); /* the view's buffer holds it */
    return view;
}

static PyObject *
Points_times_view(Points *self, PyObject *Py_UNUSED(ignored))
{
    return column_view(self, 0);
}

static PyObject *
Points_values_view(Points *self, PyObject *Py_UNUSED(ignored))
{
    return column_view(self, 1);
}

static Py_ssize_t
Points_length(Points *self)
{
    return self->length;
}

static PyMethodDef Points_methods[] = {
    {"append", (PyCFunction)(void (*)(void))Points_append, METH_FASTCALL,
     "append(time, value): add a point later than every earlier one."},
    {"set_last", (PyCFunction)Points_set_last, METH_O,
     "set_last(value): replace the value of the newest point."},
    {"count_before", (PyCFunction)(void (*)(void))Points_count_before, METH_FASTCALL,
     "count_before(time, start=0): how many points are earlier than time; the\n"
     "search starts at index start, which must not be past the answer."},
    {"times", (PyCFunction)Points_times, METH_NOARGS,
     "The times, a copy as an array('q')."},
    {"values", (PyCFunction)Points_values, METH_NOARGS,
     "The values, a copy as an array('d')."},
    {"times_view", (PyCFunction)Points_times_view, METH_NOARGS,
     "The times without a copy: a read-only memoryview ('q'); the points cannot\n"
     "grow while it is held."},
    {"values_view", (PyCFunction)Points_values_view, METH_NOARGS,
     "The values without a copy: a read-only memoryview ('d'); the points cannot\n"
     "grow while it is held."},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods Points_as_sequence = {
    .sq_length = (lenfunc)Points_length,
};

static PyTypeObject PointsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tickwire.portfolio._points.Points",
    .tp_doc = PyDoc_STR("Growable (int64 time, float64 value) points, times increasing."),
    .tp_basicsize = sizeof(Points),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)Points_dealloc,
    .tp_methods = Points_methods,
    .tp_as_sequence = &Points_as_sequence,
};

static struct PyModuleDef points_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "tickwire.portfolio._points",
    .m_doc = "The equity curve's point storage, in C.",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__points(void)
{
    if (PyType_Ready(&PointsType) < 0 || PyType_Ready(&ColumnType) < 0) {
        return NULL;
    }
    if (array_type == NULL) {
        PyObject *array_module = PyImport_ImportModule("array");
        if (array_module == NULL) {
            return NULL;
        }
        array_type = PyObject_GetAttrString(array_module, "array");
        Py_DECREF(array_module);
        if (array_type == NULL) {
            return NULL;
        }
    }
    PyObject *module = PyModule_Create(&points_module);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&PointsType);
    if (PyModule_AddObject(module, "Points", (PyObject *)&PointsType) < 0) {
        Py_DECREF(&PointsType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
