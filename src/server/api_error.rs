//! Every error the API answers: an HTTP status and a JSON body
//! `{"error": {"code", "message", …}}` whose `code` is a stable contract.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// More fields of the error object (e.g. `index`, `id`, `seq`).
    pub details: Map<String, Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Map::new(),
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> ApiError {
        self.details.insert(key.to_string(), value.into());
        self
    }

    pub fn bad_parameter(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_parameter", message)
    }

    pub fn unavailable(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
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
        error.insert("message".into(), Value::from(self.message));
        error.extend(self.details);
        let mut response = (self.status, axum::Json(json!({ "error": error }))).into_response();
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

/// A use case's failure as the API answers it: a knowledge point is a bad parameter named
/// as the query string names it, an unknown line is 404, anything else the server's fault.
impl From<crate::app::AppError> for ApiError {
    fn from(e: crate::app::AppError) -> ApiError {
        use crate::app::AppError;
        match e {
            AppError::KnownAt(e) => ApiError::bad_parameter(e.message("known_at")),
            AppError::UnknownLine { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, "unknown_line", e.to_string())
            }
            AppError::Usage(m) => ApiError::bad_parameter(m),
            AppError::File(e) => ApiError::bad_parameter(e.to_string()),
            e => ApiError::internal(e.to_string()),
        }
    }
}
