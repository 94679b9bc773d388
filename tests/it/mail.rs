//! The outbox: mail written with a change is delivered once, however many
//! instances deliver at the same time, and retried with back-off when the
//! mail server is down.

use std::collections::BTreeSet;

use capmatch::db::outbox::{self, Mail};
use capmatch::mail::{Delivery, Mailer, deliver_due};
use capmatch::startup::{self, DemoData};

use crate::common::{Backend, TestDatabase};
use crate::on_both_backends;

fn mail(i: usize) -> Mail {
    Mail {
        recipient: format!("person-{i}@example.org"),
        subject: format!("Message {i}"),
        body: format!("Hello {i}"),
    }
}

fn several_instances_deliver_each_message_once(backend: Backend) {
    let database = TestDatabase::prepared(backend, DemoData::Skip);
    let storage = startup::open(&database.url, 6, DemoData::Skip).unwrap();
    {
        let mut conn = storage.pool.get().unwrap();
        for i in 0..60 {
            outbox::enqueue(&mut conn, &mail(i)).unwrap();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    std::thread::scope(|scope| {
        for _ in 0..3 {
            let pool = storage.pool.clone();
            let path = dir.path().to_owned();
            scope.spawn(move || {
                let mailer =
                    Mailer::new(&Delivery::Files(path), "capmatch <c@example.org>").unwrap();
                let mut conn = pool.get().unwrap();
                while outbox::waiting(&mut conn).unwrap() > 0 {
                    deliver_due(&mut conn, &mailer).unwrap();
                }
            });
        }
    });
    let subjects: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .map(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("Subject: ").map(str::to_owned))
                .unwrap()
        })
        .collect();
    assert_eq!(subjects.len(), 60, "every message, once");
    assert_eq!(subjects.iter().collect::<BTreeSet<_>>().len(), 60);
}

fn a_message_waits_and_is_retried_while_the_server_is_down(backend: Backend) {
    use capmatch::db::schema::outbox as table;
    use diesel::prelude::*;
    let database = TestDatabase::prepared(backend, DemoData::Skip);
    let storage = startup::open(&database.url, 2, DemoData::Skip).unwrap();
    let mut conn = storage.pool.get().unwrap();
    outbox::enqueue(&mut conn, &mail(1)).unwrap();
    // Nothing listens on port 9 here.
    let down = Mailer::new(
        &Delivery::Smtp("smtp://127.0.0.1:9".into()),
        "c@example.org",
    )
    .unwrap();
    assert_eq!(deliver_due(&mut conn, &down).unwrap(), 0);
    let (attempts, error, next): (i32, Option<String>, chrono::NaiveDateTime) = table::table
        .select((table::attempts, table::last_error, table::next_attempt_at))
        .first(&mut conn)
        .unwrap();
    assert_eq!(attempts, 1);
    assert!(error.is_some());
    assert!(
        next > chrono::Utc::now().naive_utc(),
        "it waits before the next try"
    );
    // Not due yet: a working server sends nothing until then.
    let dir = tempfile::tempdir().unwrap();
    let up = Mailer::new(&Delivery::Files(dir.path().to_owned()), "c@example.org").unwrap();
    assert_eq!(deliver_due(&mut conn, &up).unwrap(), 0);
    diesel::update(table::table)
        .set(
            table::next_attempt_at
                .eq(chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(1)),
        )
        .execute(&mut conn)
        .unwrap();
    assert_eq!(deliver_due(&mut conn, &up).unwrap(), 1, "nothing was lost");
    assert_eq!(outbox::waiting(&mut conn).unwrap(), 0);
}

on_both_backends!(
    several_instances_deliver_each_message_once,
    a_message_waits_and_is_retried_while_the_server_is_down,
);
