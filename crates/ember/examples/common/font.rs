//! The font the examples' plots are drawn with.

/// Registers the bundled DejaVu Sans as plotters' "sans-serif": the bitmap backend needs a
/// font it can load without a system font lookup.
pub fn register() -> Result<(), &'static str> {
    plotters::style::register_font(
        "sans-serif",
        plotters::style::FontStyle::Normal,
        include_bytes!("../assets/DejaVuSans.ttf"),
    )
    .map_err(|_| "could not load the bundled font")
}
