//! Who is calling and what they may do: bearer tokens checked against the SHA-256 hashes of
//! the config file, and the access each route needs. Pure: the middleware in `routes` only
//! hands it the `Authorization` header.

use std::collections::HashMap;

use axum::http::StatusCode;

use crate::server::api_error::ApiError;
use crate::server::config::{Credential, Role, token_sha256};

/// What a route needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// No credential (health probes).
    Public,
    /// Any credential: recorder, auditor or admin.
    Read,
    /// Recorder or admin.
    Append,
    /// Admin only.
    Admin,
}

impl Access {
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::Read => true,
            Access::Append => matches!(role, Role::Recorder | Role::Admin),
            Access::Admin => role == Role::Admin,
        }
    }

    /// The roles allowed, as the OpenAPI document lists them (`x-socai-roles`).
    pub fn roles(self) -> &'static [&'static str] {
        match self {
            Access::Public => &[],
            Access::Read => &["recorder", "auditor", "admin"],
            Access::Append => &["recorder", "admin"],
            Access::Admin => &["admin"],
        }
    }

    fn what(self) -> &'static str {
        match self {
            Access::Public | Access::Read => "read",
            Access::Append => "append events",
            Access::Admin => "use the admin endpoints",
        }
    }
}

/// The credential a request was made with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The credential's name: the `actor` of the events it appends.
    pub name: String,
    pub role: Role,
}

/// The name requests carry when the server runs without credentials (loopback only).
pub const OPEN_ACCESS_NAME: &str = "local";

pub struct Auth {
    /// Token hash (hex) → credential. Empty: open access (the server refuses to listen beyond
    /// loopback then).
    by_hash: HashMap<String, Principal>,
}

impl Auth {
    pub fn new(credentials: &[Credential]) -> Auth {
        let by_hash = credentials
            .iter()
            .map(|c| {
                (
                    c.token_sha256.clone(),
                    Principal {
                        name: c.name.clone(),
                        role: c.role,
                    },
                )
            })
            .collect();
        Auth { by_hash }
    }

    pub fn is_open(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// Decides a request: its principal (`None` for public routes), 401 without a known
    /// token, 403 when the credential's role does not allow the route.
    pub fn authorize(
        &self,
        authorization: Option<&[u8]>,
        access: Access,
    ) -> Result<Option<Principal>, ApiError> {
        if access == Access::Public {
            return Ok(None);
        }
        if self.is_open() {
            return Ok(Some(Principal {
                name: OPEN_ACCESS_NAME.to_string(),
                role: Role::Admin,
            }));
        }
        let unauthorized =
            |message: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message);
        let Some(header) = authorization else {
            return Err(unauthorized(
                "this endpoint needs an `Authorization: Bearer TOKEN` header",
            ));
        };
        let token = std::str::from_utf8(header)
            .ok()
            .and_then(|h| {
                let (scheme, rest) = h.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or_else(|| unauthorized("the Authorization header is not `Bearer TOKEN`"))?;
        let principal = self
            .by_hash
            .get(&token_sha256(token))
            .ok_or_else(|| unauthorized("the bearer token is not known to this server"))?;
        if !access.allows(principal.role) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!(
                    "credential {:?} has role {} and may not {}",
                    principal.name,
                    principal.role.as_str(),
                    access.what()
                ),
            ));
        }
        Ok(Some(principal.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Auth {
        Auth::new(&[
            Credential {
                name: "clerk".into(),
                role: Role::Recorder,
                token_sha256: token_sha256("t-clerk"),
            },
            Credential {
                name: "audit".into(),
                role: Role::Auditor,
                token_sha256: token_sha256("t-audit"),
            },
        ])
    }

    #[test]
    fn roles_decide_access() {
        let a = auth();
        let clerk = a
            .authorize(Some(b"Bearer t-clerk"), Access::Append)
            .unwrap();
        assert_eq!(clerk.unwrap().name, "clerk");
        assert!(a.authorize(Some(b"bearer t-audit"), Access::Read).is_ok());
        let e = a
            .authorize(Some(b"Bearer t-audit"), Access::Append)
            .unwrap_err();
        assert_eq!((e.status, e.code), (StatusCode::FORBIDDEN, "forbidden"));
        let e = a
            .authorize(Some(b"Bearer t-clerk"), Access::Admin)
            .unwrap_err();
        assert_eq!(e.status, StatusCode::FORBIDDEN);
        for bad in [
            None,
            Some(&b"Bearer nope"[..]),
            Some(b"Basic t-clerk"),
            Some(b"Bearer "),
        ] {
            let e = a.authorize(bad, Access::Read).unwrap_err();
            assert_eq!(
                (e.status, e.code),
                (StatusCode::UNAUTHORIZED, "unauthorized")
            );
        }
        assert_eq!(a.authorize(None, Access::Public).unwrap(), None);
    }

    #[test]
    fn without_credentials_everyone_is_the_local_admin() {
        let a = Auth::new(&[]);
        let p = a.authorize(None, Access::Admin).unwrap().unwrap();
        assert_eq!((p.name.as_str(), p.role), (OPEN_ACCESS_NAME, Role::Admin));
    }
}
