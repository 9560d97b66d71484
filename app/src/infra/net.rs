//! The client's address behind reverse proxies (`LINLI_TRUSTED_PROXIES`).
//!
//! The rate limits (login codes, failed codes) count per client address. Behind a proxy the
//! socket's peer is the proxy, so every resident would share one bucket. The address a proxy
//! reports (`Forwarded: for=…`, RFC 7239, else `X-Forwarded-For`) is believed only when the peer
//! is one of the configured proxies — otherwise anyone could pick their own bucket by sending the
//! header. The list is read from the right (the hop nearest to us): addresses of trusted proxies
//! are skipped, and the first one that is not a trusted proxy is the client. With no proxies
//! configured, the headers are ignored.
use std::net::IpAddr;

/// Addresses or networks (`10.0.0.0/8`, `::1`) of the reverse proxies in front of the server.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses a comma-separated list of addresses and CIDR networks.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (addr, len) = match item.split_once('/') {
                Some((a, l)) => (a, Some(l)),
                None => (item, None),
            };
            let ip: IpAddr = addr.parse().map_err(|_| format!("{item:?} is not an address or a network"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let len = match len {
                Some(l) => l.parse::<u8>().ok().filter(|l| *l <= max).ok_or_else(|| format!("{item:?}: the prefix length must be 0..={max}"))?,
                None => max,
            };
            nets.push((ip, len));
        }
        Ok(TrustedProxies(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is one of the proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|&(net, len)| match (canonical(net), ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(u32::from(n).into(), u32::from(a).into(), len, 32),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(u128::from(n), u128::from(a), len, 128),
            _ => false,
        })
    }

    /// The client's address: `peer` itself unless `peer` is a trusted proxy, then the nearest
    /// address in the forwarding headers that is not a trusted proxy (or the farthest one, if all
    /// are). An unreadable header is not believed at all: the peer is the client then.
    pub fn client(&self, peer: IpAddr, headers: &http::HeaderMap) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let Some(chain) = forwarded_chain(headers) else { return peer };
        let mut client = peer;
        for hop in chain.into_iter().rev() {
            client = hop;
            if !self.contains(hop) {
                break;
            }
        }
        client
    }
}

fn prefix_eq(a: u128, b: u128, len: u8, bits: u32) -> bool {
    if len == 0 {
        return true;
    }
    let shift = bits - u32::from(len);
    (a >> shift) == (b >> shift)
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`, as dual-stack sockets report) is IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The addresses the proxies reported, farthest first: `Forwarded`'s `for=` parameters if that
/// header is present, else `X-Forwarded-For`. `None` if any element is not an address (`unknown`,
/// an obfuscated name, garbage): then nothing in it can be trusted.
fn forwarded_chain(headers: &http::HeaderMap) -> Option<Vec<IpAddr>> {
    let values = |name: &str| headers.get_all(name).iter().map(|v| v.to_str().ok()).collect::<Option<Vec<_>>>();
    let forwarded = values("forwarded")?;
    if !forwarded.is_empty() {
        let mut chain = Vec::new();
        for element in forwarded.iter().flat_map(|v| v.split(',')) {
            let node = element.split(';').filter_map(|p| p.trim().split_once('=')).find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))?.1;
            chain.push(parse_node(node.trim().trim_matches('"'))?);
        }
        return (!chain.is_empty()).then_some(chain);
    }
    let xff = values("x-forwarded-for")?;
    let chain = xff.iter().flat_map(|v| v.split(',')).map(|a| parse_node(a.trim())).collect::<Option<Vec<_>>>()?;
    (!chain.is_empty()).then_some(chain)
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]` or `[2001:db8::1]:4711`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse() {
        return Some(ip);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let (host, port) = node.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        for (k, v) in pairs {
            h.append(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), http::HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_addresses_and_networks_and_refuses_garbage() {
        let p = TrustedProxies::parse(" 10.0.0.0/8, 192.168.1.5 ,::1,2001:db8::/32").unwrap();
        assert!(p.contains(ip("10.200.3.4")) && !p.contains(ip("11.0.0.1")));
        assert!(p.contains(ip("192.168.1.5")) && !p.contains(ip("192.168.1.6")));
        assert!(p.contains(ip("::1")) && p.contains(ip("2001:db8:ffff::1")) && !p.contains(ip("2001:db9::1")));
        assert!(p.contains(ip("::ffff:10.1.2.3")), "an IPv4-mapped peer is IPv4");
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        for bad in ["proxy.local", "10.0.0.0/33", "::/129", "10.0.0.1/x"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn headers_are_believed_only_from_a_trusted_peer() {
        let none = TrustedProxies::default();
        let h = headers(&[("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(none.client(ip("198.51.100.1"), &h), ip("198.51.100.1"), "no proxies configured: headers ignored");
        let p = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(p.client(ip("198.51.100.1"), &h), ip("198.51.100.1"), "an untrusted peer cannot choose its address");
        assert_eq!(p.client(ip("10.0.0.2"), &h), ip("203.0.113.7"));
    }

    #[test]
    fn the_nearest_untrusted_hop_is_the_client() {
        let p = TrustedProxies::parse("10.0.0.0/8").unwrap();
        // The client put a fake address first; our two proxies appended what they saw.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.7, 10.0.0.9")]);
        assert_eq!(p.client(ip("10.0.0.2"), &h), ip("203.0.113.7"));
        // Split over several header lines, in order.
        let h = headers(&[("x-forwarded-for", "1.2.3.4"), ("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(p.client(ip("10.0.0.2"), &h), ip("203.0.113.7"));
        // Only proxies in the chain: the farthest.
        let h = headers(&[("x-forwarded-for", "10.0.0.5, 10.0.0.9")]);
        assert_eq!(p.client(ip("10.0.0.2"), &h), ip("10.0.0.5"));
    }

    #[test]
    fn forwarded_is_preferred_and_its_forms_are_read() {
        let p = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let h = headers(&[("forwarded", "for=1.2.3.4, for=\"[2001:db8:cafe::17]:4711\";proto=https"), ("x-forwarded-for", "9.9.9.9")]);
        assert_eq!(p.client(ip("10.0.0.2"), &h), ip("2001:db8:cafe::17"));
        let h = headers(&[("forwarded", "proto=https;For=203.0.113.7:8080")]);
        assert_eq!(p.client(ip("10.0.0.2"), &h), ip("203.0.113.7"));
    }

    #[test]
    fn unreadable_headers_are_not_believed() {
        let p = TrustedProxies::parse("10.0.0.0/8").unwrap();
        for value in ["unknown", "203.0.113.7, garbage", "", "_hidden"] {
            let h = headers(&[("x-forwarded-for", value)]);
            assert_eq!(p.client(ip("10.0.0.2"), &h), ip("10.0.0.2"), "{value:?}");
        }
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(p.client(ip("10.0.0.2"), &h), ip("10.0.0.2"));
    }
}
