//! Checks every request passes before any handler sees it.

use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use percent_encoding::percent_decode_str;

use super::error::{ApiError, AppError};
use crate::domain::rules::has_control_characters;

/// Middleware: a path or query whose decoded text holds a control character
/// is refused with 400 before it reaches a handler or the database (on
/// PostgreSQL a NUL in a query parameter is an error, on SQLite it is not:
/// both refuse it here, alike).
pub async fn refuse_control_characters(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let uri = req.uri();
    let decoded = |text: &str| percent_decode_str(text).collect::<Vec<u8>>();
    let bad = has_control_characters(&decoded(uri.path()))
        || has_control_characters(&decoded(uri.query().unwrap_or("")));
    if !bad {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let error = AppError::BadRequest(
        "The address holds a control character (such as a NUL byte), which nothing here can contain."
            .into(),
    );
    let response = if req.path().starts_with("/api/") {
        ApiError(error).error_response()
    } else {
        error.error_response()
    };
    Ok(req.into_response(response).map_into_right_body())
}
