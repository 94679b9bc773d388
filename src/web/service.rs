//! What every instance answers besides pages: the health checks, the
//! static files and the 404 page.

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};

use super::error::AppError;
use crate::db;
use crate::startup::Storage;

/// Liveness: 200 whenever the process can answer at all. It waits for
/// nothing, neither the database nor other requests' work, so a busy
/// instance is never taken for a dead one.
pub async fn health() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::plaintext())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body("ok")
}

/// Readiness: 503 while the instance warms up (see
/// `Storage::warm_up_in_background`); then 200 when a database connection
/// answers within two seconds, 503 otherwise, for a load balancer to send
/// traffic elsewhere meanwhile.
pub async fn ready(storage: web::Data<Storage>) -> HttpResponse {
    let (status, body) = if storage.is_warming() {
        (
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            "warming up",
        )
    } else {
        let pool = storage.pool.clone();
        let answered = web::block(move || {
            let mut conn = pool.get_timeout(std::time::Duration::from_secs(2))?;
            db::ping(&mut conn).map_err(anyhow::Error::from)
        })
        .await;
        match answered {
            Ok(Ok(())) => (actix_web::http::StatusCode::OK, "ready"),
            _ => (
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable",
            ),
        }
    };
    HttpResponse::build(status)
        .content_type(ContentType::plaintext())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../static/style.css"))
}

/// The script that enhances forms where it runs; nothing depends on it.
pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../static/enhance.js"))
}

pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound(format!("The page {}", req.path())))
}
