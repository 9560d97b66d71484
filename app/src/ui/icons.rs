//! The tab bar's icons: tiny inline SVGs (no icon font, no extra request).
use leptos::prelude::*;

/// Which icon to draw.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Icon {
    Home,
    Deliberation,
    Services,
    Activities,
    Me,
}

impl Icon {
    fn path(self) -> &'static str {
        match self {
            Icon::Home => "M3 11 12 4l9 7v9a1 1 0 0 1-1 1h-5v-6H9v6H4a1 1 0 0 1-1-1z",
            Icon::Deliberation => "M4 5h16v10H9l-5 4zM8 9h8M8 12h5",
            Icon::Services => "M12 21s-7-4.5-7-10a4 4 0 0 1 7-2.6A4 4 0 0 1 19 11c0 5.5-7 10-7 10z",
            Icon::Activities => "M12 3l2.6 5.3 5.9.9-4.3 4.1 1 5.8L12 16.4 6.8 19.1l1-5.8L3.5 9.2l5.9-.9z",
            Icon::Me => "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-8 9a8 8 0 0 1 16 0",
        }
    }
}

/// An icon drawn with the current text colour; decorative (the label carries the meaning).
#[component]
pub fn IconSvg(icon: Icon) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d=icon.path() fill="none" stroke="currentColor" stroke-width="1.8"
                stroke-linecap="round" stroke-linejoin="round"/>
        </svg>
    }
}
