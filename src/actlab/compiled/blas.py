"""BLAS's gemm called from compiled (numba) code, on row-major matrices.

numba's ``np.dot`` copies arrays it cannot prove contiguous and takes no leading dimension, and
a ctypes function pointer in a compiled function keeps numba from caching it on disk (the
address changes from process to process). So the address of scipy's ``sgemm`` / ``dgemm``
(``scipy.linalg.cython_blas``: the Fortran interface of the BLAS scipy ships, OpenBLAS on PyPI)
is looked up once per process and passed in as an integer; ``gemm_call`` emits the call.

Row-major matrices seen by a column-major BLAS are transposed: C = op(A) op(B) is computed as
C^T = op(B)^T op(A)^T, i.e. ``gemm(tb, ta, n, m, k, alpha, B, ldb, A, lda, beta, C, ldc)``
with each leading dimension the row stride in elements (``rows_gemm``).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import get_cython_function_address, intrinsic

from ..activations.vecmath import typed

NO, TRANSPOSE = ord("N"), ord("T")


def gemm_address(dtype) -> int:
    """The address of scipy's sgemm (float32) or dgemm (float64)."""
    name = {"float32": "sgemm", "float64": "dgemm"}[np.dtype(dtype).name]
    return get_cython_function_address("scipy.linalg.cython_blas", name)


@intrinsic
def gemm_call(typingctx, addr, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
    """The Fortran gemm at ``addr``: every argument by pointer (scalars in stack slots);
    a, b, c are data addresses (``array.ctypes.data``), alpha and beta of the matrices' type."""
    sig = types.void(addr, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)

    def codegen(context, builder, signature, args):
        addr, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc = args
        i8, i32 = ir.IntType(8), ir.IntType(32)
        real = context.get_value_type(signature.args[6])
        p8, p32, preal = i8.as_pointer(), i32.as_pointer(), real.as_pointer()

        def slot(ty, value):
            ptr = cgutils.alloca_once(builder, ty)  # in the entry block: no growth in loops
            builder.store(value, ptr)
            return ptr

        def int32(value):
            return slot(i32, builder.trunc(value, i32))

        fnty = ir.FunctionType(
            ir.VoidType(), [p8, p8, p32, p32, p32, preal, preal, p32, preal, p32, preal, preal, p32]
        )
        fn = builder.inttoptr(addr, fnty.as_pointer())
        builder.call(
            fn,
            [
                slot(i8, builder.trunc(ta, i8)),
                slot(i8, builder.trunc(tb, i8)),
                int32(m),
                int32(n),
                int32(k),
                slot(real, alpha),
                builder.inttoptr(a, preal),
                int32(lda),
                builder.inttoptr(b, preal),
                int32(ldb),
                slot(real, beta),
                builder.inttoptr(c, preal),
                int32(ldc),
            ],
        )
        return context.get_dummy_value()

    return sig, codegen


@njit(inline="always")
def rows_gemm(addr, trans_a, trans_b, m, n, k, one, zero, a, lda, b, ldb, c, ldc):
    """C (m x n) = op(A) op(B) for row-major matrices at data addresses a, b, c with row
    strides lda, ldb, ldc (in elements); op is a transpose where trans_x is TRANSPOSE.
    ``one`` and ``zero``: 1 and 0 in the matrices' type (alpha and beta)."""
    gemm_call(addr, trans_b, trans_a, n, m, k, one, b, ldb, a, lda, zero, c, ldc)


@njit(inline="always")
def gemm(addr, trans_a, trans_b, a, b, c):
    """c = op(a) op(b) for 2-D row-major arrays whose rows are contiguous (a row stride of any
    length, as a minibatch's view of a gathered chunk has): rows_gemm with the shapes and
    leading dimensions read from the arrays."""
    m, n = c.shape
    k = a.shape[0] if trans_a == TRANSPOSE else a.shape[1]
    one, zero = typed(c[0, 0], 1.0), typed(c[0, 0], 0.0)
    rows_gemm(
        addr,
        trans_a,
        trans_b,
        m,
        n,
        k,
        one,
        zero,
        a.ctypes.data,
        a.strides[0] // a.itemsize,
        b.ctypes.data,
        b.strides[0] // b.itemsize,
        c.ctypes.data,
        c.strides[0] // c.itemsize,
    )
