//! The server's configuration file (TOML): listen address, limits and credentials.
//! Pure: parsing and validation only; reading the file is the caller's business.

use std::collections::HashSet;
use std::net::SocketAddr;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::core::event;
use crate::ledger::MAX_BATCH_EVENTS;
use crate::present::os_text::TextFault;
pub use crate::present::serve_errors::{ConfigDefect, CredentialDefect};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// What a credential may do. Stored as text in the config file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Append events and read everything.
    Recorder,
    /// Read only.
    Auditor,
    /// Everything, including the operational endpoints.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Recorder => "recorder",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// Recorded as the `actor` of every event appended with this credential.
    pub name: String,
    pub role: Role,
    /// SHA-256 of the bearer token, lowercase hex (`socai token hash`).
    pub token_sha256: String,
    /// The budget units (codes) this credential may reach; absent: every unit. A commune's
    /// recorder is scoped to its commune; a province auditor is not scoped.
    #[serde(default)]
    pub units: Option<Vec<String>>,
}

/// Bounds on what one client can make the server hold or do.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body, in bytes (413 `body_too_large`).
    pub max_body_bytes: usize,
    /// Most events in one POST /v1/events (413 `too_many_events`).
    pub max_events_per_request: usize,
    /// Longest a request may take, body upload included (503 `timeout`).
    pub request_timeout_ms: u64,
    /// Requests handled at once; more are refused at once (503 `overloaded`).
    pub max_concurrent_requests: usize,
    /// Open event streams at once (503 `too_many_streams`).
    pub max_streams: usize,
    /// Append requests waiting for the writer (503 `queue_full`).
    pub append_queue: usize,
    /// Most events one GET /v1/events page may return.
    pub max_page: usize,
    /// Open connections at once; more wait in the kernel's backlog until one closes.
    pub max_connections: usize,
    /// Time a connection has to send a request's headers, from its opening or from the last
    /// answer (so it also closes idle keep-alive connections). Slow or idle clients cannot
    /// hold connections for longer.
    pub header_read_timeout_ms: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 16 * 1024 * 1024,
            max_events_per_request: 10_000,
            request_timeout_ms: 30_000,
            max_concurrent_requests: 256,
            max_streams: 32,
            append_queue: 1024,
            max_page: 1000,
            // Many more than an attacker can keep open between two header timeouts at
            // modest effort; the open-file limit is raised to fit them (`serve_loop`).
            max_connections: 4096,
            header_read_timeout_ms: 10_000,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `IP:PORT`; `--listen` wins over it. Default `127.0.0.1:8080`.
    pub listen: Option<String>,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default, rename = "credential")]
    pub credentials: Vec<Credential>,
    /// The server is reached through a proxy that terminates TLS: the dashboard's cookies are
    /// marked `Secure` (so a browser never sends them over plain HTTP). They are also when a
    /// request says `X-Forwarded-Proto: https`.
    #[serde(default)]
    pub behind_tls_proxy: bool,
}

impl Config {
    /// Parses and validates a config file's text.
    pub fn parse(text: &str) -> Result<Config, ConfigDefect> {
        let config: Config =
            toml::from_str(text).map_err(|e| ConfigDefect::Toml(TextFault::toml(&e, text)))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigDefect> {
        let l = &self.limits;
        let ranges: [(&str, u64, u64, u64); 9] = [
            ("max_body_bytes", l.max_body_bytes as u64, 1024, 1 << 30),
            (
                "max_events_per_request",
                l.max_events_per_request as u64,
                1,
                MAX_BATCH_EVENTS as u64,
            ),
            ("request_timeout_ms", l.request_timeout_ms, 100, 3_600_000),
            (
                "max_concurrent_requests",
                l.max_concurrent_requests as u64,
                1,
                100_000,
            ),
            ("max_streams", l.max_streams as u64, 1, 100_000),
            ("append_queue", l.append_queue as u64, 1, 1_000_000),
            ("max_page", l.max_page as u64, 1, 100_000),
            ("max_connections", l.max_connections as u64, 1, 1_000_000),
            (
                "header_read_timeout_ms",
                l.header_read_timeout_ms,
                100,
                600_000,
            ),
        ];
        for (name, value, min, max) in ranges {
            if value < min || value > max {
                return Err(ConfigDefect::LimitOutside {
                    name,
                    value,
                    min,
                    max,
                });
            }
        }
        let mut names = HashSet::new();
        let mut hashes = HashSet::new();
        for (i, c) in self.credentials.iter().enumerate() {
            let credential = i + 1;
            let refused = |defect| ConfigDefect::Credential {
                credential,
                name: c.name.clone(),
                defect,
            };
            let not_a_code = |rejection| refused(CredentialDefect::Code(rejection));
            event::check_code("name", &c.name).map_err(not_a_code)?;
            let valid_hash = c.token_sha256.len() == 64
                && c.token_sha256
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !valid_hash {
                return Err(refused(CredentialDefect::TokenHash));
            }
            if let Some(units) = &c.units {
                if units.is_empty() {
                    return Err(refused(CredentialDefect::NoUnits));
                }
                for code in units {
                    event::check_code("units", code).map_err(not_a_code)?;
                }
            }
            if !names.insert(c.name.as_str()) {
                return Err(refused(CredentialDefect::NameTwice));
            }
            if !hashes.insert(c.token_sha256.as_str()) {
                return Err(refused(CredentialDefect::TokenTwice));
            }
        }
        if let Some(listen) = &self.listen {
            parse_listen(listen)?;
        }
        Ok(())
    }
}

pub fn parse_listen(text: &str) -> Result<SocketAddr, ConfigDefect> {
    text.parse().map_err(|_| ConfigDefect::Listen {
        text: text.to_string(),
    })
}

/// The SHA-256 of a bearer token, as the config file holds it.
pub fn token_sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A fresh random bearer token (244 random bits from the OS, via two v4 UUIDs).
pub fn new_token() -> String {
    format!(
        "socai_{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_config_parses_and_defaults_fill_the_rest() {
        let hash = token_sha256("secret");
        let text = format!(
            "listen = \"127.0.0.1:9000\"\n[limits]\nmax_streams = 3\n\n[[credential]]\nname = \"clerk-1\"\nrole = \"recorder\"\ntoken_sha256 = \"{hash}\"\n"
        );
        let c = Config::parse(&text).unwrap();
        assert_eq!(c.listen.as_deref(), Some("127.0.0.1:9000"));
        assert_eq!(c.limits.max_streams, 3);
        assert_eq!(c.limits.max_page, Limits::default().max_page);
        assert_eq!(c.credentials[0].role, Role::Recorder);
        assert_eq!(c.credentials[0].units, None);
        let scoped = format!(
            "[[credential]]\nname = \"clerk-1\"\nrole = \"recorder\"\ntoken_sha256 = \"{hash}\"\nunits = [\"LP-01\"]\n"
        );
        let c = Config::parse(&scoped).unwrap();
        assert_eq!(c.credentials[0].units, Some(vec!["LP-01".to_string()]));
    }

    #[test]
    fn bad_configs_are_refused_with_a_reason() {
        let h = token_sha256("x");
        let cases = [
            ("[limits]\nmax_page = 0\n", "max_page"),
            ("[limits]\nmax_pages = 5\n", "unknown field"),
            (
                "[[credential]]\nname = \"a\"\nrole = \"boss\"\ntoken_sha256 = \"00\"\n",
                "boss",
            ),
            (
                "[[credential]]\nname = \"a\"\nrole = \"admin\"\ntoken_sha256 = \"00\"\n",
                "64 lowercase hex",
            ),
            (
                &format!(
                    "[[credential]]\nname = \"a\"\nrole = \"admin\"\ntoken_sha256 = \"{h}\"\n[[credential]]\nname = \"a\"\nrole = \"auditor\"\ntoken_sha256 = \"{}\"\n",
                    token_sha256("y")
                ),
                "used twice",
            ),
            (
                &format!(
                    "[[credential]]\nname = \"a\"\nrole = \"admin\"\ntoken_sha256 = \"{h}\"\n[[credential]]\nname = \"b\"\nrole = \"auditor\"\ntoken_sha256 = \"{h}\"\n"
                ),
                "another credential",
            ),
            (
                &format!(
                    "[[credential]]\nname = \"a b\"\nrole = \"admin\"\ntoken_sha256 = \"{h}\"\n"
                ),
                "name",
            ),
            (
                &format!(
                    "[[credential]]\nname = \"a\"\nrole = \"admin\"\ntoken_sha256 = \"{h}\"\nunits = []\n"
                ),
                "reaches no unit",
            ),
            (
                &format!(
                    "[[credential]]\nname = \"a\"\nrole = \"admin\"\ntoken_sha256 = \"{h}\"\nunits = [\"x y\"]\n"
                ),
                "units",
            ),
            ("listen = \"localhost\"\n", "IP:PORT"),
        ];
        for (text, wanted) in cases {
            let err = Config::parse(text).unwrap_err().to_string();
            assert!(err.contains(wanted), "{text}: {err}");
        }
    }

    #[test]
    fn token_hash_is_sha256_hex() {
        // SHA-256("abc"), from FIPS 180-2.
        assert_eq!(
            token_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let t = new_token();
        assert!(t.starts_with("socai_") && t.len() == 70, "{t}");
        assert_ne!(t, new_token());
    }
}
