//! Offerings as the list pages show them. A page of twenty offerings spent
//! a quarter of its time writing them: about two hundred small writes, each
//! escaped, and the texts fetched from all over the heap. The list pages
//! are read far more often than an offering changes, so each offering's
//! entry is rendered once for each version of it and kept, within a bound.

use std::sync::{Arc, Weak};

use askama::Template;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::domain::{Offering, ReferenceData};

/// The entries kept at most, in bytes: about 50,000 offerings' worth. A
/// catalogue larger than that keeps those listed most.
const ROOM: u64 = 20 * 1024 * 1024;

#[derive(Template)]
#[template(path = "partials/offering_entry.html", block = "title")]
struct Title<'a> {
    offering: &'a Offering,
}

#[derive(Template)]
#[template(path = "partials/offering_entry.html", block = "details")]
struct Details<'a> {
    offering: &'a Offering,
    reference: &'a ReferenceData,
}

/// One offering as a list shows it, rendered (and so escaped) by its
/// template, but for the heading around its title, whose level depends
/// on the page.
pub struct ListEntry {
    /// The offering it was rendered from. While the directory lists that
    /// one, the entry is current: a change to the offering or to what it
    /// shows of its provider replaces it there. Weak, so that a replaced
    /// offering is freed; its allocation stays while this does, so no other
    /// offering can take its address.
    offering: Weak<Offering>,
    html: Box<str>,
    title_ends: usize,
}

impl ListEntry {
    fn of(offering: &Arc<Offering>, reference: &ReferenceData) -> ListEntry {
        const INFALLIBLE: &str = "rendering into a string does not fail";
        let mut html = String::new();
        Title { offering }.render_into(&mut html).expect(INFALLIBLE);
        let title_ends = html.len();
        (Details {
            offering,
            reference,
        })
        .render_into(&mut html)
        .expect(INFALLIBLE);
        ListEntry {
            offering: Arc::downgrade(offering),
            html: html.into_boxed_str(),
            title_ends,
        }
    }

    fn is_of(&self, offering: &Arc<Offering>) -> bool {
        std::ptr::eq(self.offering.as_ptr(), Arc::as_ptr(offering))
    }

    /// The title, linked to the offering.
    pub fn title(&self) -> &str {
        &self.html[..self.title_ends]
    }

    /// What follows the title: provider, status, coverage and themes.
    pub fn details(&self) -> &str {
        &self.html[self.title_ends..]
    }
}

/// An entry weighs what it holds in memory.
#[derive(Clone)]
struct InMemory;

impl Weighter<i64, Arc<ListEntry>> for InMemory {
    fn weight(&self, _: &i64, entry: &Arc<ListEntry>) -> u64 {
        // The Arc's counts, the entry, the text; the cache's own slot.
        let held = 2 * size_of::<usize>() + size_of::<ListEntry>() + entry.html.len();
        (held + size_of::<(i64, Arc<ListEntry>)>()) as u64
    }
}

/// The offerings' entries, by offering id.
pub struct ListEntries {
    held: Cache<i64, Arc<ListEntry>, InMemory, foldhash::fast::RandomState>,
}

impl Default for ListEntries {
    fn default() -> ListEntries {
        ListEntries::with_room(ROOM)
    }
}

impl ListEntries {
    fn with_room(room: u64) -> ListEntries {
        // What an entry of the synthetic catalogue weighs: the cache sizes
        // its table by it.
        const USUAL_WEIGHT: u64 = 400;
        ListEntries {
            held: Cache::with(
                (room / USUAL_WEIGHT) as usize,
                room,
                InMemory,
                foldhash::fast::RandomState::default(),
                Default::default(),
            ),
        }
    }

    /// The entries of `offerings`, in their order: those kept and current,
    /// and the others rendered now and kept.
    pub fn of(
        &self,
        offerings: &[Arc<Offering>],
        reference: &ReferenceData,
    ) -> Vec<Arc<ListEntry>> {
        offerings
            .iter()
            .map(|offering| match self.held.get(&offering.id) {
                Some(entry) if entry.is_of(offering) => entry,
                _ => {
                    let entry = Arc::new(ListEntry::of(offering, reference));
                    self.held.insert(offering.id, entry.clone());
                    entry
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::testing::{offering, reference, worldwide};

    fn listed(title: &str, provider_name: &str) -> Arc<Offering> {
        let mut listed = offering("cert-advice", "incident-ciip.cert", worldwide());
        listed.id = 7;
        listed.data.title = title.into();
        listed.provider_name = provider_name.into();
        Arc::new(listed)
    }

    #[test]
    fn an_entry_shows_the_offering_escaped_around_its_heading() {
        let entries = ListEntries::default();
        let cert = listed("CERTs <b>& \"more\"", "Ann's <i>institute</i>");
        let [entry] = <[_; 1]>::try_from(entries.of(&[cert], reference()))
            .ok()
            .unwrap();
        assert_eq!(
            entry.title(),
            "<a href=\"/offerings/cert-advice\">CERTs &#60;b&#62;&#38; &#34;more&#34;</a>"
        );
        assert_eq!(
            entry.details(),
            "\n    <p class=\"muted\">by <a href=\"/providers/provider\">Ann&#39;s &#60;i&#62;institute&#60;/i&#62;</a> · Active · Worldwide</p>\
             \n    <p class=\"muted\">Themes: National CERT/CSIRT establishment</p>"
        );
    }

    #[test]
    fn an_entry_is_rendered_once_while_its_offering_is_listed() {
        let entries = ListEntries::default();
        let cert = listed("CERT advice", "Institute");
        let first = entries.of(std::slice::from_ref(&cert), reference());
        let again = entries.of(&[cert], reference());
        assert!(Arc::ptr_eq(&first[0], &again[0]));
    }

    #[test]
    fn an_offering_changed_is_rendered_again() {
        let entries = ListEntries::default();
        let before = listed("CERT advice", "Institute");
        let shown = entries.of(std::slice::from_ref(&before), reference());
        assert!(shown[0].title().contains("CERT advice"));
        // The directory replaces an offering that changed, or whose
        // provider did: same id, another value.
        let renamed = listed("CERT advice", "Institute of Forensics");
        let shown = entries.of(&[renamed], reference());
        assert!(shown[0].details().contains("Institute of Forensics"));
        let retitled = listed("National CERT advice", "Institute of Forensics");
        let shown = entries.of(std::slice::from_ref(&retitled), reference());
        assert!(shown[0].title().contains("National CERT advice"));
        // Even when the first is gone and another takes its place.
        drop(before);
        let shown = entries.of(&[retitled], reference());
        assert!(shown[0].title().contains("National CERT advice"));
    }

    #[test]
    fn entries_are_kept_within_their_room() {
        let room = 16 * 1024;
        let entries = ListEntries::with_room(room);
        let offerings: Vec<Arc<Offering>> = (0..500)
            .map(|id| {
                let mut one = offering(&format!("o-{id}"), "cybercrime", worldwide());
                one.id = id;
                Arc::new(one)
            })
            .collect();
        for page in offerings.chunks(20) {
            let shown = entries.of(page, reference());
            for (entry, offering) in shown.iter().zip(page) {
                assert!(
                    entry
                        .title()
                        .contains(&format!(">{}<", offering.data.title))
                );
            }
        }
        assert!(entries.held.weight() <= room);
        assert!(entries.held.len() < offerings.len());
    }
}
