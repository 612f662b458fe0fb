//! Human-friendly sizes (`"12GiB"`, `"512MiB"`, `"12GB"`, plain byte counts) and durations
//! (`"5s"`, `"2m"`) for `router.toml` and the command line.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A byte count written the way people write VRAM sizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize(pub u64);

pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * KIB;
pub const GIB: u64 = 1024 * MIB;

impl ByteSize {
    pub fn gib(n: u64) -> ByteSize {
        ByteSize(n * GIB)
    }
    pub fn mib(n: u64) -> ByteSize {
        ByteSize(n * MIB)
    }
    pub fn bytes(self) -> u64 {
        self.0
    }
}

impl std::str::FromStr for ByteSize {
    type Err = String;

    fn from_str(s: &str) -> Result<ByteSize, String> {
        let t = s.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: f64 = num
            .parse()
            .map_err(|_| format!("`{s}` is not a size (try \"12GiB\" or \"512MiB\")"))?;
        let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1.0,
            "k" | "kb" => 1e3,
            "kib" => KIB as f64,
            "m" | "mb" => 1e6,
            "mib" => MIB as f64,
            "g" | "gb" => 1e9,
            "gib" => GIB as f64,
            "t" | "tb" => 1e12,
            "tib" => (GIB * 1024) as f64,
            other => {
                return Err(format!(
                    "unknown size unit `{other}` in `{s}` (use B, KiB, MiB, GiB, KB, MB, GB)"
                ));
            }
        };
        Ok(ByteSize((n * mult).round() as u64))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        if b >= GIB && b.is_multiple_of(GIB / 4) {
            write!(f, "{}GiB", b as f64 / GIB as f64)
        } else if b >= MIB && b.is_multiple_of(MIB) {
            write!(f, "{}MiB", b / MIB)
        } else if b >= GIB {
            write!(f, "{:.2}GiB", b as f64 / GIB as f64)
        } else {
            write!(f, "{b}B")
        }
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ByteSize, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(u64),
            Float(f64),
            Str(String),
        }
        match Raw::deserialize(d)? {
            Raw::Int(n) => Ok(ByteSize(n)),
            Raw::Float(f) if f >= 0.0 => Ok(ByteSize(f as u64)),
            Raw::Float(f) => Err(serde::de::Error::custom(format!("size {f} is negative"))),
            Raw::Str(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// A duration written as `"5s"`, `"250ms"`, `"2m"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    pub fn secs(n: u64) -> HumanDuration {
        HumanDuration(Duration::from_secs(n))
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_duration(self.0).to_string())
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<HumanDuration, D::Error> {
        let s = String::deserialize(d)?;
        humantime::parse_duration(&s)
            .map(HumanDuration)
            .map_err(|e| {
                serde::de::Error::custom(format!(
                    "`{s}` is not a duration ({e}); try \"5s\" or \"2m\""
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes() {
        assert_eq!("12GiB".parse::<ByteSize>().unwrap(), ByteSize::gib(12));
        assert_eq!("512 MiB".parse::<ByteSize>().unwrap(), ByteSize::mib(512));
        assert_eq!(
            "12GB".parse::<ByteSize>().unwrap(),
            ByteSize(12_000_000_000)
        );
        assert_eq!("1.5GiB".parse::<ByteSize>().unwrap(), ByteSize(3 * GIB / 2));
        assert!("12 potatoes".parse::<ByteSize>().is_err());
        assert_eq!(ByteSize::gib(12).to_string(), "12GiB");
        assert_eq!(ByteSize::mib(512).to_string(), "512MiB");
    }
}
