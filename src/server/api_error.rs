//! Every error the API answers: an HTTP status and a JSON body
//! `{"error": {"code", "message", …}}` whose `code` is a stable contract.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::present::api_problems::{ApiProblem, Step};
use crate::present::problems;
use crate::present::vi_format::Lang;
use crate::storage::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// More fields of the error object (e.g. `index`, `id`, `seq`).
    /// Boxed with `vi` below, so that the error stays as small as before both were there.
    pub details: Box<Map<String, Value>>,
    /// The message in Vietnamese, when the catalogue words this error: the answer's default;
    /// `message` (English) is answered to `Accept-Language: en` (`in_language`).
    pub vi: Option<Box<str>>,
}

/// The English message of an error answered in Vietnamese, kept on the response for
/// `in_language` to put back when the request prefers English.
#[derive(Clone)]
struct English(Map<String, Value>);

impl ApiError {
    /// Private: every error answered is worded in both languages (`of`, `worded`, `fault`),
    /// so that none can reach a person in English by default.
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Box::default(),
            vi: None,
        }
    }

    /// An error the catalogue words (`present::api_problems`) in both languages.
    pub fn of(status: StatusCode, code: &'static str, problem: ApiProblem) -> ApiError {
        ApiError::worded(status, code, problem.text(Lang::Vi), problem.text(Lang::En))
    }

    /// An error worded by another catalogue (`present::messages`, `present::problems`):
    /// the Vietnamese and the English sentence.
    pub fn worded(status: StatusCode, code: &'static str, vi: String, en: String) -> ApiError {
        let mut e = ApiError::new(status, code, en);
        e.vi = Some(vi.into());
        e
    }

    /// The server's own fault at `step` (500 `internal`); its cause, as the library that
    /// failed says it, is kept in `detail` for the operator.
    pub fn fault(step: Step, cause: impl std::fmt::Display) -> ApiError {
        ApiError::of(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            ApiProblem::Internal(step),
        )
        .with("detail", cause.to_string())
    }

    /// A bad query parameter, worded by the catalogue.
    pub fn parameter(problem: ApiProblem) -> ApiError {
        ApiError::of(StatusCode::BAD_REQUEST, "invalid_parameter", problem)
    }

    /// The message people read in `lang`.
    pub fn message_in(&self, lang: Lang) -> &str {
        match (lang, &self.vi) {
            (Lang::Vi, Some(vi)) => vi,
            _ => &self.message,
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> ApiError {
        self.details.insert(key.to_string(), value.into());
        self
    }

    /// A store failure, worded by `present::problems::store`.
    pub fn store(status: StatusCode, code: &'static str, e: &StoreError) -> ApiError {
        ApiError::worded(
            status,
            code,
            problems::store(e, Lang::Vi),
            problems::store(e, Lang::En),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // An error may say how long to wait (`retry_after`, seconds); 1 s otherwise.
        let retry_after = self
            .details
            .get("retry_after")
            .and_then(Value::as_u64)
            .map_or(HeaderValue::from_static("1"), HeaderValue::from);
        let mut error = Map::new();
        error.insert("code".into(), Value::from(self.code));
        error.insert("message".into(), Value::from(self.message.clone()));
        error.extend(*self.details);
        let english = self.vi.as_ref().map(|vi| {
            let en = English(error.clone());
            error.insert("message".into(), Value::from(vi.as_ref()));
            en
        });
        let mut response = (self.status, axum::Json(json!({ "error": error }))).into_response();
        if let Some(en) = english {
            response.extensions_mut().insert(en);
        }
        let headers = response.headers_mut();
        match self.status {
            StatusCode::UNAUTHORIZED => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"socai\""),
                );
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                headers.insert(header::RETRY_AFTER, retry_after);
            }
            _ => {}
        }
        response
    }
}

/// Errors answer in Vietnamese unless the request prefers English (`server::language`): an
/// error the catalogue words carries its English body, put back here for such a request.
pub async fn in_language(request: Request, next: Next) -> Response {
    let lang = crate::server::language::preferred(request.headers());
    let mut response = next.run(request).await;
    if lang == Lang::En
        && let Some(English(error)) = response.extensions_mut().remove::<English>()
    {
        let status = response.status();
        let headers = response.headers().clone();
        response = (status, axum::Json(json!({ "error": error }))).into_response();
        for (name, value) in &headers {
            if name != header::CONTENT_LENGTH {
                response.headers_mut().insert(name, value.clone());
            }
        }
    }
    response
}

/// A use case's failure as the API answers it: a knowledge point is a bad parameter named
/// as the query string names it, an unknown line is 404, anything else the server's fault.
impl From<crate::app::AppError> for ApiError {
    fn from(e: crate::app::AppError) -> ApiError {
        use crate::app::AppError;
        let vi = e.message(Lang::Vi);
        let mut answer = match &e {
            AppError::KnownAt(k) => return crate::server::query::known_at_error(k, "known_at"),
            AppError::UnknownLine { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, "unknown_line", e.to_string())
            }
            AppError::Usage(_) | AppError::File(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_parameter", e.to_string())
            }
            _ => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()),
        };
        if vi != answer.message {
            answer.vi = Some(vi.into());
        }
        answer
    }
}
