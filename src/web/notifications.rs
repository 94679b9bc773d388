//! A person's notifications: what happened that concerns them, newest
//! first, with the unread ones marked; reading one opens what it is about.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::banner::{Done, see_other_with};
use super::error::AppError;
use super::forms::{Confirmation, Form};
use super::params::PageOnly;
use super::paths::QueryParams;
use super::session::Viewer;
use super::views::Pagination;
use super::{ok, see_other, with_db};
use crate::db::notifications::Notification;
use crate::db::{self, PageRequest};
use crate::domain::access::Action;
use crate::domain::rules::local_path;
use crate::startup::Storage;

#[derive(Template)]
#[template(path = "notifications/list.html")]
struct ListPage<'a> {
    viewer: &'a Viewer,
    notifications: Vec<Notification>,
    pagination: Pagination,
    csrf_token: &'a str,
}

impl ListPage<'_> {
    fn when(&self, n: &Notification) -> String {
        n.created_at.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// `GET /notifications`.
pub async fn list(
    storage: web::Data<Storage>,
    viewer: Viewer,
    QueryParams(params): QueryParams<PageOnly>,
) -> Result<HttpResponse, AppError> {
    viewer.may(Action::ReadNotifications)?;
    let account = viewer.signed_in()?.account;
    let number = params.number();
    let found = with_db(&storage, move |conn| {
        Ok(db::notifications::list(
            conn,
            account,
            PageRequest::sized(number, 30),
        )?)
    })
    .await?;
    let pagination = Pagination::of(found.number, found.page_count(), found.total, |n| {
        format!("/notifications?page={n}")
    });
    ok(&ListPage {
        viewer: &viewer,
        notifications: found.items,
        pagination,
        csrf_token: viewer.csrf_token(),
    })
}

/// `POST /notifications/{id}/read`: marks it read and opens what it is
/// about. Another person's notification changes nothing and opens nothing.
pub async fn open(
    storage: web::Data<Storage>,
    viewer: Viewer,
    id: web::Path<i64>,
    posted: Form<Confirmation>,
) -> Result<HttpResponse, AppError> {
    posted.verified()?;
    viewer.may(Action::ReadNotifications)?;
    let account = viewer.signed_in()?.account;
    let id = id.into_inner();
    let link = with_db(&storage, move |conn| {
        Ok(db::notifications::open(conn, account, id)?)
    })
    .await?
    .ok_or_else(|| AppError::NotFound("The notification".to_owned()))?;
    // Links are written by the application, but a path is all it may be.
    Ok(see_other(if local_path(&link) {
        &link
    } else {
        "/notifications"
    }))
}

/// `POST /notifications/read`: marks every notification read.
pub async fn read_all(
    storage: web::Data<Storage>,
    viewer: Viewer,
    posted: Form<Confirmation>,
) -> Result<HttpResponse, AppError> {
    posted.verified()?;
    viewer.may(Action::ReadNotifications)?;
    let account = viewer.signed_in()?.account;
    with_db(&storage, move |conn| {
        Ok(db::notifications::mark_read(conn, account, None)?)
    })
    .await?;
    Ok(see_other_with("/notifications", Done::AllRead))
}
