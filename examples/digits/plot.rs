//! The training curves as a PNG: loss on the left, accuracy on the right, train in blue and test
//! in red.
//!
//! plotters draws text through a font library that needs the system's fonts; so that the example
//! builds and runs anywhere, it is built without one, and the few labels here are drawn pixel by
//! pixel from a 3x5 font of their own.

use super::model::EpochReport;
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use std::error::Error;
use std::path::Path;

const WIDTH: u32 = 1200;
const HEIGHT: u32 = 480;
/// Each font pixel is a square of this many image pixels.
const SCALE: i32 = 3;
const TRAIN: RGBColor = RGBColor(31, 119, 180);
const TEST: RGBColor = RGBColor(214, 39, 40);
const GRID: RGBColor = RGBColor(225, 225, 225);

/// Writes the curves of `history` to `path`.
pub fn curves(history: &[EpochReport], path: &Path) -> Result<(), Box<dyn Error>> {
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    draw(history, &mut rgb)?;
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    Ok(())
}

/// Draws the curves into an RGB buffer of `WIDTH * HEIGHT` pixels.
fn draw(history: &[EpochReport], rgb: &mut [u8]) -> Result<(), Box<dyn Error>> {
    let root = BitMapBackend::with_buffer(rgb, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(WIDTH / 2);
    let epochs = history.len().max(1) as f32;
    let loss_max = history
        .iter()
        .map(|r| r.train.loss.max(r.test.loss))
        .fold(0.0f32, f32::max);
    panel(
        &left,
        "LOSS",
        history,
        |m| m.loss,
        (0.0, nice_ceiling(loss_max)),
        5,
        epochs,
    )?;
    let acc_min = history
        .iter()
        .map(|r| r.train.accuracy.min(r.test.accuracy) * 100.0)
        .fold(100.0f32, f32::min);
    // Grid lines every 5%.
    let acc_floor = (acc_min / 10.0).floor() * 10.0;
    panel(
        &right,
        "ACCURACY %",
        history,
        |m| m.accuracy * 100.0,
        (acc_floor, 100.0),
        ((100.0 - acc_floor) / 5.0) as usize,
        epochs,
    )?;
    root.present()?;
    Ok(())
}

/// The smallest of 1, 2 or 5 times a power of ten that is at least `x`.
fn nice_ceiling(x: f32) -> f32 {
    let p = 10f32.powf(x.max(1e-6).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&v| v >= x)
        .unwrap_or(10.0 * p)
}

/// One chart: a frame, grid lines with their values, the two curves, a title and a legend.
fn panel(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    title: &str,
    history: &[EpochReport],
    value: impl Fn(&super::model::Metrics) -> f32,
    (y0, y1): (f32, f32),
    divisions: usize,
    epochs: f32,
) -> Result<(), Box<dyn Error>> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(50)
        .margin_right(30)
        .margin_left(70)
        .margin_bottom(45)
        .build_cartesian_2d(1.0f32..epochs.max(2.0), y0..y1)?;
    let spec = chart.as_coord_spec().clone();
    let px = |x: f32, y: f32| spec.translate(&(x, y));
    // Offsets of the area in the image, to place text in image pixels.
    let (ox, oy) = area.get_base_pixel();

    for k in 0..=divisions {
        let y = y0 + (y1 - y0) * k as f32 / divisions as f32;
        chart.draw_series(LineSeries::new([(1.0, y), (epochs.max(2.0), y)], GRID))?;
        let (x, yy) = px(1.0, y);
        let label = format!("{y:.*}", if y1 - y0 < 5.0 { 2 } else { 0 });
        text(area, &label, x - ox - 8, yy - oy, Align::Right, &BLACK)?;
    }
    // Epoch 1, then every fifth.
    for e in std::iter::once(1).chain((5..=epochs as usize).step_by(5)) {
        let (x, y) = px(e as f32, y0);
        text(
            area,
            &e.to_string(),
            x - ox,
            y - oy + 16,
            Align::Center,
            &BLACK,
        )?;
    }
    let (x, y) = px(1.0, y0);
    let (x1, y_top) = px(epochs.max(2.0), y1);
    area.draw(&Rectangle::new(
        [(x - ox, y_top - oy), (x1 - ox, y - oy)],
        BLACK.stroke_width(1),
    ))?;
    text(
        area,
        "EPOCH",
        (x + x1) / 2 - ox,
        y - oy + 34,
        Align::Center,
        &BLACK,
    )?;
    text(area, title, x - ox, y_top - oy - 24, Align::Left, &BLACK)?;
    text(
        area,
        "TRAIN",
        x1 - ox - 80,
        y_top - oy - 24,
        Align::Right,
        &TRAIN,
    )?;
    text(area, "TEST", x1 - ox, y_top - oy - 24, Align::Right, &TEST)?;

    for (color, pick) in [
        (
            TRAIN,
            &(|r: &EpochReport| value(&r.train)) as &dyn Fn(&EpochReport) -> f32,
        ),
        (TEST, &|r: &EpochReport| value(&r.test)),
    ] {
        chart.draw_series(LineSeries::new(
            history.iter().map(|r| (r.epoch as f32, pick(r))),
            color.stroke_width(2),
        ))?;
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Center,
    Right,
}

/// Draws `s` with its vertical middle at `y`, in the 3x5 font.
fn text(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    s: &str,
    x: i32,
    y: i32,
    align: Align,
    color: &RGBColor,
) -> Result<(), Box<dyn Error>> {
    let advance = 4 * SCALE;
    let width = s.chars().count() as i32 * advance - SCALE;
    let left = match align {
        Align::Left => x,
        Align::Center => x - width / 2,
        Align::Right => x - width,
    };
    let top = y - 5 * SCALE / 2;
    for (i, c) in s.chars().enumerate() {
        let rows = glyph(c);
        for (r, bits) in rows.iter().enumerate() {
            for col in 0..3 {
                if bits & (0b100 >> col) != 0 {
                    let gx = left + i as i32 * advance + col * SCALE;
                    let gy = top + r as i32 * SCALE;
                    area.draw(&Rectangle::new(
                        [(gx, gy), (gx + SCALE, gy + SCALE)], // the far corner is excluded
                        color.filled(),
                    ))?;
                }
            }
        }
    }
    Ok(())
}

/// Five rows of three pixels, the high bit on the left; unknown characters are blank.
fn glyph(c: char) -> [u8; 5] {
    match c.to_ascii_uppercase() {
        '0' => [0b111, 0b101, 0b101, 0b101, 0b111],
        '1' => [0b010, 0b110, 0b010, 0b010, 0b111],
        '2' => [0b111, 0b001, 0b111, 0b100, 0b111],
        '3' => [0b111, 0b001, 0b111, 0b001, 0b111],
        '4' => [0b101, 0b101, 0b111, 0b001, 0b001],
        '5' => [0b111, 0b100, 0b111, 0b001, 0b111],
        '6' => [0b111, 0b100, 0b111, 0b101, 0b111],
        '7' => [0b111, 0b001, 0b001, 0b010, 0b010],
        '8' => [0b111, 0b101, 0b111, 0b101, 0b111],
        '9' => [0b111, 0b101, 0b111, 0b001, 0b111],
        '.' => [0b000, 0b000, 0b000, 0b000, 0b010],
        '%' => [0b101, 0b001, 0b010, 0b100, 0b101],
        '-' => [0b000, 0b000, 0b111, 0b000, 0b000],
        'A' => [0b010, 0b101, 0b111, 0b101, 0b101],
        'C' => [0b011, 0b100, 0b100, 0b100, 0b011],
        'E' => [0b111, 0b100, 0b110, 0b100, 0b111],
        'H' => [0b101, 0b101, 0b111, 0b101, 0b101],
        'I' => [0b111, 0b010, 0b010, 0b010, 0b111],
        'L' => [0b100, 0b100, 0b100, 0b100, 0b111],
        'N' => [0b110, 0b101, 0b101, 0b101, 0b101],
        'O' => [0b010, 0b101, 0b101, 0b101, 0b010],
        'P' => [0b110, 0b101, 0b110, 0b100, 0b100],
        'R' => [0b110, 0b101, 0b110, 0b101, 0b101],
        'S' => [0b011, 0b100, 0b010, 0b001, 0b110],
        'T' => [0b111, 0b010, 0b010, 0b010, 0b010],
        'U' => [0b101, 0b101, 0b101, 0b101, 0b111],
        'Y' => [0b101, 0b101, 0b010, 0b010, 0b010],
        _ => [0; 5],
    }
}
