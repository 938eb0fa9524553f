// N-API bindings. Every kernel takes its inputs and a preallocated output as Float32Arrays and
// writes in place, so tensors stay in the JS heap where the cpu backend keeps them: no copies.
// Sizes are checked here, so a wrong call from JS throws instead of corrupting memory.
#include <node_api.h>

#include <cstdint>
#include <string>

#include "conv.h"
#include "elementwise.h"
#include "gemm.h"
#include "pool.h"

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

F32 get_f32(napi_env env, napi_value v, const char* what) {
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta) throw ArgError{std::string(what) + " must be a Float32Array"};
  napi_typedarray_type type;
  size_t len = 0;
  void* data = nullptr;
  napi_get_typedarray_info(env, v, &type, &len, &data, nullptr, nullptr);
  if (type != napi_float32_array) throw ArgError{std::string(what) + " must be a Float32Array"};
  return F32{static_cast<float*>(data), len};
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
tfg::ConvGeom get_geom(napi_env env, napi_value v) {
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  napi_typedarray_type type;
  size_t len = 0;
  void* data = nullptr;
  if (is_ta) napi_get_typedarray_info(env, v, &type, &len, &data, nullptr, nullptr);
  if (!is_ta || type != napi_int32_array || len != 15) throw ArgError{"geometry must be an Int32Array of 15"};
  const int32_t* q = static_cast<const int32_t*>(data);
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

// matmul(a, b, c, batch, m, n, k, transA, transB, strideA, strideB, bias|null, act, alpha)
// C[bi] (m x n) = op(A[bi]) op(B[bi]); strideA/strideB 0 broadcast one matrix over the batch.
napi_value MatMul(napi_env env, napi_callback_info info) {
  napi_value argv[14];
  try {
    if (!get_args(env, info, argv, 11)) return throw_error(env, "matmul: too few arguments");
    F32 a = get_f32(env, argv[0], "a"), b = get_f32(env, argv[1], "b"), c = get_f32(env, argv[2], "c");
    const int batch = get_i32(env, argv[3], "batch"), m = get_i32(env, argv[4], "m");
    const int n = get_i32(env, argv[5], "n"), k = get_i32(env, argv[6], "k");
    const bool ta = get_bool(env, argv[7]), tb = get_bool(env, argv[8]);
    const long long sa = get_f64(env, argv[9], "strideA"), sb = get_f64(env, argv[10], "strideB");
    F32 bias;
    if (!is_nullish(env, argv[11])) bias = get_f32(env, argv[11], "bias");
    const int act = is_nullish(env, argv[12]) ? 0 : get_i32(env, argv[12], "activation");
    const float alpha = is_nullish(env, argv[13]) ? 0.f : static_cast<float>(get_f64(env, argv[13], "alpha"));
    if (batch < 0 || m < 0 || n < 0 || k < 0 || sa < 0 || sb < 0) throw ArgError{"matmul: negative size"};
    need(a, batch > 0 ? sa * (batch - 1) + 1LL * m * k : 0, "a");
    need(b, batch > 0 ? sb * (batch - 1) + 1LL * k * n : 0, "b");
    need(c, 1LL * batch * m * n, "c");
    if (bias.p && bias.n != 1 && bias.n != static_cast<size_t>(n)) throw ArgError{"matmul: bias must have 1 or n entries"};
    for (int bi = 0; bi < batch; bi++) {
      const float* ap = a.p + sa * bi;
      const float* bp = b.p + sb * bi;
      tfg::MatView av = ta ? tfg::MatView{ap, 1, m} : tfg::MatView{ap, k, 1};
      tfg::MatView bv = tb ? tfg::MatView{bp, 1, k} : tfg::MatView{bp, n, 1};
      float* cp = c.p + 1LL * bi * m * n;
      tfg::gemm(m, n, k, av, bv, cp, n, false);
      tfg::epilogue(cp, m, n, bias.p, static_cast<int>(bias.n), act, alpha);
    }
  } catch (const ArgError& e) {
    return throw_error(env, e.msg);
  }
  return nullptr;
}

long long in_size(const tfg::ConvGeom& g) { return 1LL * g.batch * g.in_h * g.in_w * g.in_c; }
long long out_size(const tfg::ConvGeom& g) { return 1LL * g.batch * g.out_h * g.out_w * g.out_c; }
long long filter_size(const tfg::ConvGeom& g) { return 1LL * g.k_h * g.k_w * g.in_c * g.out_c; }

// conv2d(x, w, y, geom, bias|null, act, alpha)
napi_value Conv2D(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  try {
    if (!get_args(env, info, argv, 4)) return throw_error(env, "conv2d: too few arguments");
    F32 x = get_f32(env, argv[0], "x"), w = get_f32(env, argv[1], "filter"), y = get_f32(env, argv[2], "y");
    tfg::ConvGeom g = get_geom(env, argv[3]);
    F32 bias;
    if (!is_nullish(env, argv[4])) bias = get_f32(env, argv[4], "bias");
    const int act = is_nullish(env, argv[5]) ? 0 : get_i32(env, argv[5], "activation");
    const float alpha = is_nullish(env, argv[6]) ? 0.f : static_cast<float>(get_f64(env, argv[6], "alpha"));
    need(x, in_size(g), "x");
    need(w, filter_size(g), "filter");
    need(y, out_size(g), "y");
    if (bias.p && bias.n != 1 && bias.n != static_cast<size_t>(g.out_c)) throw ArgError{"conv2d: bad bias length"};
    tfg::conv2d(g, x.p, w.p, y.p, bias.p, static_cast<int>(bias.n), act, alpha);
  } catch (const ArgError& e) {
    return throw_error(env, e.msg);
  }
  return nullptr;
}

// conv2dBackpropInput(dy, w, dx, geom)
napi_value Conv2DBackpropInput(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  try {
    if (!get_args(env, info, argv, 4)) return throw_error(env, "conv2dBackpropInput: too few arguments");
    F32 dy = get_f32(env, argv[0], "dy"), w = get_f32(env, argv[1], "filter"), dx = get_f32(env, argv[2], "dx");
    tfg::ConvGeom g = get_geom(env, argv[3]);
    need(dy, out_size(g), "dy");
    need(w, filter_size(g), "filter");
    need(dx, in_size(g), "dx");
    tfg::conv2d_backprop_input(g, dy.p, w.p, dx.p);
  } catch (const ArgError& e) {
    return throw_error(env, e.msg);
  }
  return nullptr;
}

// conv2dBackpropFilter(x, dy, dw, geom)
napi_value Conv2DBackpropFilter(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  try {
    if (!get_args(env, info, argv, 4)) return throw_error(env, "conv2dBackpropFilter: too few arguments");
    F32 x = get_f32(env, argv[0], "x"), dy = get_f32(env, argv[1], "dy"), dw = get_f32(env, argv[2], "dw");
    tfg::ConvGeom g = get_geom(env, argv[3]);
    need(x, in_size(g), "x");
    need(dy, out_size(g), "dy");
    need(dw, filter_size(g), "dw");
    tfg::conv2d_backprop_filter(g, x.p, dy.p, dw.p);
  } catch (const ArgError& e) {
    return throw_error(env, e.msg);
  }
  return nullptr;
}

// maxPool(x, y, geom) with geom.out_c == geom.in_c
napi_value MaxPool(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  try {
    if (!get_args(env, info, argv, 3)) return throw_error(env, "maxPool: too few arguments");
    F32 x = get_f32(env, argv[0], "x"), y = get_f32(env, argv[1], "y");
    tfg::ConvGeom g = get_geom(env, argv[2]);
    if (g.out_c != g.in_c) throw ArgError{"maxPool: out channels must equal in channels"};
    need(x, in_size(g), "x");
    need(y, out_size(g), "y");
    tfg::max_pool(g, x.p, y.p);
  } catch (const ArgError& e) {
    return throw_error(env, e.msg);
  }
  return nullptr;
}

// maxPoolGrad(dy, x, dx, geom)
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  try {
    if (!get_args(env, info, argv, 4)) return throw_error(env, "maxPoolGrad: too few arguments");
    F32 dy = get_f32(env, argv[0], "dy"), x = get_f32(env, argv[1], "x"), dx = get_f32(env, argv[2], "dx");
    tfg::ConvGeom g = get_geom(env, argv[3]);
    if (g.out_c != g.in_c) throw ArgError{"maxPoolGrad: out channels must equal in channels"};
    need(dy, out_size(g), "dy");
    need(x, in_size(g), "x");
    need(dx, in_size(g), "dx");
    tfg::max_pool_grad(g, dy.p, x.p, dx.p);
  } catch (const ArgError& e) {
    return throw_error(env, e.msg);
  }
  return nullptr;
}

// binary(op, a, periodA, b, periodB, out): out[i] = a[i % periodA] op b[i % periodB]
napi_value Binary(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  try {
    if (!get_args(env, info, argv, 6)) return throw_error(env, "binary: too few arguments");
    const int op = get_i32(env, argv[0], "op");
    F32 a = get_f32(env, argv[1], "a"), b = get_f32(env, argv[3], "b"), o = get_f32(env, argv[5], "out");
    const double pa = get_f64(env, argv[2], "periodA"), pb = get_f64(env, argv[4], "periodB");
    if (op < 0 || op > tfg::kSquaredDiff) throw ArgError{"binary: unknown op"};
    if (pa < 1 || pb < 1 || a.n < pa || b.n < pb) throw ArgError{"binary: bad period"};
    const size_t n = o.n, ia = static_cast<size_t>(pa), ib = static_cast<size_t>(pb);
    // A period longer than 1 must divide the output into whole repetitions.
    if ((ia != 1 && n % ia != 0) || (ib != 1 && n % ib != 0)) throw ArgError{"binary: period does not divide the output"};
    tfg::binary(op, a.p, ia, b.p, ib, o.p, n);
  } catch (const ArgError& e) {
    return throw_error(env, e.msg);
  }
  return nullptr;
}

// unary(op, x, out, alpha)
napi_value Unary(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  try {
    if (!get_args(env, info, argv, 3)) return throw_error(env, "unary: too few arguments");
    const int op = get_i32(env, argv[0], "op");
    F32 x = get_f32(env, argv[1], "x"), o = get_f32(env, argv[2], "out");
    const float alpha = is_nullish(env, argv[3]) ? 0.f : static_cast<float>(get_f64(env, argv[3], "alpha"));
    if (op < 0 || op > tfg::kTanh) throw ArgError{"unary: unknown op"};
    need(x, static_cast<long long>(o.n), "x");
    tfg::unary(op, x.p, o.p, o.n, alpha);
  } catch (const ArgError& e) {
    return throw_error(env, e.msg);
  }
  return nullptr;
}

// sumRows(x, out, rows, cols)
napi_value SumRows(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  try {
    if (!get_args(env, info, argv, 4)) return throw_error(env, "sumRows: too few arguments");
    F32 x = get_f32(env, argv[0], "x"), o = get_f32(env, argv[1], "out");
    const double rows = get_f64(env, argv[2], "rows"), cols = get_f64(env, argv[3], "cols");
    if (rows < 0 || cols < 0) throw ArgError{"sumRows: negative size"};
    need(x, static_cast<long long>(rows * cols), "x");
    need(o, static_cast<long long>(cols), "out");
    tfg::sum_rows(x.p, o.p, static_cast<size_t>(rows), static_cast<size_t>(cols));
  } catch (const ArgError& e) {
    return throw_error(env, e.msg);
  }
  return nullptr;
}

// optimizerUpdate(rule, w, g, s0|null, s1|null, s2|null, coefs): one in-place optimizer step
// (rules and coefficients in elementwise.h).
napi_value OptimizerUpdate(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  try {
    if (!get_args(env, info, argv, 7)) return throw_error(env, "optimizerUpdate: too few arguments");
    const int rule = get_i32(env, argv[0], "rule");
    if (rule < tfg::kSgd || rule > tfg::kRmsPropCentered) throw ArgError{"optimizerUpdate: unknown rule"};
    F32 w = get_f32(env, argv[1], "w"), g = get_f32(env, argv[2], "g"), c = get_f32(env, argv[6], "coefs");
    need(g, static_cast<long long>(w.n), "g");
    if (c.n < static_cast<size_t>(tfg::kUpdateCoefs[rule])) throw ArgError{"optimizerUpdate: too few coefficients"};
    const int slots = rule == tfg::kSgd ? 0 : rule == tfg::kRmsPropCentered ? 3 : 2;
    F32 s[3];
    for (int i = 0; i < slots; i++) {
      s[i] = get_f32(env, argv[3 + i], "slot");
      need(s[i], static_cast<long long>(w.n), "slot");
    }
    tfg::optimizer_update(rule, w.p, g.p, s[0].p, s[1].p, s[2].p, c.p, w.n);
  } catch (const ArgError& e) {
    return throw_error(env, e.msg);
  }
  return nullptr;
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

}  // namespace

NAPI_MODULE_INIT() {
  const napi_property_descriptor props[] = {
      {"matmul", nullptr, MatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2d", nullptr, Conv2D, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropInput", nullptr, Conv2DBackpropInput, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropFilter", nullptr, Conv2DBackpropFilter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPool", nullptr, MaxPool, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolGrad", nullptr, MaxPoolGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"optimizerUpdate", nullptr, OptimizerUpdate, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumRows", nullptr, SumRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"threads", nullptr, Threads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"kernel", nullptr, Kernel, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"forcePortable", nullptr, ForcePortable, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
