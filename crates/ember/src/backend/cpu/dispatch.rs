//! The one place the CPU backend matches on dtypes: each macro binds a type alias to the
//! Rust element type of a runtime `DType` and evaluates its body once per arm.

/// Every dtype.
macro_rules! with_dtype {
    ($dt:expr, $T:ident => $body:expr) => {{
        use $crate::DType;
        match $dt {
            DType::Bool => {
                type $T = bool;
                $body
            }
            DType::U8 => {
                type $T = u8;
                $body
            }
            DType::I8 => {
                type $T = i8;
                $body
            }
            DType::I16 => {
                type $T = i16;
                $body
            }
            DType::I32 => {
                type $T = i32;
                $body
            }
            DType::I64 => {
                type $T = i64;
                $body
            }
            DType::F16 => {
                type $T = half::f16;
                $body
            }
            DType::BF16 => {
                type $T = half::bf16;
                $body
            }
            DType::F32 => {
                type $T = f32;
                $body
            }
            DType::F64 => {
                type $T = f64;
                $body
            }
        }
    }};
}

/// Float dtypes; `$other` is evaluated for the rest.
macro_rules! with_float {
    ($dt:expr, $T:ident => $body:expr, _ => $other:expr) => {{
        use $crate::DType;
        match $dt {
            DType::F16 => {
                type $T = half::f16;
                $body
            }
            DType::BF16 => {
                type $T = half::bf16;
                $body
            }
            DType::F32 => {
                type $T = f32;
                $body
            }
            DType::F64 => {
                type $T = f64;
                $body
            }
            _ => $other,
        }
    }};
}

/// Integer dtypes (not bool); `$other` is evaluated for the rest.
macro_rules! with_int {
    ($dt:expr, $T:ident => $body:expr, _ => $other:expr) => {{
        use $crate::DType;
        match $dt {
            DType::U8 => {
                type $T = u8;
                $body
            }
            DType::I8 => {
                type $T = i8;
                $body
            }
            DType::I16 => {
                type $T = i16;
                $body
            }
            DType::I32 => {
                type $T = i32;
                $body
            }
            DType::I64 => {
                type $T = i64;
                $body
            }
            _ => $other,
        }
    }};
}

/// The dtypes faer factorizes (f32, f64); `$other` is evaluated for the rest.
macro_rules! with_faer {
    ($dt:expr, $T:ident => $body:expr, _ => $other:expr) => {{
        use $crate::DType;
        match $dt {
            DType::F32 => {
                type $T = f32;
                $body
            }
            DType::F64 => {
                type $T = f64;
                $body
            }
            _ => $other,
        }
    }};
}

pub(crate) use {with_dtype, with_faer, with_float, with_int};
