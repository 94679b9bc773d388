//! capmatch: a directory of cyber capacity building providers and offerings,
//! countries' needs assessments, and the engine that matches them.

pub mod accounts;
pub mod background;
pub mod cache;
pub mod config;
pub mod db;
pub mod demo;
pub mod demo_matches;
pub mod directory;
pub mod domain;
pub mod interchange;
pub mod mail;
pub mod matches;
pub mod matching;
pub mod reference_data;
pub mod reports;
pub mod scheduler;
pub mod startup;
pub mod synthetic;
pub mod telemetry;
pub mod web;
