//! Who is calling and what they may do: bearer tokens checked against the SHA-256 hashes of
//! the config file, and the access each route needs. Pure: the middleware in `routes` only
//! hands it the `Authorization` header.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::StatusCode;

use crate::present::api_problems::{Action, ApiProblem};
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

    fn what(self) -> Action {
        match self {
            Access::Public | Access::Read => Action::Read,
            Access::Append => Action::Append,
            Access::Admin => Action::Admin,
        }
    }
}

/// The credential a request was made with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The credential's name: the `actor` of the events it appends.
    pub name: String,
    pub role: Role,
    /// The unit codes it may reach (`None`: all).
    pub units: Option<Arc<[String]>>,
}

impl Principal {
    pub fn may_reach(&self, unit: &str) -> bool {
        self.units
            .as_ref()
            .is_none_or(|units| units.iter().any(|u| u == unit))
    }
}

/// Which unit the routes an `Auth` guards belong to (credentials may be scoped to units).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One store, by its unit's code; `None`: a store without a unit, which no credential
    /// scoped to units reaches.
    Store(Option<String>),
    /// A province server's own endpoints (the list of units, consolidated reports): their
    /// handlers keep to the units `Principal::may_reach`.
    Province,
}

/// The stable code of a refusal across units.
pub const UNIT_FORBIDDEN: &str = "unit_forbidden";

/// The name requests carry when the server runs without credentials (loopback only).
pub const OPEN_ACCESS_NAME: &str = "local";

pub struct Auth {
    /// Token hash (hex) → credential. Empty: open access (the server refuses to listen beyond
    /// loopback then).
    by_hash: HashMap<String, Principal>,
    scope: Scope,
}

impl Auth {
    pub fn new(credentials: &[Credential], scope: Scope) -> Auth {
        let by_hash = credentials
            .iter()
            .map(|c| {
                (
                    c.token_sha256.clone(),
                    Principal {
                        name: c.name.clone(),
                        role: c.role,
                        units: c.units.as_deref().map(Arc::from),
                    },
                )
            })
            .collect();
        Auth { by_hash, scope }
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
                units: None,
            }));
        }
        let unauthorized =
            |problem| ApiError::of(StatusCode::UNAUTHORIZED, "unauthorized", problem);
        let Some(header) = authorization else {
            return Err(unauthorized(ApiProblem::NoCredential));
        };
        let token = std::str::from_utf8(header)
            .ok()
            .and_then(|h| {
                let (scheme, rest) = h.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or_else(|| unauthorized(ApiProblem::NotBearer))?;
        let principal = self
            .by_hash
            .get(&token_sha256(token))
            .ok_or_else(|| unauthorized(ApiProblem::UnknownToken))?;
        if !access.allows(principal.role) {
            return Err(ApiError::of(
                StatusCode::FORBIDDEN,
                "forbidden",
                ApiProblem::RoleForbidden {
                    name: principal.name.clone(),
                    role: principal.role.as_str().to_string(),
                    action: access.what(),
                },
            ));
        }
        if let Scope::Store(unit) = &self.scope
            && principal.units.is_some()
            && !unit.as_deref().is_some_and(|u| principal.may_reach(u))
        {
            return Err(ApiError::of(
                StatusCode::FORBIDDEN,
                UNIT_FORBIDDEN,
                ApiProblem::UnitForbidden {
                    name: principal.name.clone(),
                    units: principal.units.as_deref().unwrap_or_default().to_vec(),
                    unit: unit.clone(),
                },
            ));
        }
        Ok(Some(principal.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials() -> Vec<Credential> {
        vec![
            Credential {
                name: "clerk".into(),
                role: Role::Recorder,
                token_sha256: token_sha256("t-clerk"),
                units: Some(vec!["LP-01".into()]),
            },
            Credential {
                name: "audit".into(),
                role: Role::Auditor,
                token_sha256: token_sha256("t-audit"),
                units: None,
            },
        ]
    }

    fn auth() -> Auth {
        Auth::new(&credentials(), Scope::Store(Some("LP-01".into())))
    }

    #[test]
    fn a_credential_scoped_to_units_reaches_only_those() {
        let other = Auth::new(&credentials(), Scope::Store(Some("HT-02".into())));
        let e = other
            .authorize(Some(b"Bearer t-clerk"), Access::Read)
            .unwrap_err();
        assert_eq!((e.status, e.code), (StatusCode::FORBIDDEN, UNIT_FORBIDDEN));
        assert!(
            other
                .authorize(Some(b"Bearer t-audit"), Access::Read)
                .is_ok()
        );
        let unitless = Auth::new(&credentials(), Scope::Store(None));
        assert!(
            unitless
                .authorize(Some(b"Bearer t-clerk"), Access::Read)
                .is_err()
        );
        let province = Auth::new(&credentials(), Scope::Province);
        let clerk = province
            .authorize(Some(b"Bearer t-clerk"), Access::Read)
            .unwrap()
            .unwrap();
        assert!(clerk.may_reach("LP-01") && !clerk.may_reach("HT-02"));
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
        let a = Auth::new(&[], Scope::Province);
        let p = a.authorize(None, Access::Admin).unwrap().unwrap();
        assert_eq!((p.name.as_str(), p.role), (OPEN_ACCESS_NAME, Role::Admin));
    }
}
