//! Integration tests: the real server over HTTP and the real command line,
//! on SQLite and, when CAPMATCH_TEST_POSTGRES_URL is set, on PostgreSQL.

mod common;
mod database;
mod fixtures;

mod accounts;
mod assessments;
mod audit;
mod authorization;
mod banners;
mod catalogue;
mod cli;
mod forms;
mod mail;
mod matches;
mod pages;
mod people;
mod register;
mod reminders;
mod report_reading;
mod reports;
mod review;
mod robustness;
mod visibility;
