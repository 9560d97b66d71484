//! What the server changes in a page's `<head>` on its way out (#12, the old phone):
//!
//! - the preloads of a page's WASM modules become one preload of their pack (`wasm_pack`);
//! - the stylesheet is written into the page (`<style nonce=…>`) instead of linked: a page opened
//!   cold no longer waits one more round trip (150 ms on the old phone's network, plus the
//!   request's place in the queue) for 3.4 KB before it can paint. The page's policy allows that
//!   one style element by the nonce it already gives its inline scripts; inline style attributes
//!   stay forbidden. Pages reached inside the app do not load HTML, so do not carry it again.
//!
//! Leptos writes the whole `<head>` in the first part of the response it streams; the rest of the
//! page passes through untouched.
use crate::wasm_pack::WasmPacks;
use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use futures_util::StreamExt;
use std::path::Path;
use std::sync::Arc;

/// What to change in pages' heads.
pub struct PageHead {
    pub packs: Option<Arc<WasmPacks>>,
    pub stylesheet: Option<Stylesheet>,
}

/// The site's stylesheet, to be written into pages.
pub struct Stylesheet {
    /// As pages link it: `/pkg/linli.<hash>.css`.
    href: String,
    css: String,
}

impl Stylesheet {
    /// The stylesheet in `pkg_dir` (cargo-leptos writes one, `<name>[.<hash>].css`), if there is
    /// exactly one and it can stand inside a `<style>` element.
    pub fn find(pkg_dir: &Path) -> Option<Stylesheet> {
        let mut found =
            std::fs::read_dir(pkg_dir).ok()?.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.ends_with(".css"));
        let name = found.next()?;
        if found.next().is_some() {
            return None;
        }
        let css = std::fs::read_to_string(pkg_dir.join(&name)).ok()?;
        Stylesheet::new(format!("/pkg/{name}"), css)
    }

    fn new(href: String, css: String) -> Option<Stylesheet> {
        (!css.to_ascii_lowercase().contains("</style")).then_some(Stylesheet { href, css })
    }

    /// `head` with the `<link rel="stylesheet">` of this stylesheet replaced by the stylesheet
    /// itself, carrying `nonce`; `None` if the head does not link it.
    fn inline(&self, head: &str, nonce: &str) -> Option<String> {
        let mut from = 0;
        while let Some(at) = head[from..].find("<link ").map(|i| i + from) {
            let end = at + head[at..].find('>')? + 1;
            let tag = &head[at..end];
            if tag.contains(r#"rel="stylesheet""#) && tag.contains(&format!(r#"href="{}""#, self.href)) {
                return Some(format!(r#"{}<style nonce="{nonce}">{}</style>{}"#, &head[..at], self.css, &head[end..]));
            }
            from = end;
        }
        None
    }
}

/// The nonce of a page's policy (its `script-src … 'nonce-…'`) and the policy with `style-src`
/// allowing elements that carry it, if the policy has both.
fn with_style_nonce(policy: &str) -> Option<(String, String)> {
    let nonce = policy.split("'nonce-").nth(1)?.split('\'').next()?;
    if nonce.is_empty() || !nonce.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=_-".contains(&b)) {
        return None;
    }
    let policy = policy.replacen("style-src 'self';", &format!("style-src 'self' 'nonce-{nonce}';"), 1);
    policy.contains(&format!("style-src 'self' 'nonce-{nonce}';")).then(|| (nonce.to_string(), policy))
}

/// Middleware: rewrites the head of every HTML page as above.
pub async fn rewrite(State(page): State<Arc<PageHead>>, req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let is_html = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if !is_html || response.headers().contains_key(header::CONTENT_ENCODING) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let mut stream = body.into_data_stream();
    let mut head: Vec<u8> = Vec::new();
    while !contains(&head, b"</head>") && head.len() < 256 * 1024 {
        match stream.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(e)) => return Response::from_parts(parts, Body::from_stream(futures_util::stream::once(async move { Err::<Bytes, _>(e) }))),
            None => break,
        }
    }
    let mut changed: Option<String> = None;
    if let Ok(text) = std::str::from_utf8(&head) {
        changed = page.packs.as_ref().and_then(|p| p.rewrite_head(text));
        let policy = parts.headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).and_then(with_style_nonce);
        if let (Some(sheet), Some((nonce, policy))) = (&page.stylesheet, policy)
            && let Ok(value) = HeaderValue::from_str(&policy)
            && let Some(inlined) = sheet.inline(changed.as_deref().unwrap_or(text), &nonce)
        {
            changed = Some(inlined);
            parts.headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    let head = match changed {
        Some(text) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Bytes::from(text)
        }
        None => Bytes::from(head),
    };
    let body = futures_util::stream::once(async move { Ok::<Bytes, axum::Error>(head) }).chain(stream);
    Response::from_parts(parts, Body::from_stream(body))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stylesheet_goes_into_the_page_with_the_policys_nonce() {
        let sheet = Stylesheet::new("/pkg/linli.h1.css".into(), "body{color:red}".into()).unwrap();
        let head = r#"<head><meta charset="utf-8"><link rel="stylesheet" id="leptos" href="/pkg/linli.h1.css"><title>t</title></head>"#;
        assert_eq!(sheet.inline(head, "n0NcE").unwrap(), r#"<head><meta charset="utf-8"><style nonce="n0NcE">body{color:red}</style><title>t</title></head>"#);
        // Another stylesheet, or none: left alone.
        assert_eq!(sheet.inline(r#"<head><link rel="stylesheet" href="/pkg/other.css"></head>"#, "n"), None);
        assert_eq!(sheet.inline(r#"<head><link rel="icon" href="/pkg/linli.h1.css"></head>"#, "n"), None);
        // A stylesheet that would end the element early is never written in.
        assert!(Stylesheet::new("/pkg/x.css".into(), "a{}</STYLE><script>".into()).is_none());

        let policy = app::ui::csp::page_policy("AbC+/9=");
        let (nonce, allowed) = with_style_nonce(&policy).unwrap();
        assert_eq!(nonce, "AbC+/9=");
        assert!(
            allowed.contains("style-src 'self' 'nonce-AbC+/9=';") && allowed.contains("script-src 'self' 'nonce-AbC+/9=' 'wasm-unsafe-eval';"),
            "{allowed}"
        );
        assert_eq!(allowed, policy.replace("style-src 'self';", "style-src 'self' 'nonce-AbC+/9=';"));
        // No nonce, or a policy without `style-src 'self';`: nothing to allow it by.
        assert_eq!(with_style_nonce("default-src 'none'; frame-ancestors 'none'"), None);
        assert_eq!(with_style_nonce("script-src 'nonce-abc'; style-src 'none';"), None);
        assert_eq!(with_style_nonce("script-src 'nonce-a\"b';"), None);
    }
}
