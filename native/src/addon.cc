// N-API bindings. Every kernel takes its inputs and a preallocated output as Float32Arrays and
// writes in place, so tensors stay in the JS heap where the cpu backend keeps them: no copies.
// Sizes are checked here, so a wrong call from JS throws instead of corrupting memory.
#include <node_api.h>

#include <cstdint>
#include <string>
#include <utility>

#include "conv.h"
#include "elementwise.h"
#include "gemm.h"
#include "pool.h"
#include "recurrent.h"
#include "resize.h"

namespace {

struct ArgError {
  std::string msg;
};

napi_value throw_error(napi_env env, const std::string& msg) {
  napi_throw_error(env, "TFGYM_NATIVE", msg.c_str());
  return nullptr;
}

struct F32 {
  float* p = nullptr;
  size_t n = 0;
};

bool is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  return t == napi_null || t == napi_undefined;
}

// The data and length of a typed array of `type`, else an ArgError naming `expected`.
std::pair<void*, size_t> get_typed(napi_env env, napi_value v, napi_typedarray_type type, const char* what,
                                   const char* expected) {
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  napi_typedarray_type actual;
  size_t len = 0;
  void* data = nullptr;
  if (is_ta) napi_get_typedarray_info(env, v, &actual, &len, &data, nullptr, nullptr);
  if (!is_ta || actual != type) throw ArgError{std::string(what) + " must be a " + expected};
  return {data, len};
}

F32 get_f32(napi_env env, napi_value v, const char* what) {
  auto [data, len] = get_typed(env, v, napi_float32_array, what, "Float32Array");
  return F32{static_cast<float*>(data), len};
}

// A Uint8Array (bool tensors' storage).
struct U8 {
  unsigned char* p = nullptr;
  size_t n = 0;
};

U8 get_u8(napi_env env, napi_value v, const char* what) {
  auto [data, len] = get_typed(env, v, napi_uint8_array, what, "Uint8Array");
  return U8{static_cast<unsigned char*>(data), len};
}

int32_t get_i32(napi_env env, napi_value v, const char* what) {
  int32_t out = 0;
  if (napi_get_value_int32(env, v, &out) != napi_ok) throw ArgError{std::string(what) + " must be a number"};
  return out;
}

double get_f64(napi_env env, napi_value v, const char* what) {
  double out = 0;
  if (napi_get_value_double(env, v, &out) != napi_ok) throw ArgError{std::string(what) + " must be a number"};
  return out;
}

bool get_bool(napi_env env, napi_value v) {
  bool out = false;
  napi_get_value_bool(env, v, &out);
  return out;
}

// geom: [batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft, dilH, dilW]
// An Int32Array of exactly n geometry values.
const int32_t* get_geom_values(napi_env env, napi_value v, size_t n) {
  auto [data, len] = get_typed(env, v, napi_int32_array, "geometry", ("Int32Array of " + std::to_string(n)).c_str());
  if (len != n) throw ArgError{"geometry must be an Int32Array of " + std::to_string(n)};
  return static_cast<const int32_t*>(data);
}

tfg::ConvGeom get_geom(napi_env env, napi_value v) {
  const int32_t* q = get_geom_values(env, v, 15);
  tfg::ConvGeom g{q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8], q[9], q[10], q[11], q[12], q[13], q[14]};
  for (int i = 0; i < 15; i++)
    if (q[i] < 0 || (i >= 7 && i != 11 && i != 12 && q[i] == 0)) throw ArgError{"bad conv geometry"};
  return g;
}

void need(const F32& a, long long n, const char* what) {
  if (static_cast<long long>(a.n) < n) throw ArgError{std::string(what) + " is too short for the given shape"};
}

template <size_t N>
bool get_args(napi_env env, napi_callback_info info, napi_value (&argv)[N], size_t min) {
  size_t argc = N;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  for (size_t i = argc; i < N; i++) napi_get_undefined(env, &argv[i]);
  return argc >= min;
}

napi_value make_int(napi_env env, int v) {
  napi_value out;
  napi_create_int32(env, v, &out);
  return out;
}

// The most arguments a binding takes (rnnBackward's 19).
constexpr size_t kMaxArgs = 20;

// A kernel call's arguments, read on demand; every check throws ArgError with its message.
struct Args {
  napi_env env;
  napi_value v[kMaxArgs];
  F32 f32(int i, const char* what) const { return get_f32(env, v[i], what); }
  U8 u8(int i, const char* what) const { return get_u8(env, v[i], what); }
  // null/undefined gives an empty view (p == nullptr).
  F32 f32_or_null(int i, const char* what) const { return is_nullish(env, v[i]) ? F32{} : get_f32(env, v[i], what); }
  int i32(int i, const char* what) const { return get_i32(env, v[i], what); }
  int i32_or(int i, int fallback, const char* what) const { return is_nullish(env, v[i]) ? fallback : get_i32(env, v[i], what); }
  double f64(int i, const char* what) const { return get_f64(env, v[i], what); }
  float f32_scalar_or(int i, float fallback, const char* what) const {
    return is_nullish(env, v[i]) ? fallback : static_cast<float>(get_f64(env, v[i], what));
  }
  bool flag(int i) const { return get_bool(env, v[i]); }
  tfg::ConvGeom geom(int i) const { return get_geom(env, v[i]); }
};

// Runs one binding: unpacks up to kMaxArgs arguments (missing ones are undefined), requires `min`,
// and turns an ArgError into a JS exception "name: message". Kernels return nothing to JS.
template <typename Body>
napi_value call(napi_env env, napi_callback_info info, const char* name, size_t min, Body&& body) {
  Args a{env, {}};
  size_t argc = kMaxArgs;
  napi_get_cb_info(env, info, &argc, a.v, nullptr, nullptr);
  for (size_t i = argc; i < kMaxArgs; i++) napi_get_undefined(env, &a.v[i]);
  try {
    if (argc < min) throw ArgError{"too few arguments"};
    body(a);
  } catch (const ArgError& e) {
    return throw_error(env, std::string(name) + ": " + e.msg);
  }
  return nullptr;
}

// matmul(a, b, c, batch, m, n, k, transA, transB, strideA, strideB, bias|null, act, alpha)
// C[bi] (m x n) = op(A[bi]) op(B[bi]); strideA/strideB 0 broadcast one matrix over the batch.
napi_value MatMul(napi_env env, napi_callback_info info) {
  return call(env, info, "matmul", 11, [](const Args& a) {
    F32 A = a.f32(0, "a"), B = a.f32(1, "b"), C = a.f32(2, "c");
    const int batch = a.i32(3, "batch"), m = a.i32(4, "m"), n = a.i32(5, "n"), k = a.i32(6, "k");
    const bool ta = a.flag(7), tb = a.flag(8);
    const long long sa = a.f64(9, "strideA"), sb = a.f64(10, "strideB");
    F32 bias = a.f32_or_null(11, "bias");
    const int act = a.i32_or(12, 0, "activation");
    const float alpha = a.f32_scalar_or(13, 0.f, "alpha");
    if (batch < 0 || m < 0 || n < 0 || k < 0 || sa < 0 || sb < 0) throw ArgError{"negative size"};
    need(A, batch > 0 ? sa * (batch - 1) + 1LL * m * k : 0, "a");
    need(B, batch > 0 ? sb * (batch - 1) + 1LL * k * n : 0, "b");
    need(C, 1LL * batch * m * n, "c");
    if (bias.p && bias.n != 1 && bias.n != static_cast<size_t>(n)) throw ArgError{"bias must have 1 or n entries"};
    for (int bi = 0; bi < batch; bi++) {
      const float* ap = A.p + sa * bi;
      const float* bp = B.p + sb * bi;
      tfg::MatView av = ta ? tfg::MatView{ap, 1, m} : tfg::MatView{ap, k, 1};
      tfg::MatView bv = tb ? tfg::MatView{bp, 1, k} : tfg::MatView{bp, n, 1};
      float* cp = C.p + 1LL * bi * m * n;
      tfg::gemm(m, n, k, av, bv, cp, n, false);
      tfg::epilogue(cp, m, n, bias.p, static_cast<int>(bias.n), act, alpha);
    }
  });
}

long long in_size(const tfg::ConvGeom& g) { return 1LL * g.batch * g.in_h * g.in_w * g.in_c; }
long long out_size(const tfg::ConvGeom& g) { return 1LL * g.batch * g.out_h * g.out_w * g.out_c; }
long long filter_size(const tfg::ConvGeom& g) { return 1LL * g.k_h * g.k_w * g.in_c * g.out_c; }

// conv2d(x, w, y, geom, bias|null, act, alpha)
napi_value Conv2D(napi_env env, napi_callback_info info) {
  return call(env, info, "conv2d", 4, [](const Args& a) {
    F32 x = a.f32(0, "x"), w = a.f32(1, "filter"), y = a.f32(2, "y");
    const tfg::ConvGeom g = a.geom(3);
    F32 bias = a.f32_or_null(4, "bias");
    const int act = a.i32_or(5, 0, "activation");
    const float alpha = a.f32_scalar_or(6, 0.f, "alpha");
    need(x, in_size(g), "x");
    need(w, filter_size(g), "filter");
    need(y, out_size(g), "y");
    if (bias.p && bias.n != 1 && bias.n != static_cast<size_t>(g.out_c)) throw ArgError{"bad bias length"};
    tfg::conv2d(g, x.p, w.p, y.p, bias.p, static_cast<int>(bias.n), act, alpha);
  });
}

// conv2dBackpropInput(dy, w, dx, geom)
napi_value Conv2DBackpropInput(napi_env env, napi_callback_info info) {
  return call(env, info, "conv2dBackpropInput", 4, [](const Args& a) {
    F32 dy = a.f32(0, "dy"), w = a.f32(1, "filter"), dx = a.f32(2, "dx");
    const tfg::ConvGeom g = a.geom(3);
    need(dy, out_size(g), "dy");
    need(w, filter_size(g), "filter");
    need(dx, in_size(g), "dx");
    tfg::conv2d_backprop_input(g, dy.p, w.p, dx.p);
  });
}

// conv2dBackpropFilter(x, dy, dw, geom)
napi_value Conv2DBackpropFilter(napi_env env, napi_callback_info info) {
  return call(env, info, "conv2dBackpropFilter", 4, [](const Args& a) {
    F32 x = a.f32(0, "x"), dy = a.f32(1, "dy"), dw = a.f32(2, "dw");
    const tfg::ConvGeom g = a.geom(3);
    need(x, in_size(g), "x");
    need(dy, out_size(g), "dy");
    need(dw, filter_size(g), "dw");
    tfg::conv2d_backprop_filter(g, x.p, dy.p, dw.p);
  });
}

// A pooling geometry: a conv geometry whose output channels are its input channels.
tfg::ConvGeom pool_geom(const Args& a, int i) {
  const tfg::ConvGeom g = a.geom(i);
  if (g.out_c != g.in_c) throw ArgError{"out channels must equal in channels"};
  return g;
}

// A pooling forward binding: (x, y, geom).
napi_value pool_forward(napi_env env, napi_callback_info info, const char* name,
                        void (*pool)(const tfg::ConvGeom&, const float*, float*)) {
  return call(env, info, name, 3, [pool](const Args& a) {
    F32 x = a.f32(0, "x"), y = a.f32(1, "y");
    const tfg::ConvGeom g = pool_geom(a, 2);
    need(x, in_size(g), "x");
    need(y, out_size(g), "y");
    pool(g, x.p, y.p);
  });
}

// maxPool(x, y, geom) and avgPool(x, y, geom)
napi_value MaxPool(napi_env env, napi_callback_info info) { return pool_forward(env, info, "maxPool", tfg::max_pool); }
napi_value AvgPool(napi_env env, napi_callback_info info) { return pool_forward(env, info, "avgPool", tfg::avg_pool); }

// maxPoolGrad(dy, x, dx, geom)
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  return call(env, info, "maxPoolGrad", 4, [](const Args& a) {
    F32 dy = a.f32(0, "dy"), x = a.f32(1, "x"), dx = a.f32(2, "dx");
    const tfg::ConvGeom g = pool_geom(a, 3);
    need(dy, out_size(g), "dy");
    need(x, in_size(g), "x");
    need(dx, in_size(g), "dx");
    tfg::max_pool_grad(g, dy.p, x.p, dx.p);
  });
}

// avgPoolGrad(dy, dx, geom)
napi_value AvgPoolGrad(napi_env env, napi_callback_info info) {
  return call(env, info, "avgPoolGrad", 3, [](const Args& a) {
    F32 dy = a.f32(0, "dy"), dx = a.f32(1, "dx");
    const tfg::ConvGeom g = pool_geom(a, 2);
    need(dy, out_size(g), "dy");
    need(dx, in_size(g), "dx");
    tfg::avg_pool_grad(g, dy.p, dx.p);
  });
}

// geom: [batch, inH, inW, channels, outH, outW, alignCorners, halfPixelCenters]
tfg::ResizeGeom get_resize_geom(napi_env env, napi_value v) {
  const int32_t* q = get_geom_values(env, v, 8);
  for (int i = 0; i < 6; i++)
    if (q[i] < 0 || (i != 0 && i != 3 && q[i] == 0)) throw ArgError{"bad resize geometry"};
  return tfg::ResizeGeom{q[0], q[1], q[2], q[3], q[4], q[5], q[6] != 0, q[7] != 0};
}

// resizeNearest(x, y, geom)
napi_value ResizeNearest(napi_env env, napi_callback_info info) {
  return call(env, info, "resizeNearest", 3, [](const Args& a) {
    F32 x = a.f32(0, "x"), y = a.f32(1, "y");
    const tfg::ResizeGeom g = get_resize_geom(a.env, a.v[2]);
    need(x, 1LL * g.batch * g.in_h * g.in_w * g.channels, "x");
    need(y, 1LL * g.batch * g.out_h * g.out_w * g.channels, "y");
    tfg::resize_nearest(g, x.p, y.p);
  });
}

// resizeNearestGrad(dy, dx, geom)
napi_value ResizeNearestGrad(napi_env env, napi_callback_info info) {
  return call(env, info, "resizeNearestGrad", 3, [](const Args& a) {
    F32 dy = a.f32(0, "dy"), dx = a.f32(1, "dx");
    const tfg::ResizeGeom g = get_resize_geom(a.env, a.v[2]);
    need(dy, 1LL * g.batch * g.out_h * g.out_w * g.channels, "dy");
    need(dx, 1LL * g.batch * g.in_h * g.in_w * g.channels, "dx");
    tfg::resize_nearest_grad(g, dy.p, dx.p);
  });
}

// An operand's broadcast (period, repeat of each element, length of the runs kept whole), checked
// against the output size n: whole repetitions only.
tfg::Broadcast broadcast_of(const F32& v, double period, int mid, int inner, size_t n, const char* what) {
  if (period < 1 || mid < 1 || inner < 1 || v.n < period) throw ArgError{std::string("bad period of ") + what};
  tfg::Broadcast b{static_cast<size_t>(period), static_cast<size_t>(inner), static_cast<size_t>(mid)};
  const size_t whole = b.period * b.mid;
  if (b.period % b.inner != 0 || (whole != 1 && n % whole != 0)) throw ArgError{"period does not divide the output"};
  return b;
}

// binary(op, a, periodA, b, periodB, out, midA = 1, midB = 1, innerA = 1, innerB = 1):
//   out[i] = a[idx_a(i)] op b[idx_b(i)], idx(i) = ((i / (inner * mid)) * inner + i % inner) % period
napi_value Binary(napi_env env, napi_callback_info info) {
  return call(env, info, "binary", 6, [](const Args& a) {
    const int op = a.i32(0, "op");
    F32 x = a.f32(1, "a"), y = a.f32(3, "b"), o = a.f32(5, "out");
    if (op < 0 || op > tfg::kSquaredDiff) throw ArgError{"unknown op"};
    const tfg::Broadcast ba =
        broadcast_of(x, a.f64(2, "periodA"), a.i32_or(6, 1, "midA"), a.i32_or(8, 1, "innerA"), o.n, "a");
    const tfg::Broadcast bb =
        broadcast_of(y, a.f64(4, "periodB"), a.i32_or(7, 1, "midB"), a.i32_or(9, 1, "innerB"), o.n, "b");
    tfg::binary(op, x.p, ba, y.p, bb, o.p, o.n);
  });
}

// softmax(x, out, rows, cols): softmax over each row
napi_value Softmax(napi_env env, napi_callback_info info) {
  return call(env, info, "softmax", 4, [](const Args& a) {
    F32 x = a.f32(0, "x"), o = a.f32(1, "out");
    const int rows = a.i32(2, "rows"), cols = a.i32(3, "cols");
    if (rows < 0 || cols < 0) throw ArgError{"negative size"};
    need(x, static_cast<long long>(rows) * cols, "x");
    need(o, static_cast<long long>(rows) * cols, "out");
    tfg::softmax_rows(x.p, o.p, rows, cols);
  });
}

// unary(op, x, out, alpha)
napi_value Unary(napi_env env, napi_callback_info info) {
  return call(env, info, "unary", 3, [](const Args& a) {
    const int op = a.i32(0, "op");
    F32 x = a.f32(1, "x"), o = a.f32(2, "out");
    const float alpha = a.f32_scalar_or(3, 0.f, "alpha");
    if (op < 0 || op > tfg::kUnaryLast) throw ArgError{"unknown op"};
    need(x, static_cast<long long>(o.n), "x");
    tfg::unary(op, x.p, o.p, o.n, alpha);
  });
}

// compare(op, a, periodA, midA, b, periodB, midB, out: Uint8Array, innerA = 1, innerB = 1)
napi_value Compare(napi_env env, napi_callback_info info) {
  return call(env, info, "compare", 8, [](const Args& a) {
    const int op = a.i32(0, "op");
    F32 x = a.f32(1, "a"), y = a.f32(4, "b");
    U8 o = a.u8(7, "out");
    if (op < 0 || op > tfg::kNotEqual) throw ArgError{"unknown op"};
    const tfg::Broadcast ba = broadcast_of(x, a.f64(2, "periodA"), a.i32(3, "midA"), a.i32_or(8, 1, "innerA"), o.n, "a");
    const tfg::Broadcast bb = broadcast_of(y, a.f64(5, "periodB"), a.i32(6, "midB"), a.i32_or(9, 1, "innerB"), o.n, "b");
    tfg::compare(op, x.p, ba, y.p, bb, o.p, o.n);
  });
}

// select(cond: Uint8Array, t, e, out): out[i] = cond[i] ? t[i] : e[i]
napi_value Select(napi_env env, napi_callback_info info) {
  return call(env, info, "select", 4, [](const Args& a) {
    U8 c = a.u8(0, "cond");
    F32 t = a.f32(1, "t"), e = a.f32(2, "e"), o = a.f32(3, "out");
    if (c.n < o.n || t.n < o.n || e.n < o.n) throw ArgError{"an input is too short for the output"};
    tfg::select(c.p, t.p, e.p, o.p, o.n);
  });
}

// sumRows(x, out, rows, cols)
napi_value SumRows(napi_env env, napi_callback_info info) {
  return call(env, info, "sumRows", 4, [](const Args& a) {
    F32 x = a.f32(0, "x"), o = a.f32(1, "out");
    const double rows = a.f64(2, "rows"), cols = a.f64(3, "cols");
    if (rows < 0 || cols < 0) throw ArgError{"negative size"};
    need(x, static_cast<long long>(rows * cols), "x");
    need(o, static_cast<long long>(cols), "out");
    tfg::sum_rows(x.p, o.p, static_cast<size_t>(rows), static_cast<size_t>(cols));
  });
}

// reluMask(dx, y): dx[i] = y[i] > 0 ? dx[i] : 0 in place (y: the ReLU's output).
napi_value ReluMask(napi_env env, napi_callback_info info) {
  return call(env, info, "reluMask", 2, [](const Args& a) {
    F32 dx = a.f32(0, "dx"), y = a.f32(1, "y");
    if (y.n < dx.n) throw ArgError{"y must have as many elements as dx"};
    tfg::relu_mask(dx.p, y.p, dx.n);
  });
}

// sumSquares(x): sum of x[i]^2 in double.
napi_value SumSquares(napi_env env, napi_callback_info info) {
  double result = 0;
  napi_value r = call(env, info, "sumSquares", 1, [&](const Args& a) {
    F32 x = a.f32(0, "x");
    result = tfg::sum_squares(x.p, x.n);
  });
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return r;
  napi_value out;
  napi_create_double(env, result, &out);
  return out;
}

// sumBlocks(x, out, outer, rows, cols): sumRows over `outer` consecutive [rows, cols] blocks.
napi_value SumBlocks(napi_env env, napi_callback_info info) {
  return call(env, info, "sumBlocks", 5, [](const Args& a) {
    F32 x = a.f32(0, "x"), o = a.f32(1, "out");
    const double outer = a.f64(2, "outer"), rows = a.f64(3, "rows"), cols = a.f64(4, "cols");
    if (outer < 0 || rows < 0 || cols < 0) throw ArgError{"negative size"};
    need(x, static_cast<long long>(outer * rows * cols), "x");
    need(o, static_cast<long long>(outer * cols), "out");
    tfg::sum_blocks(x.p, o.p, static_cast<size_t>(outer), static_cast<size_t>(rows), static_cast<size_t>(cols));
  });
}

// optimizerUpdate(rule, w, g, s0|null, s1|null, s2|null, coefs): one in-place optimizer step
// (rules and coefficients in elementwise.h).
napi_value OptimizerUpdate(napi_env env, napi_callback_info info) {
  return call(env, info, "optimizerUpdate", 7, [](const Args& a) {
    const int rule = a.i32(0, "rule");
    if (rule < tfg::kSgd || rule > tfg::kLastRule) throw ArgError{"unknown rule"};
    F32 w = a.f32(1, "w"), g = a.f32(2, "g"), c = a.f32(6, "coefs");
    need(g, static_cast<long long>(w.n), "g");
    if (c.n < static_cast<size_t>(tfg::kUpdateCoefs[rule])) throw ArgError{"too few coefficients"};
    const int slots = tfg::kUpdateSlots[rule];
    F32 s[3];
    for (int i = 0; i < slots; i++) {
      s[i] = a.f32(3 + i, "slot");
      need(s[i], static_cast<long long>(w.n), "slot");
    }
    tfg::optimizer_update(rule, w.p, g.p, s[0].p, s[1].p, s[2].p, c.p, w.n);
  });
}

// Cell, sizes and codes of the recurrent bindings: a known cell, B, T, H >= 0, activation codes in range.
void rnn_dims(const Args& a, int first, int& cell, int& B, int& T, int& H, bool& back, int& act, int& rec) {
  cell = a.i32(first, "cell");
  B = a.i32(first + 1, "B");
  T = a.i32(first + 2, "T");
  H = a.i32(first + 3, "H");
  back = a.flag(first + 4);
  act = a.i32(first + 5, "activation");
  rec = a.i32(first + 6, "recurrentActivation");
  if (cell < 0 || cell > tfg::kCellLast) throw ArgError{"unknown cell"};
  if (B < 0 || T < 0 || H < 0) throw ArgError{"negative size"};
  if (act < 0 || act > tfg::kActLast || rec < 0 || rec > tfg::kActLast) throw ArgError{"unknown activation"};
}

// A recurrent dropout mask, if given: [B, H], and not for the reset-after GRU (no layer gives it one).
void check_rmask(const F32& rmask, int cell, long long bh) {
  if (rmask.p == nullptr) return;
  if (cell == tfg::kGruResetAfter) throw ArgError{"rmask is not supported for the reset-after GRU"};
  need(rmask, bh, "rmask");
}

// rnnForward(xw, R, rbias|null, h, c|null, mask|null, rmask|null, seq, cache, hprev, cell, B, T, H,
//            goBackwards, activation, recurrentActivation)
napi_value RnnForward(napi_env env, napi_callback_info info) {
  return call(env, info, "rnnForward", 17, [](const Args& a) {
    int cell, B, T, H, act, rec;
    bool back;
    rnn_dims(a, 10, cell, B, T, H, back, act, rec);
    const long long bt = static_cast<long long>(B) * T, g = tfg::rnn_gate_width(cell, H);
    const long long cw = tfg::rnn_cache_width(cell, H), bh = static_cast<long long>(B) * H;
    F32 xw = a.f32(0, "xw"), r = a.f32(1, "R"), rb = a.f32_or_null(2, "rbias"), h = a.f32(3, "h");
    F32 c = a.f32_or_null(4, "c"), mask = a.f32_or_null(5, "mask"), rmask = a.f32_or_null(6, "rmask");
    F32 seq = a.f32(7, "seq"), cache = a.f32(8, "cache"), hprev = a.f32(9, "hprev");
    need(xw, bt * g, "xw");
    need(r, H * g, "R");
    if (cell == tfg::kGruResetAfter || rb.p != nullptr) need(rb, g, "rbias");
    need(h, bh, "h");
    if (cell == tfg::kLstm || c.p != nullptr) need(c, bh, "c");
    if (mask.p != nullptr) need(mask, bt, "mask");
    check_rmask(rmask, cell, bh);
    need(seq, bt * H, "seq");
    need(cache, bt * cw, "cache");
    need(hprev, bt * H, "hprev");
    tfg::rnn_forward(cell, B, T, H, xw.p, r.p, rb.p, h.p, c.p, mask.p, rmask.p, back, act, rec, seq.p, cache.p, hprev.p);
  });
}

// rnnBackward(R, cache, hprev, c0|null, mask|null, rmask|null, dseq, dh, dc|null, dz, dR, drbias|null, cell,
//             B, T, H, goBackwards, activation, recurrentActivation)
napi_value RnnBackward(napi_env env, napi_callback_info info) {
  return call(env, info, "rnnBackward", 19, [](const Args& a) {
    int cell, B, T, H, act, rec;
    bool back;
    rnn_dims(a, 12, cell, B, T, H, back, act, rec);
    const long long bt = static_cast<long long>(B) * T, g = tfg::rnn_gate_width(cell, H);
    const long long cw = tfg::rnn_cache_width(cell, H), bh = static_cast<long long>(B) * H;
    F32 r = a.f32(0, "R"), cache = a.f32(1, "cache"), hprev = a.f32(2, "hprev"), c0 = a.f32_or_null(3, "c0");
    F32 mask = a.f32_or_null(4, "mask"), rmask = a.f32_or_null(5, "rmask"), dseq = a.f32(6, "dseq");
    F32 dh = a.f32(7, "dh"), dc = a.f32_or_null(8, "dc"), dz = a.f32(9, "dz"), dr = a.f32(10, "dR");
    F32 drb = a.f32_or_null(11, "drbias");
    need(r, H * g, "R");
    need(cache, bt * cw, "cache");
    need(hprev, bt * H, "hprev");
    if (cell == tfg::kLstm) {
      need(c0, bh, "c0");
      need(dc, bh, "dc");
    }
    if (mask.p != nullptr) need(mask, bt, "mask");
    check_rmask(rmask, cell, bh);
    need(dseq, bt * H, "dseq");
    need(dh, bh, "dh");
    need(dz, bt * g, "dz");
    need(dr, H * g, "dR");
    if (cell == tfg::kGruResetAfter) need(drb, g, "drbias");
    tfg::rnn_backward(cell, B, T, H, r.p, cache.p, hprev.p, c0.p, mask.p, rmask.p, dseq.p, dh.p, dc.p, back, act, rec, dz.p, dr.p,
                      drb.p);
  });
}

// setThreads(n): n <= 0 restores the default. Returns the thread count now in use.
napi_value SetThreads(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, argv, 0);
  int32_t n = 0;
  napi_get_value_int32(env, argv[0], &n);
  tfg::pool_set_threads(n);
  return make_int(env, tfg::pool_threads());
}

napi_value Threads(napi_env env, napi_callback_info) { return make_int(env, tfg::pool_threads()); }

napi_value Kernel(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_string_utf8(env, tfg::gemm_kernel_name(), NAPI_AUTO_LENGTH, &out);
  return out;
}

// forcePortable(on): tests run the portable micro-kernel on AVX2 machines too.
napi_value ForcePortable(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, argv, 1);
  tfg::gemm_force_portable(get_bool(env, argv[0]));
  return Kernel(env, info);
}

// forceKernel(name): use at most the named micro-kernel ("portable", "avx2+fma"; "" or anything
// else: the best the CPU has), so tests compare every path on one machine. Returns the one in use.
napi_value ForceKernel(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  get_args(env, info, argv, 1);
  size_t len = 0;
  char name[32] = {0};
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof(name), &len) != napi_ok) {
    napi_throw_type_error(env, nullptr, "forceKernel: expected a kernel name (string)");
    return nullptr;
  }
  tfg::gemm_force_kernel(name);
  return Kernel(env, info);
}

}  // namespace

NAPI_MODULE_INIT() {
  const napi_property_descriptor props[] = {
      {"matmul", nullptr, MatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2d", nullptr, Conv2D, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropInput", nullptr, Conv2DBackpropInput, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropFilter", nullptr, Conv2DBackpropFilter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPool", nullptr, MaxPool, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolGrad", nullptr, MaxPoolGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"avgPool", nullptr, AvgPool, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"avgPoolGrad", nullptr, AvgPoolGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"resizeNearest", nullptr, ResizeNearest, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"resizeNearestGrad", nullptr, ResizeNearestGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmax", nullptr, Softmax, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"compare", nullptr, Compare, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"select", nullptr, Select, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"optimizerUpdate", nullptr, OptimizerUpdate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumRows", nullptr, SumRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumBlocks", nullptr, SumBlocks, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reluMask", nullptr, ReluMask, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumSquares", nullptr, SumSquares, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rnnForward", nullptr, RnnForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rnnBackward", nullptr, RnnBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"threads", nullptr, Threads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"kernel", nullptr, Kernel, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"forcePortable", nullptr, ForcePortable, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"forceKernel", nullptr, ForceKernel, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
