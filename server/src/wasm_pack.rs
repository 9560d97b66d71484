//! The WASM chunks in few requests (#12, point 3).
//!
//! `cargo leptos build --split` cuts the WASM into a main module and ~400 small modules (a lazy
//! route's own code, and "chunks" of code that several routes share); a page opened directly used
//! to fetch 80–235 of them, each its own request, most under 2 KB, which on a slow link with a
//! 150 ms round trip is what made the pages slow. Here:
//!
//! - the split loader (`pkg/__wasm_split.<hash>.js`, written by wasm-split) is served rewritten:
//!   each module's `fetch` becomes `__pk(index)` (see `wasm_pack.js`), which gathers the modules
//!   asked for in one turn of the event loop into one request; and written small (`compact`: 44 KB
//!   brotli as wasm-split writes it for ~1,300 modules, every page opened cold loads it);
//! - `GET /pkg/pack/<build>/<ranges>` answers such a request: the modules, in index order, behind a
//!   little-endian `u32` count and one `u32` length each (brotli-compressed, cached);
//! - a page's `<link rel="preload">` for each of its modules (written by Leptos from the split
//!   manifest) become one `<link rel="preload" data-pack>` for all of them, which the loader takes up.
//!
//! A build id (the loader's content hash) in the pack's path makes packs of another build a 404, so
//! packs can be cached for good. Nothing here runs when the site was built without `--split`.
use axum::{
    Router,
    body::Bytes,
    extract::Path as UrlPath,
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The loader's runtime, put before its first loader.
const RUNTIME: &str = include_str!("wasm_pack.js");
/// Quality of packs compressed while a browser waits (fast; ~15 % larger than the best).
const QUICK_QUALITY: u32 = 5;
/// Quality of the packs a page names, compressed once in the background.
const BEST_QUALITY: u32 = 11;
/// Packs kept compressed; beyond this the cache starts over (a set of modules is a page's or a
/// navigation's, so a running site has a few dozen).
const CACHE_LIMIT: usize = 512;
/// The loader's name and a pack's path name their build: a changed build is a new URL.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The rewritten loader, the modules, and the packs compressed so far.
pub struct WasmPacks {
    /// The loader's hash, as in its file name: the build whose modules these are.
    build: String,
    /// `/pkg/__wasm_split.<hash>.js`.
    loader_path: String,
    loader: Bytes,
    loader_br: Bytes,
    /// The modules, in the loader's order, by name (`chunk_12.<hash>`) and content.
    names: Vec<String>,
    index: HashMap<String, u32>,
    modules: Vec<Bytes>,
    /// Brotli-compressed packs by their ranges, with whether they are at the best quality.
    cache: Mutex<HashMap<String, (Bytes, bool)>>,
    /// Ranges waiting for (or being given) the best compression, one at a time.
    upgrading: Mutex<Vec<String>>,
}

/// Why the split loader could not be taken up (the site is then served as built).
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("reading {0}: {1}")]
    Io(String, std::io::Error),
    #[error("the split loader has an unexpected shape: {0}")]
    Shape(&'static str),
}

impl WasmPacks {
    /// The split loader of the site whose `pkg` directory is `pkg_dir`, if it was built with
    /// `--split`: the one `hash.txt` names (next to the server binary), else the only one there.
    pub fn find(pkg_dir: &Path) -> Option<String> {
        let from_hashes = std::env::current_exe()
            .ok()
            .and_then(|exe| std::fs::read_to_string(exe.parent()?.join("hash.txt")).ok())
            .and_then(|hashes| hashes.lines().find_map(|line| line.trim().strip_prefix("split:").map(|h| format!("__wasm_split.{}.js", h.trim()))));
        if let Some(name) = from_hashes.filter(|n| pkg_dir.join(n).is_file()) {
            return Some(name);
        }
        let mut found = std::fs::read_dir(pkg_dir)
            .ok()?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with("__wasm_split.") && n.ends_with(".js") && !n.starts_with("__wasm_split_manifest"));
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// Reads the loader `loader_file` in `pkg_dir` and every module it names, and rewrites it.
    pub fn load(pkg_dir: &Path, loader_file: &str) -> Result<WasmPacks, PackError> {
        let read = |name: &str| std::fs::read(pkg_dir.join(name)).map_err(|e| PackError::Io(name.to_string(), e));
        let build = loader_file.strip_prefix("__wasm_split.").and_then(|n| n.strip_suffix(".js")).ok_or(PackError::Shape("file name"))?.to_string();
        let original = String::from_utf8(read(loader_file)?).map_err(|_| PackError::Shape("not UTF-8"))?;
        let (loader, names) = rewrite_loader(&original, &build)?;
        let modules = names.iter().map(|n| read(&format!("{n}.wasm")).map(Bytes::from)).collect::<Result<Vec<_>, _>>()?;
        let index = names.iter().enumerate().map(|(i, n)| (n.clone(), i as u32)).collect();
        Ok(WasmPacks {
            loader_path: format!("/pkg/{loader_file}"),
            loader_br: Bytes::from(compress(loader.as_bytes(), BEST_QUALITY)),
            loader: Bytes::from(loader),
            build,
            names,
            index,
            modules,
            cache: Mutex::new(HashMap::new()),
            upgrading: Mutex::new(Vec::new()),
        })
    }

    /// The rewritten loader and the packs, for the router.
    pub fn routes<S: Clone + Send + Sync + 'static>(self: &Arc<Self>) -> Router<S> {
        let loader = Arc::clone(self);
        let packs = Arc::clone(self);
        Router::new().route(&self.loader_path, get(move |headers: HeaderMap| async move { loader.serve_loader(&headers) })).route(
            "/pkg/pack/{build}/{ranges}",
            get(
                move |UrlPath((build, ranges)): UrlPath<(String, String)>, headers: HeaderMap| async move { packs.serve_pack(&build, &ranges, &headers).await },
            ),
        )
    }

    fn serve_loader(&self, headers: &HeaderMap) -> Response {
        if !accepts_br(headers) {
            // Rare (every browser that runs WASM takes brotli); the compression layer does gzip.
            let raw = self.loader.clone();
            return ([(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript")), (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE))], raw)
                .into_response();
        }
        encoded(self.loader_br.clone(), "text/javascript")
    }

    async fn serve_pack(self: &Arc<Self>, build: &str, ranges: &str, headers: &HeaderMap) -> Response {
        let Some(indexes) = (build == self.build).then(|| parse_ranges(ranges, self.names.len())).flatten() else {
            return StatusCode::NOT_FOUND.into_response();
        };
        if !accepts_br(headers) {
            let headers =
                [(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream")), (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE))];
            return (headers, self.pack(&indexes)).into_response();
        }
        let cached = self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(ranges).map(|(b, best)| (b.clone(), *best));
        let (body, best) = match cached {
            Some(c) => c,
            None => {
                let packs = Arc::clone(self);
                let key = ranges.to_string();
                let Ok(b) = tokio::task::spawn_blocking(move || {
                    let b = Bytes::from(compress(&packs.pack(&indexes), QUICK_QUALITY));
                    packs.remember(key, b.clone(), false);
                    b
                })
                .await
                else {
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                };
                (b, false)
            }
        };
        let mut response = encoded(body, "application/octet-stream");
        // Which compression went out (the weight test waits for the best before measuring).
        response.headers_mut().insert(HeaderName::from_static("x-pack-quality"), HeaderValue::from_static(if best { "best" } else { "quick" }));
        response
    }

    /// The modules `indexes`, behind their count and lengths.
    fn pack(&self, indexes: &[u32]) -> Vec<u8> {
        let total: usize = indexes.iter().map(|&i| self.modules[i as usize].len() + 4).sum();
        let mut out = Vec::with_capacity(4 + total);
        out.extend_from_slice(&(indexes.len() as u32).to_le_bytes());
        for &i in indexes {
            out.extend_from_slice(&(self.modules[i as usize].len() as u32).to_le_bytes());
        }
        for &i in indexes {
            out.extend_from_slice(&self.modules[i as usize]);
        }
        out
    }

    fn remember(&self, ranges: String, body: Bytes, best: bool) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_LIMIT && !cache.contains_key(&ranges) {
            cache.clear();
        }
        match cache.get(&ranges) {
            Some((_, true)) => {}
            _ => {
                cache.insert(ranges, (body, best));
            }
        }
    }

    /// The page's preloads of single modules, replaced by one preload of their pack (`head` is
    /// the start of a page, up to and with `</head>`). Returns `None` if there were none.
    pub fn rewrite_head(self: &Arc<Self>, head: &str) -> Option<String> {
        let mut out = String::with_capacity(head.len());
        let mut indexes = Vec::new();
        let mut first = None;
        let mut rest = head;
        while let Some(start) = rest.find("<link ") {
            let Some(len) = rest[start..].find('>') else { break };
            let tag = &rest[start..start + len + 1];
            out.push_str(&rest[..start]);
            match self.preloaded_module(tag) {
                Some(i) => {
                    indexes.push(i);
                    first.get_or_insert(out.len());
                }
                None => out.push_str(tag),
            }
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        let at = first?;
        indexes.sort_unstable();
        indexes.dedup();
        let ranges = format_ranges(&indexes);
        out.insert_str(at, &format!(r#"<link rel="preload" as="fetch" crossorigin href="/pkg/pack/{}/{ranges}" data-pack>"#, self.build));
        self.upgrade_later(ranges, indexes);
        Some(out)
    }

    /// The module a `<link rel="preload" href="/pkg/<module>.wasm">` names, if it is one of ours.
    fn preloaded_module(&self, tag: &str) -> Option<u32> {
        if !tag.contains(r#"rel="preload""#) {
            return None;
        }
        let href = tag.split(r#"href="/pkg/"#).nth(1)?.split('"').next()?;
        self.index.get(href.strip_suffix(".wasm")?).copied()
    }

    /// Compresses a pack a page names at the best quality, in the background, one pack at a time.
    fn upgrade_later(self: &Arc<Self>, ranges: String, indexes: Vec<u32>) {
        if matches!(self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(&ranges), Some((_, true))) {
            return;
        }
        let mut queue = self.upgrading.lock().unwrap_or_else(|e| e.into_inner());
        if queue.contains(&ranges) {
            return;
        }
        queue.push(ranges.clone());
        if queue.len() > 1 {
            return; // the worker already running takes it
        }
        drop(queue);
        let packs = Arc::clone(self);
        let mut next = Some((ranges, indexes));
        std::thread::spawn(move || {
            while let Some((ranges, indexes)) = next.take() {
                let body = Bytes::from(compress(&packs.pack(&indexes), BEST_QUALITY));
                packs.remember(ranges.clone(), body, true);
                let mut queue = packs.upgrading.lock().unwrap_or_else(|e| e.into_inner());
                queue.retain(|r| *r != ranges);
                next = queue.first().and_then(|r| Some((r.clone(), parse_ranges(r, packs.names.len())?)));
            }
        });
    }
}

/// The split loader with each module's fetch replaced by `__pk(index)` and the runtime added, and
/// the modules' names in index order.
fn rewrite_loader(original: &str, build: &str) -> Result<(String, Vec<String>), PackError> {
    const FETCH_START: &str = "fetch(new URL(\"./";
    const FETCH_END: &str = ".wasm\", import.meta.url))";
    const INSTANTIATE: &str = "WebAssembly.instantiateStreaming(src, imports)";
    let (import_line, body) = original.split_once('\n').ok_or(PackError::Shape("one line"))?;
    if !import_line.starts_with("import ") {
        return Err(PackError::Shape("no import line first"));
    }
    let mut names = Vec::new();
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find(FETCH_START) {
        let after = &rest[start + FETCH_START.len()..];
        let end = after.find(FETCH_END).ok_or(PackError::Shape("unterminated fetch"))?;
        let name = &after[..end];
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b)) {
            return Err(PackError::Shape("module name"));
        }
        out.push_str(&rest[..start]);
        out.push_str(&format!("__pk({})", names.len()));
        names.push(name.to_string());
        rest = &after[end + FETCH_END.len()..];
    }
    out.push_str(rest);
    if names.is_empty() || out.matches(INSTANTIATE).count() != names.len() {
        return Err(PackError::Shape("fetches and instantiations"));
    }
    let out = out.replace(INSTANTIATE, "__pkInstantiate(src, imports)");
    // wasm-split heads each module with a comment listing the routes that use it (~40 % of the
    // file): nothing reads them.
    let out: String = out.split_inclusive('\n').filter(|line| !(line.starts_with("/*") && line.trim_end().ends_with("*/"))).collect();
    let out = compact(&out).unwrap_or(out);
    // The browser fetches modules by index (`pack/<build>/<ranges>`); the names (without their
    // hashes, which do not compress) are there for whoever reads the loader, and the end-to-end
    // tests, which find a lazy route's module by its name.
    let short: Vec<&str> = names.iter().map(|n| n.rsplit_once('.').map_or(n.as_str(), |(name, _hash)| name)).collect();
    let table = serde_json::to_string(&short).map_err(|_| PackError::Shape("names"))?;
    let loader = format!("{import_line}\nconst __pkBuild = {build:?};\nconst __pkNames = {table};\n{RUNTIME}{out}");
    Ok((loader, names))
}

/// The loader's modules as wasm-split writes each one (after `__pk`): a `makeLoad` of its fetch and
/// its dependencies.
const MODULE_START: &str = "makeLoad(() => {\n    const src = __pk(";
const MODULE_END: &str = ");\n    return async (imports) => (__pkInstantiate(src, imports));\n}\n, [";

/// The loader in a few lines: wasm-split writes a loader of five lines for each of its ~1,300
/// modules and, for each lazy function, the list of the chunks it needs by their names (the file
/// was 857 KB, 44 KB brotli). Here the chunks' loaders are made when first needed, from their
/// index, and each lazy function lists its chunks as ranges (`__pkD("2.36-38")`). `None` when the
/// loader is not exactly in the shape this knows: chunks (`const __chunk_N = …`) without
/// dependencies, exported loaders depending on chunks only; it is then served as it is.
fn compact(body: &str) -> Option<String> {
    let first = [body.find("\nconst "), body.find("\nexport const ")].into_iter().flatten().min()? + 1;
    let (preamble, mut rest) = body.split_at(first);
    let mut chunks: HashMap<&str, u32> = HashMap::new();
    let mut exports = String::new();
    while !rest.is_empty() {
        let export = rest.starts_with("export const ");
        let after = rest.strip_prefix(if export { "export const " } else { "const " })?;
        let (name, after) = after.split_once(" = ")?;
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return None;
        }
        let after = if export { after.strip_prefix("wrapAsyncCb(")? } else { after };
        let (index, after) = after.strip_prefix(MODULE_START)?.split_once(MODULE_END)?;
        let index: u32 = number(index)?;
        let (deps, after) = after.split_once(']')?;
        rest = after.strip_prefix(if export { "));\n" } else { ");\n" })?;
        if !export {
            if !deps.is_empty() || chunks.insert(name, index).is_some() {
                return None;
            }
            continue;
        }
        let mut needs = if deps.is_empty() { Vec::new() } else { deps.split(", ").map(|d| chunks.get(d).copied()).collect::<Option<Vec<u32>>>()? };
        needs.sort_unstable();
        needs.dedup();
        let deps = if needs.is_empty() { "[]".to_string() } else { format!("__pkD(\"{}\")", format_ranges(&needs)) };
        exports.push_str(&format!("export const {name} = wrapAsyncCb(__pkL({index}, {deps}));\n"));
    }
    Some(format!(
        "{preamble}const __pkL = (i, deps) => makeLoad(() => {{ const src = __pk(i); return async (imports) => (__pkInstantiate(src, imports)); }}, deps);\n\
         const __pkChunks = [];\n\
         const __pkD = (r) => __pkIndexes(r).map((i) => __pkChunks[i] || (__pkChunks[i] = __pkL(i, [])));\n{exports}"
    ))
}

/// `0-3.7.9-12` for 0, 1, 2, 3, 7, 9, 10, 11, 12 (sorted, distinct).
pub fn format_ranges(indexes: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < indexes.len() {
        let mut j = i;
        while j + 1 < indexes.len() && indexes[j + 1] == indexes[j] + 1 {
            j += 1;
        }
        if !out.is_empty() {
            out.push('.');
        }
        if j > i {
            out.push_str(&format!("{}-{}", indexes[i], indexes[j]));
        } else {
            out.push_str(&indexes[i].to_string());
        }
        i = j + 1;
    }
    out
}

/// The indexes of `ranges`, if it is written as `format_ranges` writes it (so that one set has one
/// name, and one cache entry) and names only modules below `count`.
pub fn parse_ranges(ranges: &str, count: usize) -> Option<Vec<u32>> {
    let mut out: Vec<u32> = Vec::new();
    for part in ranges.split('.') {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => (number(part)?, number(part)?),
        };
        if a > b || (b as usize) >= count || out.last().is_some_and(|&l| a <= l) {
            return None;
        }
        out.extend(a..=b);
    }
    (format_ranges(&out) == ranges).then_some(out)
}

fn number(s: &str) -> Option<u32> {
    (!s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

fn accepts_br(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|coding| {
        let mut parts = coding.split(';');
        parts.next().is_some_and(|c| c.trim() == "br") && !parts.any(|p| p.trim().replace(' ', "") == "q=0")
    })
}

fn encoded(body: Bytes, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_ENCODING, HeaderValue::from_static("br")),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
            (header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE)),
        ],
        body,
    )
        .into_response()
}

fn compress(data: &[u8], quality: u32) -> Vec<u8> {
    let mut w = brotli::CompressorWriter::new(Vec::new(), 64 * 1024, quality, 22);
    w.write_all(data).expect("writing to memory");
    w.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_round_trip_and_only_one_spelling_is_accepted() {
        let cases: [&[u32]; 4] = [&[0], &[0, 1, 2, 3, 7, 9, 10, 11, 12], &[5, 7], &[1, 2]];
        for ix in cases {
            let r = format_ranges(ix);
            assert_eq!(parse_ranges(&r, 20).as_deref(), Some(ix), "{r}");
        }
        assert_eq!(format_ranges(&[0, 1, 2, 3, 7, 9, 10, 11, 12]), "0-3.7.9-12");
        for bad in ["", "1-1", "3.2", "2.2", "1-3.3", "0-2.3", "1.20", "a", "-1", "1-", "01", "1..2", "1-2-3", "0-1000000"] {
            assert_eq!(parse_ranges(bad, 20), None, "{bad:?}");
        }
    }

    /// A split loader as wasm-split writes it (shared with tests/http.rs).
    const LOADER: &str = include_str!("../tests/fixtures/split_loader.js");

    #[test]
    fn the_loader_fetches_through_the_packer_and_keeps_its_exports() {
        let (js, names) = rewrite_loader(LOADER, "B1").unwrap();
        assert_eq!(names, ["chunk_0.h0", "chunk_1.h2", "split_a.h1", "split_b.h3"]);
        assert!(
            js.starts_with(
                "import { initSync } from \"./linli.abc.js\";\nconst __pkBuild = \"B1\";\nconst __pkNames = [\"chunk_0\",\"chunk_1\",\"split_a\",\"split_b\"];\n"
            ),
            "{js}"
        );
        assert!(!js.contains("fetch(new URL(\"./") && !js.contains("instantiateStreaming(") && !js.contains("/* "), "{js}");
        // Written small: the lazy functions' loaders, each with the chunks it needs as ranges of
        // indexes; the chunks' own loaders are made from their index when first needed.
        assert!(
            js.ends_with(concat!(
                "function makeLoad(fetcher, deps) { return fetcher; }\n",
                "const __pkL = (i, deps) => makeLoad(() => { const src = __pk(i); return async (imports) => (__pkInstantiate(src, imports)); }, deps);\n",
                "const __pkChunks = [];\n",
                "const __pkD = (r) => __pkIndexes(r).map((i) => __pkChunks[i] || (__pkChunks[i] = __pkL(i, [])));\n",
                "export const __wasm_split_load_a = wrapAsyncCb(__pkL(2, __pkD(\"0\")));\n",
                "export const __wasm_split_load_b = wrapAsyncCb(__pkL(3, __pkD(\"0-1\")));\n",
            )),
            "{js}"
        );
        // In a shape `compact` does not know (a chunk with dependencies, a dependency that is not a
        // chunk), the loader is served as wasm-split wrote it, through the packer all the same.
        for other in [LOADER.replace("}\n, []);\n/* b */", "}\n, [__chunk_0]);\n/* b */"), LOADER.replace("[__chunk_1, __chunk_0]", "[__chunk_1, __chunk_9]")] {
            let (js, names) = rewrite_loader(&other, "B1").unwrap();
            assert_eq!(names.len(), 4);
            assert!(js.contains("const __chunk_1 = makeLoad(() => {\n    const src = __pk(1);") && !js.contains("__pkD("), "{js}");
            assert!(js.contains("export const __wasm_split_load_b = wrapAsyncCb(makeLoad(() => {\n    const src = __pk(3);"), "{js}");
        }
        // A shape it does not know at all is refused (the site is then served as built).
        assert!(rewrite_loader(&LOADER.replace("instantiateStreaming", "instantiate"), "B1").is_err());
        assert!(rewrite_loader(&LOADER.replace("chunk_0.h0", "../x\"y"), "B1").is_err());
    }

    fn site() -> (std::path::PathBuf, Arc<WasmPacks>) {
        let dir = std::env::temp_dir().join(format!("linli-pack-{}-{:?}", std::process::id(), std::thread::current().id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("__wasm_split.B1.js"), LOADER).unwrap();
        std::fs::write(dir.join("chunk_0.h0.wasm"), b"\0asm-zero").unwrap();
        std::fs::write(dir.join("chunk_1.h2.wasm"), b"\0asm-one!!").unwrap();
        std::fs::write(dir.join("split_a.h1.wasm"), b"\0asm-a").unwrap();
        std::fs::write(dir.join("split_b.h3.wasm"), b"\0asm-b").unwrap();
        assert_eq!(WasmPacks::find(&dir).as_deref(), Some("__wasm_split.B1.js"));
        let packs = Arc::new(WasmPacks::load(&dir, "__wasm_split.B1.js").unwrap());
        (dir, packs)
    }

    #[test]
    fn a_pages_module_preloads_become_one_pack_preload() {
        let (dir, packs) = site();
        let head = concat!(
            r#"<head><link rel="stylesheet" href="/pkg/linli.css"><link rel="modulepreload" href="/pkg/__wasm_split.B1.js">"#,
            r#"<link as="fetch" crossorigin="n" href="/pkg/split_a.h1.wasm" rel="preload" type="application/wasm">"#,
            r#"<link as="fetch" crossorigin="n" href="/pkg/other.wasm" rel="preload" type="application/wasm">"#,
            r#"<link as="fetch" crossorigin="n" href="/pkg/chunk_0.h0.wasm" rel="preload" type="application/wasm"><title>t</title></head>"#
        );
        let out = packs.rewrite_head(head).unwrap();
        assert_eq!(
            out,
            concat!(
                r#"<head><link rel="stylesheet" href="/pkg/linli.css"><link rel="modulepreload" href="/pkg/__wasm_split.B1.js">"#,
                r#"<link rel="preload" as="fetch" crossorigin href="/pkg/pack/B1/0.2" data-pack>"#,
                r#"<link as="fetch" crossorigin="n" href="/pkg/other.wasm" rel="preload" type="application/wasm">"#,
                r#"<title>t</title></head>"#
            )
        );
        assert_eq!(packs.rewrite_head("<head><link rel=\"icon\" href=\"/x.svg\"></head>"), None);
        // The pack is the modules behind their count and lengths.
        let pack = packs.pack(&[0, 1]);
        assert_eq!(&pack[..12], &[2, 0, 0, 0, 9, 0, 0, 0, 10, 0, 0, 0]);
        assert_eq!(&pack[12..], b"\0asm-zero\0asm-one!!");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
