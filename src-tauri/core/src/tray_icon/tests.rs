use super::*;

const PANELS: [(Theme, [u8; 3]); 2] = [(Theme::Light, [0xf0, 0xf0, 0xf0]), (Theme::Dark, [0x2b, 0x2b, 0x2b])];
const STATES: [IconState; 5] = [IconState::Ok, IconState::Low, IconState::Critical, IconState::Stale, IconState::Error];

fn figure(text: &str, state: IconState) -> Drawing {
    Drawing::Figure { text: text.into(), state }
}

/// WCAG relative luminance and contrast ratio.
fn luminance(c: [u8; 3]) -> f64 {
    let lin = |v: u8| {
        let v = v as f64 / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
}

fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn figures_are_short_and_never_round_up() {
    let cases = [
        (42.5, Unit::Usd, "$42"),
        (4.99, Unit::Usd, "$4"),
        (0.4, Unit::Usd, "$0"),
        (420.0, Unit::Usd, "420"),
        (1250.0, Unit::Credits, "1.2k"),
        (1299.0, Unit::Usd, "1.2k"),
        (12_345.0, Unit::Credits, "12k"),
        (2_500_000.0, Unit::Credits, "2.5M"),
        (1000.0, Unit::Credits, "1k"),
        (0.0, Unit::Credits, "0"),
        (20.0, Unit::Credits, "20"),
        (-2.5, Unit::Usd, "-3"),
        (-1500.0, Unit::Usd, "-1.5k"),
    ];
    for (v, unit, want) in cases {
        assert_eq!(compact(v, unit), want, "{v} {unit:?}");
        assert!(want.chars().count() <= 5);
    }
}

#[test]
fn two_figures_of_the_same_level_look_different_at_every_size() {
    for size in SIZES {
        for (theme, _) in PANELS {
            let a = render(&figure("$42", IconState::Ok), size, theme);
            let b = render(&figure("$41", IconState::Ok), size, theme);
            assert_ne!(a, b, "{size} px {theme:?}");
        }
    }
}

#[test]
fn stale_and_error_look_different_from_fresh() {
    for size in SIZES {
        let fresh = render(&figure("$42", IconState::Ok), size, Theme::Dark);
        assert_ne!(fresh, render(&figure("$42", IconState::Stale), size, Theme::Dark));
        assert_ne!(fresh, render(&figure("!", IconState::Error), size, Theme::Dark));
        assert_ne!(
            render(&figure("$42", IconState::Low), size, Theme::Dark),
            render(&figure("$42", IconState::Critical), size, Theme::Dark)
        );
    }
}

#[test]
fn text_stays_inside_the_icon_with_enough_contrast_on_light_and_dark_panels() {
    for (theme, panel) in PANELS {
        for state in STATES {
            let (pill, ink) = colours(state, theme);
            assert!(contrast(pill, ink) >= 4.5, "{state:?} {theme:?}: text on pill {:.2}", contrast(pill, ink));
            assert!(contrast(pill, panel) >= 3.0, "{state:?} {theme:?}: pill on panel {:.2}", contrast(pill, panel));
            for size in SIZES {
                for text in ["$42", "1.2k", "-1.5k", "0", "!"] {
                    let px = render(&figure(text, state), size, theme);
                    // Ink: pixels nearer the text's colour than the pill's.
                    let is_ink = |p: [u8; 4]| {
                        let d = |c: [u8; 3]| (0..3).map(|i| (p[i] as i32 - c[i] as i32).pow(2)).sum::<i32>();
                        p[3] > 0 && d(ink) < d(pill)
                    };
                    let mut inked = 0;
                    for y in 0..size {
                        for x in 0..size {
                            if is_ink(px.at(x, y)) {
                                inked += 1;
                                assert!(x > 0 && y > 0 && x < size - 1 && y < size - 1, "{text} at {size} px touches the edge at {x},{y}");
                            }
                        }
                    }
                    assert!(inked >= 3, "{text} at {size} px {theme:?}: no text drawn");
                    // The strongest ink pixel stands out from the pill.
                    let strongest = (0..size * size)
                        .map(|i| px.at(i % size, i / size))
                        .filter(|p| p[3] == 255)
                        .map(|p| contrast([p[0], p[1], p[2]], pill))
                        .fold(0.0, f64::max);
                    assert!(strongest >= 3.0, "{text} at {size} px {theme:?} {state:?}: contrast {strongest:.2}");
                }
            }
        }
    }
}

#[test]
fn the_gauge_fills_with_the_figure() {
    let filled = |px: &Pixels, state| {
        let pill = colours(state, Theme::Dark).0;
        px.rgba.chunks_exact(4).filter(|p| p[3] == 255 && p[..3] == pill).count()
    };
    let low = render(&Drawing::Gauge { fill: 0.2, state: IconState::Low }, 32, Theme::Dark);
    let high = render(&Drawing::Gauge { fill: 0.8, state: IconState::Low }, 32, Theme::Dark);
    assert!(filled(&high, IconState::Low) > 3 * filled(&low, IconState::Low));
    let empty = render(&Drawing::Gauge { fill: 0.0, state: IconState::Critical }, 32, Theme::Dark);
    assert_eq!(filled(&empty, IconState::Critical), 0);
}

#[test]
fn the_icon_is_redrawn_only_when_what_it_shows_changes() {
    let mut drawn = Drawn::default();
    assert!(drawn.update(&figure("$42", IconState::Ok), Theme::Dark));
    assert_eq!(drawn.pixels().len(), SIZES.len());
    let first = drawn.pixels().to_vec();
    assert!(!drawn.update(&figure("$42", IconState::Ok), Theme::Dark), "same figure: nothing drawn");
    assert_eq!(drawn.pixels(), &first[..]);
    assert!(drawn.update(&figure("$41", IconState::Ok), Theme::Dark));
    assert!(drawn.update(&figure("$41", IconState::Low), Theme::Dark));
    assert!(drawn.update(&figure("$41", IconState::Low), Theme::Light));
}
