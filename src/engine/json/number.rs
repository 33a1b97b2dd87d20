//! Decimal text to `f64` without the standard library's float parser, whose tables and
//! code are about 12 KB of the wasm. Exact (correctly rounded) for every number of up to
//! 15 significant digits with a decimal exponent within ±22, which covers what the engine
//! reads (indexes, times, pings, config values); beyond that within a few units in the last
//! place (at the very ends of the range, 1.79e308 and below 1e-307, it may round to infinity
//! or lose digits). The engine only decides on these values: a number read from JSON keeps its text,
//! which is what goes back to the page (see [`super::Number`]).

/// `10^0 ..= 10^22`, all exact in an `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// JavaScript's `Number(text)` for already trimmed text: a decimal literal (sign, digits,
/// optional fraction, optional exponent), `Infinity` with an optional sign, or an unsigned
/// `0x`/`0o`/`0b` integer; `None` for anything else (JavaScript's `NaN`). The empty text
/// is the caller's case (`Number("")` is 0).
pub fn js_decimal(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    if let Some(v) = radix_integer(b) {
        return Some(v);
    }
    let (neg, rest) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let magnitude = if rest == b"Infinity" { f64::INFINITY } else { unsigned_decimal(rest)? };
    Some(if neg { -magnitude } else { magnitude })
}

fn unsigned_decimal(b: &[u8]) -> Option<f64> {
    let mut i = 0;
    let mut mantissa: u64 = 0;
    let mut exponent: i64 = 0;
    let mut digits = false;
    let take = |d: u8, fraction: bool, mantissa: &mut u64, exponent: &mut i64| {
        // 19 significant digits fit a u64; later ones only move the exponent.
        if *mantissa < 1_000_000_000_000_000_000 {
            *mantissa = *mantissa * 10 + u64::from(d - b'0');
            if fraction {
                *exponent -= 1;
            }
        } else if !fraction {
            *exponent += 1;
        }
    };
    while let Some(&d @ b'0'..=b'9') = b.get(i) {
        take(d, false, &mut mantissa, &mut exponent);
        digits = true;
        i += 1;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while let Some(&d @ b'0'..=b'9') = b.get(i) {
            take(d, true, &mut mantissa, &mut exponent);
            digits = true;
            i += 1;
        }
    }
    if !digits {
        return None;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        let neg = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        let mut e: i64 = 0;
        while let Some(&d @ b'0'..=b'9') = b.get(i) {
            e = (e * 10 + i64::from(d - b'0')).min(1_000_000);
            i += 1;
        }
        if i == start {
            return None;
        }
        exponent += if neg { -e } else { e };
    }
    if i != b.len() {
        return None;
    }
    Some(scale(mantissa, exponent))
}

/// `mantissa × 10^exponent`.
fn scale(mantissa: u64, exponent: i64) -> f64 {
    if mantissa == 0 {
        return 0.0;
    }
    let m = mantissa as f64;
    // Both factors exact and one rounding: the correctly rounded result.
    if mantissa < (1 << 53) && exponent.unsigned_abs() < POW10.len() as u64 {
        let p = POW10[exponent.unsigned_abs() as usize];
        return if exponent < 0 { m / p } else { m * p };
    }
    let e = exponent.clamp(-400, 400) as i32;
    // Split so that neither factor overflows or underflows on its own.
    if e < 0 {
        m * 10f64.powi(e / 2) * 10f64.powi(e - e / 2)
    } else {
        m * 10f64.powi(e)
    }
}

/// `0x1F`, `0o17`, `0b11` (JavaScript's `Number` reads these; no sign allowed).
fn radix_integer(b: &[u8]) -> Option<f64> {
    let radix = match b.get(..2)? {
        b"0x" | b"0X" => 16,
        b"0o" | b"0O" => 8,
        b"0b" | b"0B" => 2,
        _ => return None,
    };
    let digits = &b[2..];
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0f64, |acc, &c| Some(acc * f64::from(radix) + f64::from((c as char).to_digit(radix)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the engine reads is exact, and the rest agrees with the standard parser to
    /// within rounding.
    #[test]
    fn decimals_read_as_javascript_reads_them() {
        for t in ["0", "1", "-2500", "0.1", "1.5", "2.5e3", "1e-7", "123456789012345", "9007199254740993", "1.5e300", "5e-324", "4.9e-324", "1e400", "0.000001234", "12345678901234567890123"] {
            let ours = js_decimal(t).unwrap();
            let std: f64 = t.parse().unwrap();
            let close = ours == std || ((ours - std) / std).abs() < 1e-15;
            assert!(close, "{t}: {ours} vs {std}");
        }
        for t in ["0.1", "1.5", "2.5e3", "1e-7", "123456789012345", "0.000001234", "1600000004000"] {
            assert_eq!(js_decimal(t), t.parse().ok(), "{t} is exact");
        }
        assert_eq!(js_decimal("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(js_decimal("0x1F"), Some(31.0));
        assert_eq!(js_decimal(".5"), Some(0.5));
        assert_eq!(js_decimal("5."), Some(5.0));
        for bad in ["", "-", "e5", "1e", "1e+", "inf", "NaN", "1x", "0x", "-0x1", "1.2.3", " 1"] {
            assert_eq!(js_decimal(bad), None, "{bad:?}");
        }
    }
}
