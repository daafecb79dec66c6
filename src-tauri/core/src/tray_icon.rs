//! The tray icon's pixels, drawn from what it shows: a pure function of the figure,
//! its state, the size and the panel's theme, tested without a display.
//!
//! The figure (`$42`, `1.2k`, `-3`) is written in a pill of the state's colour, so it
//! reads on light and dark panels alike; a stale figure's pill is grey, an error is
//! a red `!`. The gauge mode fills a bar instead. Text is rendered with `ab_glyph`
//! from the digits of DejaVu Sans Condensed Bold embedded in the binary.

use crate::billing::Unit;
use crate::snapshot::IconState;
use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

/// The pixel sizes served to the tray host; it picks the one that fits its panel.
pub const SIZES: [u32; 6] = [16, 22, 24, 32, 48, 64];

const FONT: &[u8] = include_bytes!("../../../icons/fonts/DejaVuSansCondensed-Bold-figures.ttf");

/// The panel the icon sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Theme {
    Light,
    Dark,
}

/// What the tray icon shows, besides the plain app icon.
#[derive(Debug, Clone, PartialEq)]
pub enum Drawing {
    /// A compact figure in a pill of the state's colour.
    Figure { text: String, state: IconState },
    /// A bar filled to `fill` (0 to 1) in the state's colour.
    Gauge { fill: f64, state: IconState },
}

/// An RGBA image, row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct Pixels {
    pub size: u32,
    pub rgba: Vec<u8>,
}

impl Pixels {
    pub fn at(&self, x: u32, y: u32) -> [u8; 4] {
        let i = ((y * self.size + x) * 4) as usize;
        [self.rgba[i], self.rgba[i + 1], self.rgba[i + 2], self.rgba[i + 3]]
    }
}

/// The short form of a figure for the icon: at most four characters, rounded down
/// (an icon never promises more than there is): `$42`, `$4`, `420`, `1.2k`, `12k`,
/// `1.2M`, `0`, `-3`. The tooltip keeps the exact figure.
pub fn compact(remaining: f64, unit: Unit) -> String {
    let v = remaining.floor();
    let a = v.abs();
    let sign = if v < 0.0 { "-" } else { "" };
    let scaled = |div: f64, suffix: &str| {
        let x = a / div;
        if x < 10.0 {
            format!("{sign}{:.1}{suffix}", (x * 10.0).floor() / 10.0).replace(".0", "")
        } else {
            format!("{sign}{}{suffix}", x.floor())
        }
    };
    match a {
        a if a >= 1e6 => scaled(1e6, "M"),
        a if a >= 1e3 => scaled(1e3, "k"),
        a if unit == Unit::Usd && a < 100.0 && v >= 0.0 => format!("${a}"),
        a => format!("{sign}{a}"),
    }
}

/// The pill's colour and the text's, for a state on a theme's panel. Each pair keeps
/// a contrast of at least 4.5:1, and each pill at least 3:1 against the panel.
pub fn colours(state: IconState, theme: Theme) -> ([u8; 3], [u8; 3]) {
    const WHITE: [u8; 3] = [0xff, 0xff, 0xff];
    const INK: [u8; 3] = [0x1a, 0x1a, 0x1a];
    match (state, theme) {
        (IconState::Ok, Theme::Light) => ([0x1e, 0x7f, 0x3c], WHITE),
        (IconState::Ok, Theme::Dark) => ([0x43, 0xb6, 0x5f], INK),
        (IconState::Low, Theme::Light) => ([0x9a, 0x5b, 0x00], WHITE),
        (IconState::Low, Theme::Dark) => ([0xf0, 0xb4, 0x00], INK),
        (IconState::Critical | IconState::Error, Theme::Light) => ([0xc6, 0x28, 0x28], WHITE),
        (IconState::Critical | IconState::Error, Theme::Dark) => ([0xef, 0x53, 0x50], INK),
        (IconState::Stale | IconState::NoAccount, Theme::Light) => ([0x6b, 0x6b, 0x6b], WHITE),
        (IconState::Stale | IconState::NoAccount, Theme::Dark) => ([0x9e, 0x9e, 0x9e], INK),
    }
}

/// Draws `drawing` at `size` × `size` pixels for a `theme` panel.
pub fn render(drawing: &Drawing, size: u32, theme: Theme) -> Pixels {
    let mut px = Pixels { size, rgba: vec![0; (size * size * 4) as usize] };
    let s = size as f32;
    match drawing {
        Drawing::Figure { text, state } => {
            let (pill, ink) = colours(*state, theme);
            let (height, radius) = ((s * 0.72).round(), (s * 0.18).round());
            let top = ((s - height) / 2.0).floor();
            fill_rounded(&mut px, 0.0, top, s, height, radius, pill);
            let pad = (s * 0.08).max(1.0);
            draw_text(&mut px, text, pad, top + pad * 0.6, s - 2.0 * pad, height - pad * 1.2, ink);
        }
        Drawing::Gauge { fill, state } => {
            // A battery-like frame in the stale grey, filled from the bottom.
            let (pill, _) = colours(*state, theme);
            let frame = colours(IconState::Stale, theme).0;
            let (w, inset) = ((s * 0.5).round(), (s * 0.1).max(1.0).round());
            let left = ((s - w) / 2.0).floor();
            fill_rounded(&mut px, left, 0.0, w, s, (s * 0.1).round(), frame);
            let inner = s - 2.0 * inset;
            clear(&mut px, left + inset, inset, w - 2.0 * inset, inner);
            let level = (inner * fill.clamp(0.0, 1.0) as f32).round();
            fill_rounded(&mut px, left + inset, inset + inner - level, w - 2.0 * inset, level, 0.0, pill);
        }
    }
    px
}

/// The icon at every size, redrawn only when what it shows changes (a new poll with
/// the same compact figure draws nothing and sends the tray host nothing).
#[derive(Debug, Default)]
pub struct Drawn {
    key: Option<(Drawing, Theme)>,
    pixels: Vec<Pixels>,
}

impl Drawn {
    /// Draws `drawing` at every size unless it is drawn already; true when it redrew.
    pub fn update(&mut self, drawing: &Drawing, theme: Theme) -> bool {
        if self.key.as_ref().is_some_and(|(d, t)| d == drawing && *t == theme) {
            return false;
        }
        self.pixels = SIZES.iter().map(|&size| render(drawing, size, theme)).collect();
        self.key = Some((drawing.clone(), theme));
        true
    }

    /// Forgets the drawing (the plain icon is shown instead).
    pub fn clear(&mut self) {
        self.key = None;
        self.pixels.clear();
    }

    pub fn pixels(&self) -> &[Pixels] {
        &self.pixels
    }
}

/// Paints a rounded rectangle with anti-aliased corners over what is there.
fn fill_rounded(px: &mut Pixels, x: f32, y: f32, w: f32, h: f32, r: f32, rgb: [u8; 3]) {
    if w <= 0.0 || h <= 0.0 {
        return;
    }
    for py in 0..px.size {
        for pxx in 0..px.size {
            // Coverage by 4×4 supersampling.
            let mut hits = 0;
            for sy in 0..4 {
                for sx in 0..4 {
                    let (cx, cy) = (pxx as f32 + (sx as f32 + 0.5) / 4.0, py as f32 + (sy as f32 + 0.5) / 4.0);
                    if inside_rounded(cx, cy, x, y, w, h, r) {
                        hits += 1;
                    }
                }
            }
            if hits > 0 {
                blend(px, pxx, py, rgb, hits as f32 / 16.0);
            }
        }
    }
}

fn inside_rounded(cx: f32, cy: f32, x: f32, y: f32, w: f32, h: f32, r: f32) -> bool {
    if cx < x || cy < y || cx > x + w || cy > y + h {
        return false;
    }
    let r = r.min(w / 2.0).min(h / 2.0);
    let nx = cx.clamp(x + r, x + w - r);
    let ny = cy.clamp(y + r, y + h - r);
    (cx - nx).powi(2) + (cy - ny).powi(2) <= r * r
}

/// Makes a whole-pixel rectangle transparent again.
fn clear(px: &mut Pixels, x: f32, y: f32, w: f32, h: f32) {
    let (x0, y0) = (x.max(0.0) as u32, y.max(0.0) as u32);
    let (x1, y1) = (((x + w) as u32).min(px.size), ((y + h) as u32).min(px.size));
    for yy in y0..y1 {
        for xx in x0..x1 {
            let i = ((yy * px.size + xx) * 4) as usize;
            px.rgba[i..i + 4].copy_from_slice(&[0, 0, 0, 0]);
        }
    }
}

/// Source-over blending of `rgb` at `alpha` onto a pixel.
fn blend(px: &mut Pixels, x: u32, y: u32, rgb: [u8; 3], alpha: f32) {
    let i = ((y * px.size + x) * 4) as usize;
    let dst_a = px.rgba[i + 3] as f32 / 255.0;
    let out_a = alpha + dst_a * (1.0 - alpha);
    if out_a <= 0.0 {
        return;
    }
    for (c, src) in rgb.iter().enumerate() {
        let d = px.rgba[i + c] as f32;
        px.rgba[i + c] = ((*src as f32 * alpha + d * dst_a * (1.0 - alpha)) / out_a).round() as u8;
    }
    px.rgba[i + 3] = (out_a * 255.0).round() as u8;
}

/// Writes `text` centred in the box, as large as fits.
fn draw_text(px: &mut Pixels, text: &str, x: f32, y: f32, w: f32, h: f32, rgb: [u8; 3]) {
    let font = FontRef::try_from_slice(FONT).expect("the embedded font is valid");
    // Lay out at a reference scale, then scale to fit both width and height.
    let measure = |scale: f32| {
        let f = font.as_scaled(PxScale::from(scale));
        text.chars().map(|c| f.h_advance(f.glyph_id(c))).sum::<f32>()
    };
    let w0 = measure(100.0);
    // Figures are digits and signs: their height is the font's cap height, ~0.73 em.
    let cap = 0.73;
    let scale = (w / w0 * 100.0).min(h / cap).max(4.0);
    let scaled = font.as_scaled(PxScale::from(scale));
    let width = measure(scale);
    let mut pen = x + (w - width) / 2.0;
    let baseline = y + (h + cap * scale) / 2.0;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        let glyph = id.with_scale_and_position(PxScale::from(scale), ab_glyph::point(pen, baseline));
        pen += scaled.h_advance(id);
        if let Some(outline) = font.outline_glyph(glyph) {
            let b = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let (tx, ty) = (b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32);
                if tx >= 0 && ty >= 0 && (tx as u32) < px.size && (ty as u32) < px.size && coverage > 0.0 {
                    blend(px, tx as u32, ty as u32, rgb, coverage.min(1.0));
                }
            });
        }
    }
}

#[cfg(test)]
mod tests;
