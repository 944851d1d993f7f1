//! Request ids: the caller's own (`x-request-id`) when it is a plain
//! token, else one made here, so that an answer and its decision log lines
//! can be matched.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::HeaderMap;

/// Request ids: the caller's `x-request-id` when it is a plain token of
/// at most 128 characters, else one made here, unique in this process.
pub(crate) struct RequestIds {
    prefix: String,
    next: AtomicU64,
}

impl RequestIds {
    pub(crate) fn new() -> RequestIds {
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        RequestIds {
            prefix: format!("{started:x}-{:x}", std::process::id()),
            next: AtomicU64::new(0),
        }
    }

    pub(crate) fn of(&self, headers: &HeaderMap) -> String {
        let given = headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| {
                !v.is_empty()
                    && v.len() <= 128
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
            });
        match given {
            Some(id) => id.to_string(),
            None => format!(
                "{}-{}",
                self.prefix,
                self.next.fetch_add(1, Ordering::Relaxed)
            ),
        }
    }
}
