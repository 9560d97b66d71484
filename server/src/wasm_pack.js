// Linli (server/src/wasm_pack.rs): the WASM chunks in few requests. A chunk asked for is not fetched
// on its own: the chunks asked for in one turn of the event loop (a lazy route asks for all of its
// chunks at once) go out as one request, `pack/<build>/<ranges>` (a chunk alone too), answered with the chunks one after
// the other behind their lengths. The chunks of the page opened are already on their way, named by
// the page's `<link rel="preload" data-pack>`.
const __pkBase = new URL("./", import.meta.url);
const __pkWait = new Map();
let __pkBurst = null;
function __pkRanges(ix) {
    const out = [];
    for (let i = 0; i < ix.length; ) {
        let j = i;
        while (j + 1 < ix.length && ix[j + 1] === ix[j] + 1) j++;
        out.push(j > i ? `${ix[i]}-${ix[j]}` : `${ix[i]}`);
        i = j + 1;
    }
    return out.join(".");
}
function __pkIndexes(ranges) {
    const ix = [];
    for (const part of ranges.split(".")) {
        const [a, b] = part.split("-").map(Number);
        for (let i = a; i <= (b === undefined ? a : b); i++) ix.push(i);
    }
    return ix;
}
function __pkFetch(url, count) {
    return fetch(url).then((r) => {
        if (!r.ok) throw new Error(`${url}: ${r.status}`);
        return r.arrayBuffer();
    }).then((buf) => {
        const v = new DataView(buf);
        if (v.getUint32(0, true) !== count) throw new Error(`${url}: not ${count} modules`);
        const parts = [];
        let at = 4 + 4 * count;
        for (let k = 0; k < count; k++) {
            const len = v.getUint32(4 + 4 * k, true);
            parts.push(buf.slice(at, at + len));
            at += len;
        }
        return parts;
    });
}
function __pkKeep(i, one) {
    // A failed download is forgotten, so that asking again (a retried route) fetches again.
    one.catch(() => { if (__pkWait.get(i) === one) __pkWait.delete(i); });
    __pkWait.set(i, one);
    return one;
}
function __pk(i) {
    const known = __pkWait.get(i);
    if (known) return known;
    if (__pkBurst === null) {
        const burst = { ix: [] };
        burst.parts = new Promise((resolve) => queueMicrotask(() => {
            __pkBurst = null;
            const ix = burst.ix.sort((a, b) => a - b);
            const got = __pkFetch(new URL(`pack/${__pkBuild}/${__pkRanges(ix)}`, __pkBase), ix.length);
            resolve(got.then((parts) => new Map(ix.map((i, k) => [i, parts[k]]))));
        }));
        __pkBurst = burst;
    }
    __pkBurst.ix.push(i);
    return __pkKeep(i, __pkBurst.parts.then((m) => m.get(i)));
}
function __pkInstantiate(src, imports) {
    return src.then((bytes) => WebAssembly.instantiate(bytes, imports));
}
if (typeof document !== "undefined") {
    for (const link of document.querySelectorAll('link[rel="preload"][data-pack]')) {
        const ix = __pkIndexes(link.href.slice(link.href.lastIndexOf("/") + 1));
        const got = __pkFetch(link.href, ix.length);
        ix.forEach((i, k) => __pkKeep(i, got.then((parts) => parts[k])));
    }
}
