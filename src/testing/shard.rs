//! `ws test --shard K/N`: the K-th of N disjoint parts of a suite, for CI
//! machines that each run one. A test lands in part `hash(name) mod N + 1`,
//! where the name is `file.rhai::test_name` (or `file.rhai` for a whole
//! file) and the hash is 64-bit FNV-1a of its UTF-8 bytes: fixed by this
//! file, so the same test lands in the same part on every machine, with
//! every version, however the suite grows.

use std::fmt;
use std::str::FromStr;

/// One part of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which part, from 1.
    pub index: u32,
    /// How many parts.
    pub count: u32,
}

impl Shard {
    /// Parses `K/N` (1 ≤ K ≤ N), for clap.
    pub fn parse(text: &str) -> Result<Shard, String> {
        text.parse()
    }

    /// Whether the test named `name` is in this part.
    pub fn holds(&self, name: &str) -> bool {
        fnv1a(name.as_bytes()) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let bad = || format!("{text:?} is not a part: write K/N with 1 ≤ K ≤ N, like 2/4");
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let index: u32 = index.trim().parse().map_err(|_| bad())?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// 64-bit FNV-1a.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_disjoint_and_cover_the_suite() {
        let names: Vec<String> = (0..500)
            .map(|i| format!("f{}.rhai::test_{i}", i % 7))
            .collect();
        for count in 1..=5 {
            let parts: Vec<Shard> = (1..=count).map(|index| Shard { index, count }).collect();
            for name in &names {
                let holders = parts.iter().filter(|p| p.holds(name)).count();
                assert_eq!(holders, 1, "{name} in {count} parts");
            }
        }
    }

    #[test]
    fn the_hash_is_fixed() {
        // FNV-1a's published test vectors: a part must not move between
        // versions or machines.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn bad_parts_are_refused() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "1", "a/b", "1/0", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
