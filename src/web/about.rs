//! The pages every service owes its users: how accessible it is, and what
//! it keeps about people and why. Linked from every page's footer.

use actix_web::HttpResponse;
use askama::Template;

use super::error::AppError;
use super::ok;
use super::session::Viewer;

#[derive(Template)]
#[template(path = "about/accessibility.html")]
struct AccessibilityPage<'a> {
    viewer: &'a Viewer,
}

#[derive(Template)]
#[template(path = "about/privacy.html")]
struct PrivacyPage<'a> {
    viewer: &'a Viewer,
}

/// `GET /accessibility`.
pub async fn accessibility(viewer: Viewer) -> Result<HttpResponse, AppError> {
    ok(&AccessibilityPage { viewer: &viewer })
}

/// `GET /privacy`.
pub async fn privacy(viewer: Viewer) -> Result<HttpResponse, AppError> {
    ok(&PrivacyPage { viewer: &viewer })
}
