//! The UCI handwritten digits as scikit-learn ships them (`data/digits.csv.gz`): one image a
//! line, 64 pixel counts in `0..=16` (an 8x8 image, row by row) and then the digit.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::fmt;
use std::io::Read;

/// Pixels per image (8x8).
pub const FEATURES: usize = 64;
/// Digits 0 to 9.
pub const CLASSES: usize = 10;
/// The largest pixel count: each pixel counts the ink in a 4x4 block of the scanned form.
const MAX_PIXEL: f32 = 16.0;

/// The gzipped CSV, built into the program so that it runs from anywhere, offline.
pub const DIGITS_CSV_GZ: &[u8] = include_bytes!("../../data/digits.csv.gz");

/// One image, its pixels scaled to `[0, 1]`, and its digit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Row-major pixels in `[0, 1]`.
    pub pixels: [f32; FEATURES],
    /// The digit, `0..CLASSES`.
    pub label: usize,
}

/// Why the data could not be read. Lines are numbered from 1, columns from 1.
#[derive(Debug)]
pub enum DataError {
    /// The bytes are not gzip, or not UTF-8 text.
    Decode(std::io::Error),
    /// A line has the wrong number of comma-separated fields.
    FieldCount {
        /// The line.
        line: usize,
        /// How many fields it has (`FEATURES + 1` expected).
        found: usize,
    },
    /// A field is not a whole number.
    NotANumber {
        /// The line.
        line: usize,
        /// The field.
        column: usize,
        /// What the field holds.
        text: String,
    },
    /// A pixel count outside `0..=16`.
    PixelOutOfRange {
        /// The line.
        line: usize,
        /// The field.
        column: usize,
        /// The count found.
        value: u32,
    },
    /// A label that is not a digit `0..=9`.
    BadLabel {
        /// The line.
        line: usize,
        /// The label found.
        value: u32,
    },
    /// No samples at all.
    Empty,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Decode(e) => write!(f, "cannot decompress the data: {e}"),
            DataError::FieldCount { line, found } => write!(
                f,
                "line {line}: {found} fields, expected {} (64 pixels and a label)",
                FEATURES + 1
            ),
            DataError::NotANumber { line, column, text } => {
                write!(
                    f,
                    "line {line}, column {column}: {text:?} is not a whole number"
                )
            }
            DataError::PixelOutOfRange {
                line,
                column,
                value,
            } => write!(
                f,
                "line {line}, column {column}: pixel {value} outside 0..=16"
            ),
            DataError::BadLabel { line, value } => {
                write!(f, "line {line}: label {value} is not a digit 0..=9")
            }
            DataError::Empty => write!(f, "the data set has no samples"),
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DataError::Decode(e) => Some(e),
            _ => None,
        }
    }
}

/// Parses the CSV text: every non-empty line is one sample.
pub fn parse(text: &str) -> Result<Vec<Sample>, DataError> {
    let mut samples = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let fields: Vec<&str> = raw.split(',').collect();
        if fields.len() != FEATURES + 1 {
            return Err(DataError::FieldCount {
                line,
                found: fields.len(),
            });
        }
        let number = |column: usize| -> Result<u32, DataError> {
            let text = fields[column - 1].trim();
            text.parse().map_err(|_| DataError::NotANumber {
                line,
                column,
                text: text.to_string(),
            })
        };
        let mut pixels = [0.0; FEATURES];
        for (k, pixel) in pixels.iter_mut().enumerate() {
            let column = k + 1;
            let value = number(column)?;
            if value > MAX_PIXEL as u32 {
                return Err(DataError::PixelOutOfRange {
                    line,
                    column,
                    value,
                });
            }
            *pixel = value as f32 / MAX_PIXEL;
        }
        let label = number(FEATURES + 1)?;
        if label as usize >= CLASSES {
            return Err(DataError::BadLabel { line, value: label });
        }
        samples.push(Sample {
            pixels,
            label: label as usize,
        });
    }
    if samples.is_empty() {
        return Err(DataError::Empty);
    }
    Ok(samples)
}

/// Decompresses and parses gzipped CSV bytes.
pub fn parse_gz(bytes: &[u8]) -> Result<Vec<Sample>, DataError> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .map_err(DataError::Decode)?;
    parse(&text)
}

/// The 1,797 samples shipped with the repository.
pub fn digits() -> Result<Vec<Sample>, DataError> {
    parse_gz(DIGITS_CSV_GZ)
}

/// A stratified split: each digit's samples are shuffled (seeded, so every run splits the
/// same way) and the first `test_fraction` of them go to the test set. Returns `(train, test)`,
/// each shuffled.
pub fn split(samples: &[Sample], test_fraction: f64, seed: u64) -> (Vec<Sample>, Vec<Sample>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for digit in 0..CLASSES {
        let mut class: Vec<Sample> = samples
            .iter()
            .filter(|s| s.label == digit)
            .copied()
            .collect();
        class.shuffle(&mut rng);
        let n_test = (class.len() as f64 * test_fraction).round() as usize;
        test.extend_from_slice(&class[..n_test]);
        train.extend_from_slice(&class[n_test..]);
    }
    train.shuffle(&mut rng);
    test.shuffle(&mut rng);
    (train, test)
}
