//! QR codes of check-in codes (a booking's, an activity sign-up's, a volunteer's), as SVG drawn on
//! the server: on the resident's phone and on printed slips, read by the desk's camera.

/// The QR code of `code`, as an SVG document (empty if it cannot be encoded).
pub fn svg(code: &str) -> String {
    use qrcode::render::svg;
    match qrcode::QrCode::with_error_correction_level(code.as_bytes(), qrcode::EcLevel::M) {
        Ok(q) => q.render::<svg::Color>().min_dimensions(200, 200).quiet_zone(true).dark_color(svg::Color("#000")).light_color(svg::Color("#fff")).build(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_code_becomes_an_svg_with_dark_modules() {
        let s = super::svg("K7Q2MX");
        assert!(s.contains("<svg"), "{s}");
        assert!(s.contains("#000"), "{s}");
        assert_ne!(s, super::svg("K7Q2MY"), "different codes, different pictures");
    }
}
