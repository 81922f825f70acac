// ember's CUDA prelude: storage types, conversions, PyTorch's scalar semantics, indexing, and
// one template per kernel family. Self-contained (no CUDA headers), so NVRTC needs no
// include path. Kernels instantiate these templates with functors generated from the op
// table (src/ops.rs).

// Generic expressions such as `x < T(0)` compare unsigned integers with zero by design.
#pragma nv_diag_suppress 186

#define EMBER_MAX_DIMS 25
#define EMBER_MAX_OPS 4

typedef signed char i8;
typedef unsigned char u8;
typedef short i16;
typedef int i32;
typedef long long i64;
typedef unsigned long long u64;

// Half floats are stored as their bits and computed in float, as PyTorch's opmath_t.
struct __align__(2) f16 { unsigned short bits; };
struct __align__(2) bf16 { unsigned short bits; };

template <class S> struct OpMath { typedef S T; };
template <> struct OpMath<f16> { typedef float T; };
template <> struct OpMath<bf16> { typedef float T; };

template <class A, class B> struct Same { static const bool v = false; };
template <class A> struct Same<A, A> { static const bool v = true; };

// ---- conversions between compute types, as PyTorch's casts: to bool is `!= 0`; floats go
// to narrow integers through int64, so negative values wrap (-5.0 -> uint8 251).
template <class D, class S> struct Cvt {
  static __device__ __forceinline__ D f(S x) { return (D)x; }
};
template <class S> struct Cvt<bool, S> {
  static __device__ __forceinline__ bool f(S x) { return x != S(0); }
};
#define EMBER_WRAP(D, S) \
  template <> struct Cvt<D, S> { \
    static __device__ __forceinline__ D f(S x) { return (D)(i64)x; } \
  };
EMBER_WRAP(u8, float)
EMBER_WRAP(u8, double)
EMBER_WRAP(i8, float)
EMBER_WRAP(i8, double)
EMBER_WRAP(i16, float)
EMBER_WRAP(i16, double)
template <class D, class S> __device__ __forceinline__ D cvt(S x) { return Cvt<D, S>::f(x); }

// ---- loads (storage -> compute) and stores (compute -> storage, rounding to nearest even)
__device__ __forceinline__ float ld(f16 v) {
  float f;
  asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(v.bits));
  return f;
}
__device__ __forceinline__ float ld(bf16 v) { return __uint_as_float(((unsigned)v.bits) << 16); }
template <class S> __device__ __forceinline__ S ld(S v) { return v; }

template <class S> struct St {
  template <class C> static __device__ __forceinline__ S f(C x) { return cvt<S>(x); }
};
template <> struct St<f16> {
  template <class C> static __device__ __forceinline__ f16 f(C x) {
    float v = cvt<float>(x);
    f16 h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h.bits) : "f"(v));
    return h;
  }
};
template <> struct St<bf16> {
  template <class C> static __device__ __forceinline__ bf16 f(C x) {
    unsigned u = __float_as_uint(cvt<float>(x));
    bf16 h;
    h.bits = (u & 0x7fffffffu) > 0x7f800000u
                 ? (unsigned short)0x7fc0u
                 : (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
    return h;
  }
};
template <class S, class C> __device__ __forceinline__ S st(C x) { return St<S>::f(x); }

template <class A> struct Lim;
template <> struct Lim<float> {
  static __device__ __forceinline__ float lowest() { return -__int_as_float(0x7f800000); }
  static __device__ __forceinline__ float highest() { return __int_as_float(0x7f800000); }
};
template <> struct Lim<double> {
  static __device__ __forceinline__ double lowest() { return -__longlong_as_double(0x7ff0000000000000LL); }
  static __device__ __forceinline__ double highest() { return __longlong_as_double(0x7ff0000000000000LL); }
};
template <> struct Lim<i64> {
  static __device__ __forceinline__ i64 lowest() { return -9223372036854775807LL - 1; }
  static __device__ __forceinline__ i64 highest() { return 9223372036854775807LL; }
};

// ---- float math: the `f` functions for float, the plain ones for double
#define EMBER_MATH1(name, ff, df) \
  __device__ __forceinline__ float name(float x) { return ff(x); } \
  __device__ __forceinline__ double name(double x) { return df(x); }
#define EMBER_MATH2(name, ff, df) \
  __device__ __forceinline__ float name(float x, float y) { return ff(x, y); } \
  __device__ __forceinline__ double name(double x, double y) { return df(x, y); }
EMBER_MATH1(e_exp, expf, exp)
EMBER_MATH1(e_log, logf, log)
EMBER_MATH1(e_sqrt, sqrtf, sqrt)
EMBER_MATH1(e_rsqrt, rsqrtf, rsqrt)
EMBER_MATH1(e_sin, sinf, sin)
EMBER_MATH1(e_cos, cosf, cos)
EMBER_MATH1(e_tan, tanf, tan)
EMBER_MATH1(e_tanh, tanhf, tanh)
EMBER_MATH1(e_log1p, log1pf, log1p)
EMBER_MATH1(e_expm1, expm1f, expm1)
EMBER_MATH1(e_erf, erff, erf)
EMBER_MATH1(e_log2, log2f, log2)
EMBER_MATH1(e_log10, log10f, log10)
EMBER_MATH1(e_asin, asinf, asin)
EMBER_MATH1(e_acos, acosf, acos)
EMBER_MATH1(e_atan, atanf, atan)
EMBER_MATH1(e_sinh, sinhf, sinh)
EMBER_MATH1(e_cosh, coshf, cosh)
EMBER_MATH1(e_exp2, exp2f, exp2)
EMBER_MATH1(e_fabs, fabsf, fabs)
EMBER_MATH2(e_atan2, atan2f, atan2)
EMBER_MATH2(e_pow, powf, pow)
EMBER_MATH2(e_fmod, fmodf, fmod)
EMBER_MATH2(e_fmax, fmaxf, fmax)

// Rounding ops are the identity on integers (their `Identity` int mode).
#define EMBER_ROUND(name, ff, df) \
  template <class T> __device__ __forceinline__ T name(T x) { return x; } \
  EMBER_MATH1(name, ff, df)
EMBER_ROUND(e_floor, floorf, floor)
EMBER_ROUND(e_ceil, ceilf, ceil)
EMBER_ROUND(e_trunc, truncf, trunc)
EMBER_ROUND(e_rint, rintf, rint)

// ---- PyTorch's scalar semantics. Templates are the integer versions (two's complement,
// wrapping, as the CPU's `IntElement`); the float and double overloads win for floats.
template <class T> __device__ __forceinline__ T add_w(T a, T b) { return (T)((u64)(i64)a + (u64)(i64)b); }
template <class T> __device__ __forceinline__ T sub_w(T a, T b) { return (T)((u64)(i64)a - (u64)(i64)b); }
template <class T> __device__ __forceinline__ T mul_w(T a, T b) { return (T)((u64)(i64)a * (u64)(i64)b); }
template <class T> __device__ __forceinline__ T neg_w(T a) { return (T)(0ull - (u64)(i64)a); }
template <class T> __device__ __forceinline__ T abs_w(T a) { return (i64)a < 0 ? neg_w(a) : a; }
template <class T> __device__ __forceinline__ T max_nan(T a, T b) { return a > b ? a : b; }
template <class T> __device__ __forceinline__ T min_nan(T a, T b) { return a < b ? a : b; }
// Python's `%` (the sign of the divisor); 0 for a zero divisor (callers check first).
template <class T> __device__ __forceinline__ T py_rem(T a, T b) {
  i64 x = (i64)a, y = (i64)b;
  if (y == 0 || y == -1) return T(0);
  i64 r = x % y;
  return (T)((r != 0 && ((r < 0) != (y < 0))) ? r + y : r);
}
// C's `%` (the sign of the dividend), as `torch.fmod` on integers.
template <class T> __device__ __forceinline__ T fmod_w(T a, T b) {
  i64 x = (i64)a, y = (i64)b;
  if (y == 0 || y == -1) return T(0);
  return (T)(x % y);
}
template <class T> __device__ __forceinline__ T floor_div(T a, T b) {
  i64 x = (i64)a, y = (i64)b;
  if (y == 0) return T(0);
  if (y == -1) return neg_w(a);
  i64 q = x / y;
  return (T)((x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q);
}
// By squaring, wrapping; a negative exponent gives 0 unless the base is 1 or -1.
template <class T> __device__ __forceinline__ T pow_w(T a, T b) {
  i64 e = (i64)b;
  if (e < 0) {
    if ((i64)a == 1) return T(1);
    if ((i64)a == -1) return (e % 2 == 0) ? T(1) : a;
    return T(0);
  }
  T acc = T(1), base = a;
  while (e > 0) {
    if (e & 1) acc = mul_w(acc, base);
    base = mul_w(base, base);
    e >>= 1;
  }
  return acc;
}
template <class T> __device__ __forceinline__ T pow_scalar(T x, double e) { return pow_w(x, cvt<T>(e)); }
template <class T> __device__ __forceinline__ T e_clamp(T x, double lo, double hi, int flags) {
  // NaN passes through; a NaN bound gives NaN, as PyTorch.
  T y = x;
  if (flags & 1) {
    T l = cvt<T>(lo);
    y = (l != l || y < l) ? l : y;
  }
  if (flags & 2) {
    T h = cvt<T>(hi);
    y = (h != h || y > h) ? h : y;
  }
  return y;
}

#define EMBER_FLOAT_SEMANTICS(T) \
  __device__ __forceinline__ T add_w(T a, T b) { return a + b; } \
  __device__ __forceinline__ T sub_w(T a, T b) { return a - b; } \
  __device__ __forceinline__ T mul_w(T a, T b) { return a * b; } \
  __device__ __forceinline__ T neg_w(T a) { return -a; } \
  __device__ __forceinline__ T abs_w(T a) { return e_fabs(a); } \
  __device__ __forceinline__ T max_nan(T a, T b) { return (a != a || b != b) ? a + b : (a > b ? a : b); } \
  __device__ __forceinline__ T min_nan(T a, T b) { return (a != a || b != b) ? a + b : (a < b ? a : b); } \
  __device__ __forceinline__ T py_rem(T a, T b) { \
    T r = e_fmod(a, b); \
    return (r != T(0) && ((r < T(0)) != (b < T(0)))) ? r + b : r; \
  } \
  __device__ __forceinline__ T fmod_w(T a, T b) { return e_fmod(a, b); } \
  __device__ __forceinline__ T floor_div(T a, T b) { return e_floor(a / b); } \
  __device__ __forceinline__ T pow_w(T a, T b) { return e_pow(a, b); } \
  __device__ __forceinline__ T pow_scalar(T x, double e) { \
    return e == 2.0 ? x * x \
         : e == 3.0 ? x * x * x \
         : e == 0.5 ? e_sqrt(x) \
         : e == 1.0 ? x \
         : e == -1.0 ? T(1) / x \
         : e_pow(x, T(e)); \
  }
EMBER_FLOAT_SEMANTICS(float)
EMBER_FLOAT_SEMANTICS(double)

// ---- strided indexing: operand k of element i (row-major over `sizes`) sits at
// offsets[k] + sum_d index_d * strides[k][d]; `contiguous` means offsets[k] + i for all k.
struct EmberIdx {
  i64 numel;
  int ndim;
  int contiguous;
  i64 sizes[EMBER_MAX_DIMS];
  i64 strides[EMBER_MAX_OPS][EMBER_MAX_DIMS];
  i64 offsets[EMBER_MAX_OPS];
};

template <int N, class F> __device__ __forceinline__ void ember_for_each(const EmberIdx& ix, F f) {
  const i64 step = (i64)blockDim.x * gridDim.x;
  const i64 start = (i64)blockIdx.x * blockDim.x + threadIdx.x;
  i64 off[N];
  if (ix.contiguous) {
    for (i64 i = start; i < ix.numel; i += step) {
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] = ix.offsets[k] + i;
      f(off);
    }
    return;
  }
  for (i64 i = start; i < ix.numel; i += step) {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = ix.offsets[k];
    i64 q = i;
    for (int d = ix.ndim - 1; d >= 0; --d) {
      i64 s = ix.sizes[d];
      i64 nq = q / s;
      i64 r = q - nq * s;
      q = nq;
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += r * ix.strides[k][d];
    }
    f(off);
  }
}

// ---- elementwise families
template <class Op, class S> __device__ __forceinline__ void ember_unary(const EmberIdx& ix, S* out, const S* x) {
  typedef typename OpMath<S>::T T;
  ember_for_each<2>(ix, [&](const i64* o) { out[o[0]] = st<S>(Op::template f<T>(ld(x[o[1]]))); });
}

template <class Op, class S>
__device__ __forceinline__ void ember_param(const EmberIdx& ix, S* out, const S* x, double p0, double p1, int flags) {
  typedef typename OpMath<S>::T T;
  ember_for_each<2>(ix, [&](const i64* o) { out[o[0]] = st<S>(Op::template f<T>(ld(x[o[1]]), p0, p1, flags)); });
}

template <class Op, class S>
__device__ __forceinline__ void ember_binary(const EmberIdx& ix, S* out, const S* a, const S* b) {
  typedef typename OpMath<S>::T T;
  ember_for_each<3>(ix, [&](const i64* o) { out[o[0]] = st<S>(Op::template f<T>(ld(a[o[1]]), ld(b[o[2]]))); });
}

template <class Op, class S>
__device__ __forceinline__ void ember_cmp(const EmberIdx& ix, bool* out, const S* a, const S* b) {
  typedef typename OpMath<S>::T T;
  ember_for_each<3>(ix, [&](const i64* o) { out[o[0]] = Op::template f<T>(ld(a[o[1]]), ld(b[o[2]])); });
}

template <class S>
__device__ __forceinline__ void ember_where(const EmberIdx& ix, S* out, const bool* c, const S* a, const S* b) {
  ember_for_each<4>(ix, [&](const i64* o) { out[o[0]] = c[o[1]] ? a[o[2]] : b[o[3]]; });
}

template <class S, class D> __device__ __forceinline__ void ember_cast(const EmberIdx& ix, D* out, const S* x) {
  if constexpr (Same<S, D>::v) {
    ember_for_each<2>(ix, [&](const i64* o) { out[o[0]] = x[o[1]]; });
  } else {
    ember_for_each<2>(ix, [&](const i64* o) { out[o[0]] = st<D>(ld(x[o[1]])); });
  }
}

template <class S> __device__ __forceinline__ void ember_fill(const EmberIdx& ix, S* out, S value) {
  ember_for_each<1>(ix, [&](const i64* o) { out[o[0]] = value; });
}

// ---- reductions: one block per output element (grid-stride over outputs); each thread
// folds a strided share of the reduced elements, then warps and the block combine.
// `index` is the element's row-major position among the reduced dims (for arg ops).
struct EmberRIdx {
  i64 n_out;
  i64 n_red;
  int out_ndim;
  int red_ndim;
  i64 out_sizes[EMBER_MAX_DIMS];
  i64 out_src_strides[EMBER_MAX_DIMS];
  i64 out_dst_strides[EMBER_MAX_DIMS];
  i64 red_sizes[EMBER_MAX_DIMS];
  i64 red_strides[EMBER_MAX_DIMS];
  i64 src_offset;
  i64 dst_offset;
};

template <class R, class A>
__device__ __forceinline__ void ember_warp_combine(A& v, i64& vi) {
  const int lane = threadIdx.x & 31;
#pragma unroll
  for (int k = 16; k > 0; k >>= 1) {
    A w = __shfl_down_sync(0xffffffffu, v, k);
    i64 wi = __shfl_down_sync(0xffffffffu, vi, k);
    if (lane + k < 32) R::combine(v, vi, w, wi);
  }
}

// Adds to `src` and `dst` the offsets of row-major linear index `q` over `ndim` dims of
// `sizes`, each operand with its own strides (`dst_strides` null: source only).
__device__ __forceinline__ void ember_offsets(i64 q, int ndim, const i64* sizes,
                                              const i64* src_strides, const i64* dst_strides,
                                              i64& src, i64& dst) {
  for (int d = ndim - 1; d >= 0; --d) {
    i64 s = sizes[d], r = q % s;
    q /= s;
    src += r * src_strides[d];
    if (dst_strides) dst += r * dst_strides[d];
  }
}

// Launched with a multiple of 32 threads per block, at most 1024.
template <class R, class S, class A, class D>
__device__ __forceinline__ void ember_reduce(const EmberRIdx& rx, D* out, const S* x) {
  __shared__ A sv[32];
  __shared__ i64 si[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = (blockDim.x + 31) >> 5;
  for (i64 o = blockIdx.x; o < rx.n_out; o += gridDim.x) {
    i64 src = rx.src_offset, dst = rx.dst_offset;
    ember_offsets(o, rx.out_ndim, rx.out_sizes, rx.out_src_strides, rx.out_dst_strides, src, dst);
    A v = R::template init<A>();
    i64 vi = Lim<i64>::highest();
    for (i64 j = threadIdx.x; j < rx.n_red; j += blockDim.x) {
      i64 off = src, unused = 0;
      ember_offsets(j, rx.red_ndim, rx.red_sizes, rx.red_strides, nullptr, off, unused);
      R::combine(v, vi, R::template lift<A>(ld(x[off])), j);
    }
    ember_warp_combine<R>(v, vi);
    if (lane == 0) {
      sv[warp] = v;
      si[warp] = vi;
    }
    __syncthreads();
    if (warp == 0) {
      v = lane < nwarps ? sv[lane] : R::template init<A>();
      vi = lane < nwarps ? si[lane] : Lim<i64>::highest();
      ember_warp_combine<R>(v, vi);
      if (lane == 0) out[dst] = R::template result<D>(v, vi);
    }
    __syncthreads();
  }
}

// ---- scans (cumsum, cumprod): one thread per row, in order (from the end when `reverse`).
struct EmberSIdx {
  i64 n_rows;
  i64 len;
  i64 src_step;
  i64 dst_step;
  int ndim;
  int reverse;
  i64 sizes[EMBER_MAX_DIMS];
  i64 src_strides[EMBER_MAX_DIMS];
  i64 dst_strides[EMBER_MAX_DIMS];
  i64 src_offset;
  i64 dst_offset;
};

template <class R, class S, class A, class D>
__device__ __forceinline__ void ember_scan(const EmberSIdx& sx, D* out, const S* x) {
  const i64 step = (i64)blockDim.x * gridDim.x;
  for (i64 row = (i64)blockIdx.x * blockDim.x + threadIdx.x; row < sx.n_rows; row += step) {
    i64 src = sx.src_offset, dst = sx.dst_offset;
    ember_offsets(row, sx.ndim, sx.sizes, sx.src_strides, sx.dst_strides, src, dst);
    A acc = R::template init<A>();
    i64 unused = 0;
    for (i64 t = 0; t < sx.len; ++t) {
      i64 k = sx.reverse ? sx.len - 1 - t : t;
      R::combine(acc, unused, R::template lift<A>(ld(x[src + k * sx.src_step])), k);
      out[dst + k * sx.dst_step] = R::template result<D>(acc, unused);
    }
  }
}

// ---- softmax / log-softmax of contiguous [outer, n, inner] along n: one block per
// (outer, inner) slab; the max is subtracted first, as on the CPU.
template <class T, class F> __device__ __forceinline__ T ember_block_all(T v, F f, T* smem) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = (blockDim.x + 31) >> 5;
#pragma unroll
  for (int k = 16; k > 0; k >>= 1) {
    T w = __shfl_down_sync(0xffffffffu, v, k);
    if (lane + k < 32) v = f(v, w);
  }
  __syncthreads();
  if (lane == 0) smem[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = smem[0];
    for (int k = 1; k < nwarps; ++k) v = f(v, smem[k]);
    if (lane == 0) smem[0] = v;
  }
  __syncthreads();
  return smem[0];
}

template <class S, bool LOG>
__device__ __forceinline__ void ember_softmax(i64 outer, i64 n, i64 inner, S* out, const S* x) {
  typedef typename OpMath<S>::T T;
  __shared__ T smem[32];
  for (i64 slab = blockIdx.x; slab < outer * inner; slab += gridDim.x) {
    const i64 base = (slab / inner) * n * inner + slab % inner;
    T m = Lim<T>::lowest();
    for (i64 j = threadIdx.x; j < n; j += blockDim.x) m = e_fmax(m, ld(x[base + j * inner]));
    m = ember_block_all(m, [](T a, T b) { return e_fmax(a, b); }, smem);
    T s = T(0);
    for (i64 j = threadIdx.x; j < n; j += blockDim.x) s += e_exp(ld(x[base + j * inner]) - m);
    s = ember_block_all(s, [](T a, T b) { return a + b; }, smem);
    const T ls = e_log(s);
    for (i64 j = threadIdx.x; j < n; j += blockDim.x) {
      const T v = ld(x[base + j * inner]) - m;
      out[base + j * inner] = st<S>(LOG ? v - ls : e_exp(v) / s);
    }
  }
}

// ---- fused optimizer steps over contiguous tensors, computed in OpMath<S>::T.
// SGD flags: 1 nesterov, 2 maximize, 4 first step (the momentum buffer starts as the grad).
template <class S>
__device__ __forceinline__ void ember_sgd(i64 n, S* p, const S* g, S* buf, double lr, double momentum,
                                          double dampening, double weight_decay, int flags) {
  typedef typename OpMath<S>::T T;
  const i64 step = (i64)blockDim.x * gridDim.x;
  for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    T gi = ld(g[i]);
    if (flags & 2) gi = -gi;
    const T pi = ld(p[i]);
    if (weight_decay != 0.0) gi = gi + T(weight_decay) * pi;
    if (momentum != 0.0) {
      const T b = (flags & 4) ? gi : T(momentum) * ld(buf[i]) + T(1.0 - dampening) * gi;
      buf[i] = st<S>(b);
      gi = (flags & 1) ? gi + T(momentum) * b : b;
    }
    p[i] = st<S>(pi - T(lr) * gi);
  }
}

// Adam flags: 1 amsgrad, 2 maximize, 4 decoupled weight decay (AdamW). `step_size` is
// lr / (1 - beta1^t) and `bc2_sqrt` is (1 - beta2^t)^0.5, computed on the host.
template <class S>
__device__ __forceinline__ void ember_adam(i64 n, S* p, const S* g, S* m, S* v, S* vmax, double lr, double beta1,
                                           double beta2, double eps, double weight_decay, double step_size,
                                           double bc2_sqrt, int flags) {
  typedef typename OpMath<S>::T T;
  const i64 step = (i64)blockDim.x * gridDim.x;
  for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    T gi = ld(g[i]);
    if (flags & 2) gi = -gi;
    T pi = ld(p[i]);
    if (weight_decay != 0.0) {
      if (flags & 4) pi = pi * T(1.0 - lr * weight_decay);
      else gi = gi + T(weight_decay) * pi;
    }
    T mi = ld(m[i]);
    mi = mi + (gi - mi) * T(1.0 - beta1);
    const T vi = ld(v[i]) * T(beta2) + T(1.0 - beta2) * gi * gi;
    m[i] = st<S>(mi);
    v[i] = st<S>(vi);
    T second = vi;
    if (flags & 1) {
      second = max_nan(ld(vmax[i]), vi);
      vmax[i] = st<S>(second);
    }
    const T denom = e_sqrt(second) / T(bc2_sqrt) + T(eps);
    p[i] = st<S>(pi - T(step_size) * mi / denom);
  }
}
